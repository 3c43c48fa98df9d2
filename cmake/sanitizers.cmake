# DUET_SANITIZERS selects a sanitizer build of every target: "address;undefined" or
# "thread". ThreadSanitizer cannot share a process with AddressSanitizer, so mixing is refused.
add_library(duet_options INTERFACE)
if(DUET_SANITIZERS)
  if("thread" IN_LIST DUET_SANITIZERS AND ("address" IN_LIST DUET_SANITIZERS OR "undefined" IN_LIST DUET_SANITIZERS))
    message(FATAL_ERROR "DUET_SANITIZERS: 'thread' cannot be combined with 'address' or 'undefined'")
  endif()
  list(JOIN DUET_SANITIZERS "," duet_sanitizer_list)
  target_compile_options(duet_options INTERFACE -fsanitize=${duet_sanitizer_list} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(duet_options INTERFACE -fsanitize=${duet_sanitizer_list})
  if("address" IN_LIST DUET_SANITIZERS)
    # ASan's instrumentation makes GCC 12 report maybe-uninitialized inside libstdc++'s
    # <regex> and <functional>: false positives in code that is not ours.
    target_compile_options(duet_options INTERFACE -Wno-maybe-uninitialized)
  endif()
  if("thread" IN_LIST DUET_SANITIZERS)
    # GCC warns that TSan does not model Asio's std::atomic_thread_fence; the
    # handler hand-offs it guards also go through the scheduler's mutex, which TSan sees.
    target_compile_options(duet_options INTERFACE -Wno-tsan)
  endif()
endif()
