# jq::jq: Debian's libjq-dev (jq 1.6) has only a header and a library, no
# CMake or pkg-config file, so find them by hand.
find_path(JQ_INCLUDE_DIR jq.h REQUIRED)
find_library(JQ_LIBRARY NAMES jq REQUIRED)
add_library(jq::jq UNKNOWN IMPORTED)
set_target_properties(jq::jq PROPERTIES IMPORTED_LOCATION "${JQ_LIBRARY}" INTERFACE_INCLUDE_DIRECTORIES "${JQ_INCLUDE_DIR}")
