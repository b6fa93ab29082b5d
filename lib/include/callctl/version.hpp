#pragma once

#include <string_view>

namespace callctl {
std::string_view version();     // "0.1.0"
std::string_view user_agent();  // "callctl/0.1.0", sent on every request
}  // namespace callctl
