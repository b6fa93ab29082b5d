// Settings: what every command runs with, resolved once from four layers
// (GLOBAL OPTIONS in callctl(1)): command-line flag > environment > profile > default.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callctl/error.hpp"

namespace callctl::config {

enum class OutputFormat { auto_detect, json, ndjson, table };
Result<OutputFormat> parse_output_format(std::string_view text);
std::string_view to_string(OutputFormat format);

// The environment as a lookup, so tests can supply their own.
using Environment = std::function<std::optional<std::string>(std::string_view name)>;
Environment process_environment();
Environment environment_from(std::map<std::string, std::string> variables);

// What the command line said; unset means "not given".
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
};

// Where a resolved value came from, for `profile show` and `token show`.
enum class Source { flag, environment, profile, store, default_value, none };
std::string_view to_string(Source source);

struct Settings {
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
    std::chrono::milliseconds timeout{30000};
    std::chrono::milliseconds connect_timeout{10000};
    int retries = 2;
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

// Loads the config file (a missing file is an empty config), then resolves.
// Reads --token-file (or stdin for "-") when given.
Result<Settings> resolve(const Flags& flags, const Environment& env);

}  // namespace callctl::config
