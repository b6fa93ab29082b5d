#include "setting_options.hpp"

#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "callctl/config/setting_table.hpp"
#include "choices.hpp"

namespace callctl::cli {

namespace {

using config::SettingRow;
using config::SettingType;

CLI::Option* add_value_option(CLI::App& app, const SettingRow& row, config::Flags& flags, const std::string& help) {
    const std::string names(row.flag);
    return std::visit(
        [&](auto field) -> CLI::Option* {
            using Field = decltype(field);
            if constexpr (std::is_same_v<Field, std::monostate>) {
                if (row.type == SettingType::on_off) {
                    throw std::logic_error(fmt::format("setting '{}' is a switch: it needs a bool field of Flags", row.name));
                }
                return app.add_option(names, flags.values[std::string(row.name)], help);
            } else if constexpr (std::is_same_v<Field, bool config::Flags::*>) {
                return app.add_flag(names, flags.*field, help);
            } else {
                return app.add_option(names, flags.*field, help);
            }
        },
        row.flag_field);
}

void bind(CLI::App& app, const SettingRow& row, config::Flags& flags, const char* group) {
    if (row.flag.empty()) return;
    if (!row.inline_flag.empty()) {
        app.add_option(std::string(row.inline_flag), flags.*row.inline_field, config::help_text(row, row.inline_help))
            ->group(group);
    }
    CLI::Option* option = add_value_option(app, row, flags, config::help_text(row, row.help));
    switch (row.type) {
    case SettingType::seconds:
    case SettingType::count:
        // CLI11 reads an empty value as "not given" for a std::optional, as 0
        // for a plain number; callctl always did the latter (--timeout '' is
        // refused, --retries '' means 0).
        option->transform(CLI::Validator(
            [](std::string& value) {
                if (value.empty()) value = "0";
                return std::string();
            },
            "", "empty is 0"));
        break;
    case SettingType::choice: restrict_to(option, std::vector<std::string>(row.choices.begin(), row.choices.end())); break;
    case SettingType::path:
    case SettingType::secret: completes_files(option); break;
    case SettingType::profile_name: completes_profiles(option); break;
    default: break;
    }
    option->group(group);
}

}  // namespace

void add_global_setting_options(CLI::App& app, config::Flags& flags) {
    for (const SettingRow& row : config::setting_rows()) {
        if (row.scope == config::Scope::global) bind(app, row, flags, "Global options");
    }
}

void add_setting_options(CLI::App& command, config::Flags& flags, std::initializer_list<std::string_view> names) {
    for (std::string_view name : names) {
        const SettingRow* row = config::find_setting(name);
        if (row == nullptr || row->scope != config::Scope::command) {
            throw std::logic_error(fmt::format("no command setting '{}' in the settings table", name));
        }
        bind(command, *row, flags, "Options");
    }
}

}  // namespace callctl::cli
