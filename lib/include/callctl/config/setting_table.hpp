// The settings table: every setting callctl takes from the command line, the
// environment or a profile, described once (callctl(1), GLOBAL OPTIONS and
// FILES). One row gives its name, flag, environment variable, profile key,
// type, default, validator and help; the CLI binds its options from the rows
// in one loop, resolve() walks them (flag > environment > profile > default),
// and `profile set/unset/show`, --help and completion read them.
//
// Adding a setting is one row in setting_table.cpp, e.g.
//   {.name = "webex_url", .type = SettingType::url, .flag = "--webex-url", .env = "CALLCTL_WEBEX_URL",
//    .in_profile = true, .default_value = "https://webexapis.com",
//    .help = "Base URL of the Webex REST API [env: {env}] (default {default})", .label = "Webex URL"},
// read with settings.text("webex_url") / settings.source("webex_url"). Typed
// access is one field more: a member of Settings (and of Flags), named in the
// row's `field` (and `flag_field`).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/config/duration.hpp"
#include "callctl/config/settings.hpp"
#include "callctl/error.hpp"

namespace callctl::config {

enum class SettingType {
    text,          // any text
    profile_name,  // a profile of the config file (completes profile names)
    url,           // http:// or https:// (scheme in any case) and something after it
    path,          // a file name (completes files); the command reads the file
    seconds,       // a duration in seconds, under `duration`
    count,         // a whole number from `low` to `high`
    choice,        // one of `choices`: case-insensitive, wire spelling accepted
    on_off,        // a flag without a value; its environment variable turns it on by being set at all
    secret,        // the flag names a FILE to read ('-' = stdin); the environment holds the secret itself;
                   // never in a profile. `inline_flag` may take the secret in argv too (--token).
};

// Where a setting's flag is bound (CLI11 writes the value there).
enum class Scope {
    global,   // on the root, valid before or after any subcommand
    command,  // only where a subcommand binds it (bind_setting_options(cmd, flags, {"fcm_url"}))
};

// The field of Flags a row's flag writes to; std::monostate: Flags::values[name].
using FlagField = std::variant<std::monostate, std::optional<std::string> Flags::*, std::optional<double> Flags::*,
                               std::optional<int> Flags::*, bool Flags::*>;
// The typed field of Settings a row fills; std::monostate: only Settings::values.
using SettingsField = std::variant<std::monostate, std::string Settings::*, std::optional<std::string> Settings::*,
                                   std::chrono::milliseconds Settings::*, int Settings::*, bool Settings::*,
                                   OutputFormat Settings::*>;

struct SettingRow {
    std::string_view name{};  // Settings::value(name); the profile key when in_profile
    SettingType type = SettingType::text;
    std::string_view flag{};  // CLI11 names ("-o,--output"); "" = none
    std::string_view env{};   // "" = none
    bool in_profile = false;
    std::string_view default_value{};  // as text ("30"); "" = none
    // A default computed from the rows resolved before this one, e.g.
    // intercom_auth_url from graphql_url ("": none). Beats default_value.
    std::string (*derived_default)(const Settings& so_far) = nullptr;
    // --help text; "{env}", "{default}" and "{flag}" are replaced by the row's own.
    std::string_view help{};
    Scope scope = Scope::global;

    DurationRule duration{};                  // seconds
    int low = 0, high = 0;                    // count
    std::vector<std::string_view> choices{};  // choice

    // secret: the argv form of the value, beside the file flag.
    std::string_view inline_flag{};
    std::string_view inline_help{};
    std::string_view empty_hint{};  // secret: the hint when the file is empty

    // `profile show` as a table: the label ("" = not shown), the value's text
    // with "{value}" and "{source}" (default: "{value}", urls "{value}  ({source})"),
    // and the text when there is no value (default "-"). Rows that share a
    // label share its line, joined by ", ".
    std::string_view label{};
    std::string_view shown_as{};
    std::string_view unset_text{};

    FlagField flag_field{};
    std::optional<std::string> Flags::*inline_field = nullptr;
    SettingsField field{};
};

// Every row, in the order of --help.
const std::vector<SettingRow>& setting_rows();
// The row named `name`, or nullptr.
const SettingRow* find_setting(std::string_view name);
// The rows `profile set` takes, in table order; and the text that lists them
// ("token_url, rest_url, ..., graphql.<Operation>") for help and hints.
std::vector<const SettingRow*> profile_rows();
std::string profile_keys_text();

// The flag as users type it: the long name ("--output" of "-o,--output").
std::string_view long_flag(const SettingRow& row);
// The help text with {env}, {default} and {flag} filled in.
std::string help_text(const SettingRow& row, std::string_view help);
// A placeholder for the value in hints: SEC, N, URL, FILE, auto|json|...
std::string value_placeholder(const SettingRow& row);

// ---------------------------------------------------------------- validation
// One validator per type, used by every layer and by `profile set`. `problem`
// says what is wrong ("must be at most 86400 seconds"); callers put the flag,
// variable or key in front of it.
struct CheckedValue {
    std::string text{};  // canonical: "30", "table", the URL as given
    double number = 0;   // seconds or count
    std::string problem{};
    bool ok() const { return problem.empty(); }
};
CheckedValue check_text(const SettingRow& row, std::string_view text);     // environment, `profile set`
CheckedValue check_json(const SettingRow& row, const nlohmann::json& value);  // profile
CheckedValue check_number(const SettingRow& row, double value);            // a seconds or count flag

// What `profile set KEY VALUE` stores: the value checked, then typed as the
// profile holds it (a number for seconds and counts). The error is a usage
// error "KEY <problem>, got 'VALUE'".
Result<nlohmann::json> profile_value(const SettingRow& row, std::string_view text);

// ---------------------------------------------------------------- resolution
// The layers one row is resolved from. `so_far` holds the rows before it.
struct Layers {
    const Flags& flags;
    const Environment& env;
    const nlohmann::json& profile;  // the profile's object ({} when none)
    std::string_view profile_name;
    std::string_view config_file;
    ProfileValues profile_values = ProfileValues::must_be_valid;
    const Settings* so_far = nullptr;  // for derived defaults
};
// flag > environment > profile > default, checked by the row's validator. A
// row with no value anywhere resolves to {"", Source::none}.
Result<SettingValue> resolve_setting(const SettingRow& row, const Layers& layers);

// An on_off row from its flag and environment alone, before anything else
// resolves (the colour of an error about the command line).
bool switch_on(std::string_view name, const Flags& flags, const Environment& env);

}  // namespace callctl::config
