# jq::jq: Debian's libjq-dev (jq 1.6) has only a header and a library, no
# CMake or pkg-config file. callctl compiles against the header and opens
# libjq.so.1 with dlopen when a filter is first compiled
# (lib/src/output/jq_library.cpp says why), so the target carries the
# include directory and libdl, not the library; the package depends on
# libjq1 by name (cmake/packaging.cmake), since no binary's NEEDED names it.
find_path(JQ_INCLUDE_DIR jq.h REQUIRED)
add_library(jq::jq INTERFACE IMPORTED)
set_target_properties(jq::jq PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${JQ_INCLUDE_DIR}"
                                        INTERFACE_LINK_LIBRARIES "${CMAKE_DL_LIBS}")
