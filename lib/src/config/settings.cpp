#include "callctl/config/settings.hpp"

#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "callctl/config/config_file.hpp"
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

std::optional<std::string> profile_string(const json& profile, const char* key) {
    if (profile.contains(key) && profile[key].is_string()) return profile[key].get<std::string>();
    return std::nullopt;
}

std::optional<double> profile_number(const json& profile, const char* key) {
    if (profile.contains(key) && profile[key].is_number()) return profile[key].get<double>();
    return std::nullopt;
}

Result<std::chrono::milliseconds> to_duration(double seconds, std::string_view what) {
    if (!(seconds > 0) || !std::isfinite(seconds) || seconds > 86400) {
        return make_error(ExitCode::usage, fmt::format("{} must be a positive number of seconds", what));
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000)));
}

// flag > environment > profile; records where the winner came from.
std::optional<std::string> layered(const std::optional<std::string>& flag, const Environment& env,
                                   std::string_view env_name, const json& profile, const char* key, Source& source) {
    if (flag) {
        source = Source::flag;
        return flag;
    }
    if (!env_name.empty()) {
        if (auto value = env_value(env, env_name)) {
            source = Source::environment;
            return value;
        }
    }
    if (auto value = profile_string(profile, key)) {
        source = Source::profile;
        return value;
    }
    source = Source::none;
    return std::nullopt;
}

}  // namespace

std::filesystem::path config_path(const Flags& flags, const Environment& env) {
    if (flags.config) return *flags.config;
    if (auto path = env_value(env, "CALLCTL_CONFIG")) return *path;
    return default_config_path(env);
}

ProfileChoice choose_profile(const Flags& flags, const Environment& env, const ConfigFile& config) {
    if (flags.profile) return {*flags.profile, Source::flag};
    if (auto name = env_value(env, "CALLCTL_PROFILE")) return {*name, Source::environment};
    if (auto current = config.current_profile()) return {*current, Source::profile};
    return {"default", Source::default_value};
}

Result<Settings> resolve(const Flags& flags, const Environment& env) {
    Settings settings;

    settings.config_path = config_path(flags, env);
    settings.credentials_path = settings.config_path.parent_path() / "credentials.json";

    auto config = ConfigFile::load(settings.config_path);
    if (!config) return config.error();

    const ProfileChoice choice = choose_profile(flags, env, *config);
    settings.profile = choice.name;
    settings.profile_source = choice.source;
    // Naming a profile that does not exist is likely a typo; backend commands
    // refuse to run with it (Context::session), `profile set` creates it.
    settings.profile_missing = settings.profile_source != Source::default_value && !config->has_profile(settings.profile);
    const json profile = config->profile(settings.profile);

    Source source = Source::none;
    settings.token_url = layered(flags.token_url, env, "CALLCTL_TOKEN_URL", profile, "token_url", source).value_or("");
    settings.url_sources["token_url"] = source;
    settings.rest_url = layered(flags.rest_url, env, "CALLCTL_REST_URL", profile, "rest_url", source).value_or("");
    settings.url_sources["rest_url"] = source;
    settings.graphql_url = layered(flags.graphql_url, env, "CALLCTL_GRAPHQL_URL", profile, "graphql_url", source).value_or("");
    settings.url_sources["graphql_url"] = source;

    if (auto output = layered(flags.output, env, "CALLCTL_OUTPUT", profile, "output", source)) {
        auto format = parse_output_format(*output);
        if (!format) return format.error();
        settings.output = *format;
    }

    const double timeout = flags.timeout.value_or(profile_number(profile, "timeout").value_or(30.0));
    auto timeout_ms = to_duration(timeout, "--timeout");
    if (!timeout_ms) return timeout_ms.error();
    settings.timeout = *timeout_ms;
    const double connect = flags.connect_timeout.value_or(profile_number(profile, "connect_timeout").value_or(10.0));
    auto connect_ms = to_duration(connect, "--connect-timeout");
    if (!connect_ms) return connect_ms.error();
    settings.connect_timeout = *connect_ms;

    const double retries = flags.retries ? *flags.retries : profile_number(profile, "retries").value_or(2.0);
    if (retries < 0 || retries > 10) return make_error(ExitCode::usage, "--retries must be from 0 to 10");
    settings.retries = static_cast<int>(retries);

    settings.cacert = flags.cacert.value_or(profile_string(profile, "cacert").value_or(""));
    settings.insecure = flags.insecure;
    settings.verbose = flags.verbose;
    settings.quiet = flags.quiet;
    settings.dry_run = flags.dry_run;
    settings.no_color = flags.no_color || env("NO_COLOR").has_value();

    if (flags.token && flags.token_file) {
        return make_error(ExitCode::usage, "give either --token or --token-file, not both");
    }
    if (flags.token) {
        settings.token = *flags.token;
        settings.token_source = Source::flag;
        settings.token_origin = "--token";
    } else if (flags.token_file) {
        auto token = util::read_secret_file(*flags.token_file);
        if (!token) return token.error();
        if (token->empty()) {
            return make_error(ExitCode::auth, fmt::format("token file {} is empty", *flags.token_file),
                              "write the bearer token into it (e.g. `callctl token create --scope virtual-number -q > "
                              "FILE`), or pass it in CALLCTL_TOKEN");
        }
        settings.token = std::move(*token);
        settings.token_source = Source::flag;
        settings.token_origin = *flags.token_file == "-" ? "--token-file - (stdin)" : "--token-file " + *flags.token_file;
    } else if (auto token = env_value(env, "CALLCTL_TOKEN")) {
        settings.token = std::move(*token);
        settings.token_source = Source::environment;
        settings.token_origin = "CALLCTL_TOKEN";
    }

    if (profile.contains("graphql") && profile["graphql"].is_object()) {
        for (const auto& [operation, document] : profile["graphql"].items()) {
            if (!document.is_string()) {
                return make_error(ExitCode::bad_input,
                                  fmt::format("malformed config: {}: profile '{}': graphql.{} must be a string",
                                              settings.config_path.string(), settings.profile, operation));
            }
            settings.graphql_documents[operation] = document.get<std::string>();
        }
    }
    return settings;
}

}  // namespace callctl::config
