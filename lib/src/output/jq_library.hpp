// libjq, loaded when the first jq filter is compiled instead of at start-up
// (jq_library.cpp says why and how).
#pragma once

#include "callctl/error.hpp"

namespace callctl::output::detail {

// Loads libjq.so.1 once (later calls return the first answer): exit 1 when
// it cannot be loaded, naming the package. Every jq_* and jv_* call must
// come after a successful load.
Status load_jq();

}  // namespace callctl::output::detail
