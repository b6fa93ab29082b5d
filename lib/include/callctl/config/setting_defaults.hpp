// The built-in default of a setting, for struct initializers that need one
// without resolving anything (Settings, http::ClientOptions). The value itself
// is written once, in the settings table (setting_table.hpp).
#pragma once

#include <chrono>
#include <string_view>

namespace callctl::config {

// The default of a `seconds` row ("timeout") or of a `count` row ("retries").
// Naming a row that is not one of those is a bug: std::logic_error.
std::chrono::milliseconds default_duration(std::string_view setting);
int default_count(std::string_view setting);

}  // namespace callctl::config
