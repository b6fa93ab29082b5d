// The settings table's flags as CLI11 options: one loop over the rows, each
// bound straight to its field of config::Flags (setting_table.hpp).
#pragma once

#include <initializer_list>
#include <string_view>

#include "callctl/config/settings.hpp"

namespace CLI {
class App;
}

namespace callctl::cli {

// Every global row, on the root ("Global options"); `fallthrough` on the root
// lets them follow the subcommand too.
void add_global_setting_options(CLI::App& app, config::Flags& flags);
// Rows of Scope::command, on the subcommand that takes them
// (add_setting_options(*command, context.flags, {"fcm_url"})).
void add_setting_options(CLI::App& command, config::Flags& flags, std::initializer_list<std::string_view> names);

}  // namespace callctl::cli
