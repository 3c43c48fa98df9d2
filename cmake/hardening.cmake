# The hardening Debian's dpkg-buildflags gives packaged C++ (lintian reported its absence
# as hardening-no-fortify-functions and hardening-no-bindnow): checked buffer functions,
# stack protector, and a read-only relocation table bound at start. Not in sanitizer
# builds (FORTIFY_SOURCE and ASan each replace the same functions) and, for
# FORTIFY_SOURCE, only where the build optimizes, which it needs.
if(NOT DUET_SANITIZERS)
  target_compile_options(duet_options INTERFACE
    $<$<CONFIG:Release,RelWithDebInfo,MinSizeRel>:-D_FORTIFY_SOURCE=2>
    -fstack-protector-strong -fstack-clash-protection -fcf-protection)
  target_link_options(duet_options INTERFACE -Wl,-z,relro -Wl,-z,now)
endif()
