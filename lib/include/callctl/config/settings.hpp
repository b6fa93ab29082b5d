// Settings: what every command runs with, resolved once from four layers
// (callctl(1), GLOBAL OPTIONS): command-line flag > environment > profile >
// default. Each setting is one row of the settings table (setting_table.hpp).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callctl/config/setting_defaults.hpp"
#include "callctl/error.hpp"

namespace callctl::config {

enum class OutputFormat { auto_detect, json, ndjson, table };
Result<OutputFormat> parse_output_format(std::string_view text);
std::string_view to_string(OutputFormat format);

// The environment as a lookup, so tests can supply their own.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;
Environment process_environment();
Environment environment_from(std::map<std::string, std::string> variables);

// What the command line said; unset means "not given". CLI11 writes here
// directly (one option per row of the settings table).
struct Flags {
    std::optional<std::string> profile;
    std::optional<std::string> config;
    std::optional<std::string> token_url;
    std::optional<std::string> rest_url;
    std::optional<std::string> graphql_url;
    std::optional<std::string> token;
    std::optional<std::string> token_file;
    std::optional<std::string> output;
    std::optional<double> timeout;
    std::optional<double> connect_timeout;
    std::optional<int> retries;
    std::optional<std::string> cacert;
    bool insecure = false;
    bool verbose = false;
    bool quiet = false;
    bool dry_run = false;
    bool no_color = false;
    // Rows of the table without a field above, by row name ("fcm_url").
    std::map<std::string, std::optional<std::string>, std::less<>> values;
};

// Where a resolved value came from, for `profile show` and `token show`.
enum class Source { flag, environment, profile, store, default_value, none };
std::string_view to_string(Source source);

// One resolved row of the settings table.
struct SettingValue {
    std::string text{};    // canonical text ("30", "json", "https://..."); "" when there is none
    double number = 0;     // seconds for `seconds` rows, the count for `count` rows
    Source source = Source::none;
    std::string origin{};  // who said it: "--timeout", "CALLCTL_TOKEN", "--token-file /path", "default"
};

struct Settings {
    // Every row of the settings table by name, resolved: the generic access
    // for rows without a typed field below. Unknown names are a bug
    // (std::out_of_range).
    const SettingValue& value(std::string_view name) const;
    const std::string& text(std::string_view name) const { return value(name).text; }
    Source source(std::string_view name) const { return value(name).source; }
    std::map<std::string, SettingValue, std::less<>> values;
    // The one flag (of the table's secret and path rows) given as '-', which
    // reads standard input: "--token-file". Two such flags are refused.
    std::optional<std::string> stdin_reader;

    std::string profile;
    Source profile_source = Source::default_value;
    bool profile_missing = false;  // named explicitly but not in the config file
    std::filesystem::path config_path;
    std::filesystem::path credentials_path;

    std::string token_url;    // base URL of the token endpoint
    std::string rest_url;     // base URL of the REST call API
    std::string graphql_url;  // full URL of the GraphQL endpoint
    std::map<std::string, Source> url_sources;  // "token_url" -> where it came from

    OutputFormat output = OutputFormat::auto_detect;
    std::chrono::milliseconds timeout = default_duration("timeout");
    std::chrono::milliseconds connect_timeout = default_duration("connect_timeout");
    int retries = default_count("retries");
    std::string cacert;
    bool insecure = false;
    bool verbose = false;
    bool quiet = false;
    bool dry_run = false;
    bool no_color = false;  // --no-color or NO_COLOR

    // The bearer token given explicitly (flag, file or environment). When
    // unset, commands fall back to the credential store of `profile`.
    std::optional<std::string> token;
    Source token_source = Source::none;
    std::string token_origin;  // "--token", "--token-file /path", "CALLCTL_TOKEN"

    // Per-operation GraphQL document replacements from the profile
    // (operation name -> document text).
    std::map<std::string, std::string> graphql_documents;
};

// $CALLCTL_CONFIG is applied by resolve(); this is the fallback location:
// $XDG_CONFIG_HOME/callctl/config.json, else ~/.config/callctl/config.json.
std::filesystem::path default_config_path(const Environment& env);

class ConfigFile;

// --config > $CALLCTL_CONFIG > default_config_path().
std::filesystem::path config_path(const Flags& flags, const Environment& env);

// --profile > $CALLCTL_PROFILE > the config's current_profile > "default".
struct ProfileChoice {
    std::string name;
    Source source = Source::default_value;
};
ProfileChoice choose_profile(const Flags& flags, const Environment& env, const ConfigFile& config);

// What resolve() does with a profile value that fails its row's validator.
enum class ProfileValues {
    must_be_valid,  // bad input (exit 3) naming the key and the config file
    skip_invalid,   // ignored, as if absent: for `profile set/unset`, which repair them
};

// Loads the config file (a missing file is an empty config), then resolves
// every row of the settings table. Reads --token-file (or stdin for "-") when
// given. A bad value is a usage error naming its flag or environment variable,
// or bad input naming its profile key and the config file.
Result<Settings> resolve(const Flags& flags, const Environment& env,
                         ProfileValues profile_values = ProfileValues::must_be_valid);

// Standard input can be read once. The usage error for options that would
// all read it ("--token-file", "--ids-from": their '-' is implied).
Error stdin_conflict(std::vector<std::string> options);
// A command's own `option` given as `value`: refused when it is '-' and a
// setting (settings.stdin_reader) reads standard input already.
Status check_one_stdin_reader(const Settings& settings, std::string_view option, std::string_view value);

}  // namespace callctl::config
