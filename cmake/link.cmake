# Start-up cost (callctl(1) promises one request at curl's cost). A profile of
# one `call-log ID` showed over half of callctl's instructions in the dynamic
# loader resolving symbols, most of them C++ ones: libstdc++.so relocating
# itself, and libfmt.so, which exists only to pull libstdc++.so in. So by
# default, outside sanitizer and fuzz builds:
#   - fmt compiled into the library (callctl::fmt below and
#     lib/src/util/fmt_library.cpp): no libfmt.so to load. Once, not
#     header-only: FMT_HEADER_ONLY compiled fmt's implementation into every
#     translation unit, 40% of each one's compile time;
#   - -static-libstdc++ -static-libgcc: no libstdc++.so / libgcc_s.so to load
#     and relocate (with libfmt.so gone nothing else needs them);
#   - yaml-cpp from its static archive: one shared library fewer;
#   - -Wl,--exclude-libs,ALL: the archives' symbols (4,589 of libstdc++'s)
#     stay out of callctl's dynamic symbol table, where they would interpose
#     on any library that brings its own libstdc++ (5 exported remain).
# Tried and left out: -Wl,--as-needed,-O1 (no library dropped, no measurable
# change) and -fvisibility=hidden (a PIE exports nothing it need not; with the
# above its dynamic symbol table has 5 entries left to hide).
# Each was measured with callgrind (instructions of one `call-log ID` and of
# `--version`); the commits that added them give the numbers. Only the callctl
# binary (and the library it is made of) is built this way: the sandbox and
# the test binaries keep Debian's shared libfmt and libstdc++, so they can use
# what the compiler cache already holds. The library carries fmt's
# implementation (or, header-only, its own copy of what it uses), so they link
# it either way: definitions in an executable come before libfmt.so's.
option(CALLCTL_LEAN_LINK "Link for start-up speed: fmt compiled in, static libstdc++ and yaml-cpp" ON)
set(_callctl_lean OFF)
if(CALLCTL_LEAN_LINK AND NOT CALLCTL_SANITIZE AND NOT CALLCTL_FUZZ)
  set(_callctl_lean ON)
endif()

add_library(callctl_fmt INTERFACE)
add_library(callctl::fmt ALIAS callctl_fmt)
add_library(callctl_yaml INTERFACE)
add_library(callctl::yaml ALIAS callctl_yaml)
# CALLCTL_FMT_COMPILED_IN: lib/ adds fmt's implementation to callctl_core.
# fmt_library.cpp spells fmt 9's explicit instantiations (Debian 12); any
# other fmt is used header-only.
set(CALLCTL_FMT_COMPILED_IN OFF)
if(_callctl_lean AND fmt_VERSION VERSION_GREATER_EQUAL 9 AND fmt_VERSION VERSION_LESS 10)
  set(CALLCTL_FMT_COMPILED_IN ON)
endif()
if(CALLCTL_FMT_COMPILED_IN)
  # fmt's headers only, without FMT_HEADER_ONLY (see above).
  get_target_property(_fmt_includes fmt::fmt-header-only INTERFACE_INCLUDE_DIRECTORIES)
  if(_fmt_includes)
    target_include_directories(callctl_fmt SYSTEM INTERFACE ${_fmt_includes})
  endif()
elseif(_callctl_lean)
  target_link_libraries(callctl_fmt INTERFACE fmt::fmt-header-only)
else()
  target_link_libraries(callctl_fmt INTERFACE fmt::fmt)
endif()
if(_callctl_lean)
  find_library(CALLCTL_YAML_CPP_ARCHIVE NAMES libyaml-cpp.a)
  if(CALLCTL_YAML_CPP_ARCHIVE)
    get_target_property(_yaml_includes yaml-cpp INTERFACE_INCLUDE_DIRECTORIES)
    target_link_libraries(callctl_yaml INTERFACE "${CALLCTL_YAML_CPP_ARCHIVE}")
    if(_yaml_includes)
      target_include_directories(callctl_yaml SYSTEM INTERFACE ${_yaml_includes})
    endif()
  else()
    target_link_libraries(callctl_yaml INTERFACE yaml-cpp)
  endif()
else()
  target_link_libraries(callctl_yaml INTERFACE yaml-cpp)
endif()

# callctl_lean_link(TARGET): the link options above, for the shipped binary.
function(callctl_lean_link target)
  if(_callctl_lean)
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc LINKER:--exclude-libs,ALL)
  endif()
endfunction()
