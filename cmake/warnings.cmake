# Warnings as an INTERFACE target: our own targets link it, third-party code
# (CLI11, nlohmann/json, httplib headers) is included as SYSTEM and stays quiet.
add_library(callctl_warnings INTERFACE)
target_compile_options(callctl_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wconversion -Wformat=2
  -Wimplicit-fallthrough)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(callctl_warnings INTERFACE -Wduplicated-cond -Wlogical-op)
  # GCC 12 reports -Wrestrict inside libstdc++'s own std::string operator+ at
  # -O2/-O3 (GCC bug 105329): a false positive on plain concatenation.
  if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(callctl_warnings INTERFACE -Wno-restrict)
  endif()
endif()
if(CALLCTL_WERROR)
  target_compile_options(callctl_warnings INTERFACE -Werror)
endif()
