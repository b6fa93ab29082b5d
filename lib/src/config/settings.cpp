#include "callctl/config/settings.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <stdexcept>
#include <variant>
#include <vector>

#include <fmt/format.h>

#include "callctl/config/config_file.hpp"
#include "callctl/config/setting_table.hpp"
#include "callctl/util/fs.hpp"
#include "callctl/util/strings.hpp"

namespace callctl::config {

using nlohmann::json;

Result<OutputFormat> parse_output_format(std::string_view text) {
    const std::string value = util::to_lower(util::trim(text));
    if (value == "auto") return OutputFormat::auto_detect;
    if (value == "json") return OutputFormat::json;
    if (value == "ndjson") return OutputFormat::ndjson;
    if (value == "table") return OutputFormat::table;
    return make_error(ExitCode::usage, fmt::format("unknown output format '{}': use auto, json, ndjson or table", text));
}

std::string_view to_string(OutputFormat format) {
    switch (format) {
    case OutputFormat::auto_detect: return "auto";
    case OutputFormat::json: return "json";
    case OutputFormat::ndjson: return "ndjson";
    case OutputFormat::table: return "table";
    }
    return "auto";
}

std::string_view to_string(Source source) {
    switch (source) {
    case Source::flag: return "flag";
    case Source::environment: return "environment";
    case Source::profile: return "profile";
    case Source::store: return "credential store";
    case Source::default_value: return "default";
    case Source::none: return "none";
    }
    return "none";
}

Environment process_environment() {
    return [](std::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    };
}

Environment environment_from(std::map<std::string, std::string> variables) {
    return [vars = std::move(variables)](std::string_view name) -> std::optional<std::string> {
        auto it = vars.find(std::string(name));
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

std::filesystem::path default_config_path(const Environment& env) {
    if (auto xdg = env("XDG_CONFIG_HOME"); xdg && !xdg->empty()) {
        return std::filesystem::path(*xdg) / "callctl" / "config.json";
    }
    const std::string home = env("HOME").value_or(".");
    return std::filesystem::path(home) / ".config" / "callctl" / "config.json";
}

namespace {

// A set-but-empty environment variable counts as unset, as most tools treat it.
std::optional<std::string> env_value(const Environment& env, std::string_view name) {
    auto value = env(name);
    if (value && value->empty()) return std::nullopt;
    return value;
}

const SettingRow& row_named(std::string_view name) {
    const SettingRow* row = find_setting(name);
    if (row == nullptr) throw std::logic_error(fmt::format("no setting '{}' in the settings table", name));
    return *row;
}

// What the command line said for a row: nothing, text, or a number CLI11
// already converted.
struct FlagInput {
    enum class Kind { none, text, number } kind = Kind::none;
    std::string text;
    double number = 0;
};

FlagInput flag_input(const SettingRow& row, const Flags& flags) {
    using Kind = FlagInput::Kind;
    if (std::holds_alternative<std::monostate>(row.flag_field)) {
        const auto it = flags.values.find(row.name);
        if (it == flags.values.end() || !it->second) return {};
        return {Kind::text, *it->second};
    }
    if (const auto* text = std::get_if<std::optional<std::string> Flags::*>(&row.flag_field)) {
        const auto& given = flags.**text;
        return given ? FlagInput{Kind::text, *given} : FlagInput{};
    }
    if (const auto* seconds = std::get_if<std::optional<double> Flags::*>(&row.flag_field)) {
        const auto& given = flags.**seconds;
        return given ? FlagInput{Kind::number, {}, *given} : FlagInput{};
    }
    if (const auto* count = std::get_if<std::optional<int> Flags::*>(&row.flag_field)) {
        const auto& given = flags.**count;
        return given ? FlagInput{Kind::number, {}, static_cast<double>(*given)} : FlagInput{};
    }
    const bool on = flags.*std::get<bool Flags::*>(row.flag_field);
    return on ? FlagInput{Kind::text, "true"} : FlagInput{};
}

SettingValue accepted(CheckedValue checked, Source source, std::string origin) {
    return {std::move(checked.text), checked.number, source, std::move(origin)};
}

// flag file > inline flag > environment: the flag names a file to read, the
// environment holds the secret itself.
Result<SettingValue> resolve_secret(const SettingRow& row, const Layers& layers) {
    const FlagInput file = flag_input(row, layers.flags);
    const std::optional<std::string>* inline_value = row.inline_field ? &(layers.flags.*row.inline_field) : nullptr;
    if (inline_value && *inline_value && file.kind != FlagInput::Kind::none) {
        return make_error(ExitCode::usage, fmt::format("give either {} or {}, not both", row.inline_flag, long_flag(row)));
    }
    if (inline_value && *inline_value) return SettingValue{**inline_value, 0, Source::flag, std::string(row.inline_flag)};
    if (file.kind != FlagInput::Kind::none) {
        auto secret = util::read_secret_file(file.text);
        if (!secret) return secret.error();
        if (secret->empty()) {
            std::string what(row.name);
            std::replace(what.begin(), what.end(), '_', ' ');
            return make_error(ExitCode::auth, fmt::format("{} file {} is empty", what, file.text),
                              row.empty_hint.empty() ? fmt::format("write the {} into it, or pass it in {}", what, row.env)
                                                     : std::string(row.empty_hint));
        }
        const std::string origin = file.text == "-" ? fmt::format("{} - (stdin)", long_flag(row))
                                                    : fmt::format("{} {}", long_flag(row), file.text);
        return SettingValue{std::move(*secret), 0, Source::flag, origin};
    }
    if (row.env.empty()) return SettingValue{};
    if (auto value = env_value(layers.env, row.env)) {
        return SettingValue{std::move(*value), 0, Source::environment, std::string(row.env)};
    }
    return SettingValue{};
}

// Copies a resolved row into its typed field of Settings, if it has one.
void store(Settings& settings, const SettingRow& row, const SettingValue& value) {
    if (value.source == Source::none) return;  // the field keeps its (table) default
    if (const auto* text = std::get_if<std::string Settings::*>(&row.field)) {
        settings.**text = value.text;
    } else if (const auto* optional = std::get_if<std::optional<std::string> Settings::*>(&row.field)) {
        settings.**optional = value.text;
    } else if (const auto* duration = std::get_if<std::chrono::milliseconds Settings::*>(&row.field)) {
        settings.**duration = std::chrono::milliseconds(std::llround(value.number * 1000));
    } else if (const auto* count = std::get_if<int Settings::*>(&row.field)) {
        settings.**count = static_cast<int>(value.number);
    } else if (const auto* on = std::get_if<bool Settings::*>(&row.field)) {
        settings.**on = true;
    } else if (const auto* format = std::get_if<OutputFormat Settings::*>(&row.field)) {
        // The row's validator admitted only the format names.
        if (auto parsed = parse_output_format(value.text)) settings.**format = *parsed;
    }
}

// Who chose the profile, in the words of SettingValue::origin.
std::string profile_origin(Source source) {
    const SettingRow& row = row_named("profile");
    switch (source) {
    case Source::flag: return std::string(long_flag(row));
    case Source::environment: return std::string(row.env);
    case Source::profile: return "current_profile";
    default: return "default";
    }
}

}  // namespace

const SettingValue& Settings::value(std::string_view name) const {
    const auto it = values.find(name);
    if (it == values.end()) throw std::out_of_range(fmt::format("no setting '{}' was resolved", name));
    return it->second;
}

Result<SettingValue> resolve_setting(const SettingRow& row, const Layers& layers) {
    if (row.type == SettingType::secret) return resolve_secret(row, layers);

    if (const FlagInput flag = flag_input(row, layers.flags); flag.kind != FlagInput::Kind::none) {
        const CheckedValue checked = flag.kind == FlagInput::Kind::number ? check_number(row, flag.number)
                                                                          : check_text(row, flag.text);
        if (!checked.ok()) return make_error(ExitCode::usage, fmt::format("{} {}", long_flag(row), checked.problem));
        return accepted(checked, Source::flag, std::string(long_flag(row)));
    }
    if (!row.env.empty()) {
        // A switch's variable counts when set at all (NO_COLOR=); others when not empty.
        auto value = row.type == SettingType::on_off ? layers.env(row.env) : env_value(layers.env, row.env);
        if (value) {
            const CheckedValue checked = check_text(row, *value);
            if (!checked.ok()) {
                return make_error(ExitCode::usage, fmt::format("{} {}, got '{}'", row.env, checked.problem, *value));
            }
            return accepted(checked, Source::environment, std::string(row.env));
        }
    }
    if (row.in_profile) {
        const std::string key(row.name);
        // null is what a hand edit (or an old callctl) may leave for "no value".
        if (layers.profile.contains(key) && !layers.profile[key].is_null()) {
            const json& stored = layers.profile[key];
            const CheckedValue checked = check_json(row, stored);
            if (checked.ok()) {
                return accepted(checked, Source::profile,
                                fmt::format("profile '{}' in {}", layers.profile_name, layers.config_file));
            }
            if (layers.profile_values == ProfileValues::must_be_valid) {
                return make_error(ExitCode::bad_input,
                                  fmt::format("malformed config: {}: profile '{}': {} {}, got {}", layers.config_file,
                                              layers.profile_name, key, checked.problem, stored.dump()),
                                  fmt::format("repair it with `callctl --profile {0} profile set {1} {2}` or `callctl "
                                              "--profile {0} profile unset {1}`",
                                              layers.profile_name, key, value_placeholder(row)));
            }
        }
    }
    std::string fallback = row.derived_default && layers.so_far ? row.derived_default(*layers.so_far) : std::string();
    if (fallback.empty()) fallback = std::string(row.default_value);
    if (!fallback.empty()) {
        const CheckedValue checked = check_text(row, fallback);
        if (!checked.ok()) {
            return make_error(ExitCode::internal, fmt::format("the default of {} {}: '{}'", row.name, checked.problem, fallback),
                              "this is a bug in callctl; please report it with the command you ran");
        }
        return accepted(checked, Source::default_value, "default");
    }
    return SettingValue{};
}

bool switch_on(std::string_view name, const Flags& flags, const Environment& env) {
    const SettingRow& row = row_named(name);
    if (flag_input(row, flags).kind != FlagInput::Kind::none) return true;
    return !row.env.empty() && env(row.env).has_value();
}

std::filesystem::path config_path(const Flags& flags, const Environment& env) {
    if (flags.config) return *flags.config;
    if (auto path = env_value(env, row_named("config").env)) return *path;
    return default_config_path(env);
}

ProfileChoice choose_profile(const Flags& flags, const Environment& env, const ConfigFile& config) {
    const SettingRow& row = row_named("profile");
    if (flags.profile) return {*flags.profile, Source::flag};
    if (auto name = env_value(env, row.env)) return {*name, Source::environment};
    if (auto current = config.current_profile()) return {*current, Source::profile};
    return {std::string(row.default_value), Source::default_value};
}

Error stdin_conflict(std::vector<std::string> options) {
    const std::string last = options.back();
    options.pop_back();
    return make_error(ExitCode::usage,
                      fmt::format("{} - and {} - cannot {} read standard input", fmt::join(options, " -, "), last,
                                  options.size() == 1 ? "both" : "all"),
                      "standard input is read once: give the others a file");
}

Status check_one_stdin_reader(const Settings& settings, std::string_view option, std::string_view value) {
    if (value != "-" || !settings.stdin_reader) return {};
    return stdin_conflict({*settings.stdin_reader, std::string(option)});
}

namespace {

// Standard input can be read once: two flags naming '-' (a token file and a
// key file, say) would leave the second one empty. The one flag that may, if any.
Result<std::optional<std::string>> reader_of_stdin(const Flags& flags) {
    std::vector<std::string> readers;
    for (const SettingRow& row : setting_rows()) {
        if (row.type != SettingType::secret && row.type != SettingType::path) continue;
        const FlagInput given = flag_input(row, flags);
        if (given.kind == FlagInput::Kind::text && given.text == "-") readers.emplace_back(long_flag(row));
    }
    if (readers.empty()) return std::optional<std::string>{};
    if (readers.size() == 1) return std::optional<std::string>{readers.front()};
    return stdin_conflict(readers);
}

}  // namespace

Result<Settings> resolve(const Flags& flags, const Environment& env, ProfileValues profile_values) {
    Settings settings;
    auto stdin_reader = reader_of_stdin(flags);
    if (!stdin_reader) return stdin_reader.error();
    settings.stdin_reader = std::move(*stdin_reader);

    settings.config_path = config_path(flags, env);
    settings.credentials_path = settings.config_path.parent_path() / "credentials.json";
    const SettingRow& config_row = row_named("config");
    if (flags.config) {
        settings.values["config"] = {*flags.config, 0, Source::flag, std::string(long_flag(config_row))};
    } else if (env_value(env, config_row.env)) {
        settings.values["config"] = {settings.config_path.string(), 0, Source::environment, std::string(config_row.env)};
    } else {
        settings.values["config"] = {settings.config_path.string(), 0, Source::default_value, "default"};
    }

    auto config = ConfigFile::load(settings.config_path);
    if (!config) return config.error();

    const ProfileChoice choice = choose_profile(flags, env, *config);
    settings.profile = choice.name;
    settings.profile_source = choice.source;
    settings.values["profile"] = {settings.profile, 0, settings.profile_source, profile_origin(choice.source)};
    // Naming a profile that does not exist is likely a typo; backend commands
    // refuse to run with it (Context::session), `profile set` creates it.
    settings.profile_missing = settings.profile_source != Source::default_value && !config->has_profile(settings.profile);
    const json profile = config->profile(settings.profile);
    const std::string config_file = settings.config_path.string();

    const Layers layers{flags, env, profile, settings.profile, config_file, profile_values, &settings};
    // Secrets last: a token file (or stdin) is read only once everything else checked out.
    for (const bool secrets : {false, true}) {
        for (const SettingRow& row : setting_rows()) {
            if (row.name == "config" || row.name == "profile") continue;  // chosen above
            if ((row.type == SettingType::secret) != secrets) continue;
            auto value = resolve_setting(row, layers);
            if (!value) return value.error();
            store(settings, row, *value);
            if (row.type == SettingType::url) settings.url_sources[std::string(row.name)] = value->source;
            settings.values[std::string(row.name)] = std::move(*value);
        }
    }
    const SettingValue& token = settings.value("token");
    settings.token_source = token.source;
    settings.token_origin = token.origin;

    if (profile.contains("graphql") && profile["graphql"].is_object()) {
        for (const auto& [operation, document] : profile["graphql"].items()) {
            if (!document.is_string()) {
                if (profile_values == ProfileValues::skip_invalid) continue;
                return make_error(ExitCode::bad_input,
                                  fmt::format("malformed config: {}: profile '{}': graphql.{} must be a string",
                                              config_file, settings.profile, operation));
            }
            settings.graphql_documents[operation] = document.get<std::string>();
        }
    }
    return settings;
}

}  // namespace callctl::config
