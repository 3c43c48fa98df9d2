# Warning set after cpp-best-practices/cmake_template, applied PRIVATE to our own targets
# only; imported targets are SYSTEM includes, so -Werror never judges Boost or spdlog.
add_library(duet_warnings INTERFACE)
target_compile_options(duet_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wpedantic -Wconversion -Wsign-conversion
  -Wmisleading-indentation -Wduplicated-cond -Wduplicated-branches -Wlogical-op
  -Wuseless-cast -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(DUET_WARNINGS_AS_ERRORS)
  target_compile_options(duet_warnings INTERFACE -Werror)
endif()
