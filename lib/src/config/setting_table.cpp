// The rows of the settings table, and the one validator per type that every
// layer and `profile set` share. What the rows say is documented in
// callctl(1), GLOBAL OPTIONS and FILES; keep the two in step.
#include "callctl/config/setting_table.hpp"

#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

#include "callctl/api/intercom_login.hpp"
#include "callctl/util/strings.hpp"

namespace callctl::config {

using nlohmann::json;

namespace {

// intercom_auth_url's default: graphql_url's scheme, host and port.
std::string intercom_auth_default(const Settings& so_far) { return api::default_intercom_auth_url(so_far.graphql_url); }

}  // namespace

const std::vector<SettingRow>& setting_rows() {
    using T = SettingType;
    static const std::vector<SettingRow> rows = {
        // `config` and `profile` decide where the others come from, so resolve()
        // chooses them first (config_path(), choose_profile()).
        {.name = "profile", .type = T::profile_name, .flag = "--profile", .env = "CALLCTL_PROFILE",
         .default_value = "default", .help = "Profile in the config file [env: {env}] (default: {default})",
         .flag_field = &Flags::profile, .field = &Settings::profile},
        {.name = "config", .type = T::path, .flag = "--config", .env = "CALLCTL_CONFIG", .help = "Config file [env: {env}]",
         .flag_field = &Flags::config},
        {.name = "token_url", .type = T::url, .flag = "--token-url", .env = "CALLCTL_TOKEN_URL", .in_profile = true,
         .help = "Base URL of the token endpoint [env: {env}]", .label = "Token URL", .flag_field = &Flags::token_url,
         .field = &Settings::token_url},
        {.name = "rest_url", .type = T::url, .flag = "--rest-url", .env = "CALLCTL_REST_URL", .in_profile = true,
         .help = "Base URL of the REST call API [env: {env}]", .label = "REST URL", .flag_field = &Flags::rest_url,
         .field = &Settings::rest_url},
        {.name = "graphql_url", .type = T::url, .flag = "--graphql-url", .env = "CALLCTL_GRAPHQL_URL", .in_profile = true,
         .help = "Full URL of the GraphQL endpoint [env: {env}]", .label = "GraphQL URL", .flag_field = &Flags::graphql_url,
         .field = &Settings::graphql_url},
        {.name = "token", .type = T::secret, .flag = "--token-file", .env = "CALLCTL_TOKEN",
         .help = "Read the bearer token from FILE ('-' = stdin) [env: {env}]", .inline_flag = "--token",
         .inline_help = "Bearer token (prefer {flag} or {env}: argv is visible to others)",
         .empty_hint = "write the bearer token into it (e.g. `callctl token create --scope virtual-number -q > FILE`), "
                       "or pass it in CALLCTL_TOKEN",
         .flag_field = &Flags::token_file, .inline_field = &Flags::token, .field = &Settings::token},
        {.name = "output", .type = T::choice, .flag = "-o,--output", .env = "CALLCTL_OUTPUT", .in_profile = true,
         .default_value = "auto", .help = "auto: table on a terminal, else JSON [env: {env}]",
         .choices = {"auto", "json", "ndjson", "table"}, .label = "Output", .flag_field = &Flags::output,
         .field = &Settings::output},
        {.name = "timeout", .type = T::seconds, .flag = "--timeout", .in_profile = true, .default_value = "30",
         .help = "Per-request time limit in seconds (default {default})", .label = "Timeouts", .shown_as = "{value} s",
         .flag_field = &Flags::timeout, .field = &Settings::timeout},
        {.name = "connect_timeout", .type = T::seconds, .flag = "--connect-timeout", .in_profile = true,
         .default_value = "10", .help = "Connection time limit in seconds (default {default})", .label = "Timeouts",
         .shown_as = "connect {value} s", .flag_field = &Flags::connect_timeout, .field = &Settings::connect_timeout},
        {.name = "retries", .type = T::count, .flag = "--retries", .in_profile = true, .default_value = "2",
         .help = "Retries of a failed request (default {default})", .low = 0, .high = 10, .label = "Retries",
         .flag_field = &Flags::retries, .field = &Settings::retries},
        // http::ClientOptions::max_reply_bytes: what a hostile server can make callctl hold.
        {.name = "max_reply_mib", .type = T::count, .flag = "--max-reply-mib", .env = "CALLCTL_MAX_REPLY_MIB",
         .in_profile = true, .default_value = "64",
         .help = "Largest reply body accepted, in MiB; a larger one is exit 7 [env: {env}] (default {default})", .low = 1,
         .high = 4096, .label = "Reply limit", .shown_as = "{value} MiB"},
        {.name = "cacert", .type = T::path, .flag = "--cacert", .in_profile = true, .help = "Trust this CA bundle for TLS",
         .label = "CA bundle", .unset_text = "system default", .flag_field = &Flags::cacert, .field = &Settings::cacert},
        {.name = "intercom_auth_url", .type = T::url, .flag = "--intercom-auth-url", .env = "CALLCTL_INTERCOM_AUTH_URL",
         .in_profile = true, .derived_default = intercom_auth_default,
         .help = "Base URL of the intercom OAuth login [env: {env}] (default: graphql_url's scheme, host and port)",
         .label = "Intercom auth URL"},
        // Switches: flags only, except NO_COLOR (https://no-color.org), which counts when set at all.
        {.name = "insecure", .type = T::on_off, .flag = "-k,--insecure", .help = "Skip TLS certificate verification",
         .flag_field = &Flags::insecure, .field = &Settings::insecure},
        {.name = "verbose", .type = T::on_off, .flag = "-v,--verbose",
         .help = "Request/response summary on stderr, secrets redacted", .flag_field = &Flags::verbose,
         .field = &Settings::verbose},
        {.name = "quiet", .type = T::on_off, .flag = "-q,--quiet", .help = "Nothing on stdout but the result",
         .flag_field = &Flags::quiet, .field = &Settings::quiet},
        {.name = "dry_run", .type = T::on_off, .flag = "--dry-run",
         .help = "Print the equivalent curl command line(s), send nothing", .flag_field = &Flags::dry_run,
         .field = &Settings::dry_run},
        {.name = "no_color", .type = T::on_off, .flag = "--no-color", .env = "NO_COLOR", .help = "No colour [env: {env}]",
         .flag_field = &Flags::no_color, .field = &Settings::no_color},
        // Options of the commands that take them (add_setting_options), callctl(1) "login intercom", "kaleyra-token".
        {.name = "intercom_client_id", .type = T::text, .flag = "--client-id", .env = "CALLCTL_INTERCOM_CLIENT_ID",
         .in_profile = true, .help = "The intercom app's OAuth client id [env: {env}] (required)", .scope = Scope::command,
         .label = "Intercom client"},
        {.name = "kaleyra_url", .type = T::url, .flag = "--kaleyra-url", .env = "CALLCTL_KALEYRA_URL", .in_profile = true,
         .help = "Base URL of Kaleyra's REST API [env: {env}]", .scope = Scope::command, .label = "Kaleyra URL"},
        // The company API key: kaleyra-token sends it, and it signs Kaleyra's webhooks (api::kaleyra_api_key).
        {.name = "kaleyra_api_key", .type = T::secret, .flag = "--kaleyra-key-file", .env = "CALLCTL_KALEYRA_API_KEY",
         .help = "Read the Kaleyra company API key from FILE ('-' = stdin) [env: {env} holds the key itself]",
         .scope = Scope::command, .empty_hint = "write the Kaleyra company API key into it, or pass it in CALLCTL_KALEYRA_API_KEY"},
        // The secret Webex signs its webhooks with (X-Spark-Signature): listen checks
        // them, send-webhook makes them (callctl(1), "listen", "send-webhook").
        {.name = "webex_secret", .type = T::secret, .flag = "--webex-secret-file", .env = "CALLCTL_WEBEX_SECRET",
         .help = "Read the Webex webhook secret from FILE ('-' = stdin) [env: {env} holds the secret itself]",
         .scope = Scope::command, .empty_hint = "write the Webex webhook secret into it, or pass it in CALLCTL_WEBEX_SECRET"},
        // send-push (callctl(1), "send-push"): where pushes go and what signs them. The
        // credentials rows hold file paths (never the keys), so a profile may name them.
        {.name = "fcm_url", .type = T::url, .flag = "--fcm-url", .env = "CALLCTL_FCM_URL", .in_profile = true,
         .default_value = "https://fcm.googleapis.com", .help = "FCM HTTP v1 base URL [env: {env}] (default {default})",
         .scope = Scope::command, .label = "FCM URL"},
        {.name = "fcm_credentials", .type = T::path, .flag = "--fcm-credentials", .env = "CALLCTL_FCM_CREDENTIALS",
         .in_profile = true, .help = "Google service-account JSON: deliver through FCM [env: {env}, its path]",
         .scope = Scope::command, .label = "FCM credentials"},
        {.name = "apns_env", .type = T::choice, .flag = "--apns-env", .in_profile = true, .default_value = "production",
         .help = "APNs host when no --apns-url: api.push.apple.com or api.sandbox.push.apple.com (default {default})",
         .scope = Scope::command, .choices = {"production", "sandbox"}, .label = "APNs environment"},
        // After apns_env: its default follows it.
        {.name = "apns_url", .type = T::url, .flag = "--apns-url", .env = "CALLCTL_APNS_URL", .in_profile = true,
         .derived_default = [](const Settings& so_far) -> std::string {
             return so_far.text("apns_env") == "sandbox" ? "https://api.sandbox.push.apple.com" : "https://api.push.apple.com";
         },
         .help = "APNs base URL [env: {env}] (default: by --apns-env)", .scope = Scope::command, .label = "APNs URL"},
        {.name = "apns_key", .type = T::path, .flag = "--apns-key", .env = "CALLCTL_APNS_KEY", .in_profile = true,
         .help = "APNs token key (.p8): deliver through APNs [env: {env}, its path]", .scope = Scope::command,
         .label = "APNs key"},
        {.name = "apns_key_id", .type = T::text, .flag = "--apns-key-id", .env = "CALLCTL_APNS_KEY_ID", .in_profile = true,
         .help = "The .p8 key's 10-character id [env: {env}]", .scope = Scope::command, .label = "APNs key"},
        {.name = "apns_team_id", .type = T::text, .flag = "--apns-team-id", .env = "CALLCTL_APNS_TEAM_ID", .in_profile = true,
         .help = "Your Apple team id [env: {env}]", .scope = Scope::command, .label = "APNs key"},
        {.name = "apns_topic", .type = T::text, .flag = "--apns-topic", .env = "CALLCTL_APNS_TOPIC", .in_profile = true,
         .help = "The app's bundle id (.voip is added for VoIP pushes) [env: {env}]", .scope = Scope::command,
         .label = "APNs topic"},
        // The webhook half of the delivery loop (callctl(1), "webex-webhook").
        {.name = "webex_url", .type = T::url, .flag = "--webex-url", .env = "CALLCTL_WEBEX_URL", .in_profile = true,
         .default_value = "https://webexapis.com", .help = "Base URL of the Webex REST API [env: {env}] (default {default})",
         .scope = Scope::command, .label = "Webex URL"},
        {.name = "webex_token", .type = T::secret, .flag = "--webex-token-file", .env = "CALLCTL_WEBEX_TOKEN",
         .help = "Read the Webex bearer token (an org admin's) from FILE ('-' = stdin) [env: {env} holds the token itself]",
         .scope = Scope::command, .empty_hint = "write a Webex org admin's access token into it, or pass it in CALLCTL_WEBEX_TOKEN"},
    };
    return rows;
}

const SettingRow* find_setting(std::string_view name) {
    for (const auto& row : setting_rows()) {
        if (row.name == name) return &row;
    }
    return nullptr;
}

std::vector<const SettingRow*> profile_rows() {
    std::vector<const SettingRow*> rows;
    for (const auto& row : setting_rows()) {
        if (row.in_profile) rows.push_back(&row);
    }
    return rows;
}

std::string profile_keys_text() {
    std::string text;
    for (const SettingRow* row : profile_rows()) text += fmt::format("{}, ", row->name);
    return text + "graphql.<Operation>";
}

std::string_view long_flag(const SettingRow& row) {
    const auto comma = row.flag.rfind(',');
    return comma == std::string_view::npos ? row.flag : row.flag.substr(comma + 1);
}

namespace {

void replace_all(std::string& text, std::string_view from, std::string_view to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
}

std::string or_list(const std::vector<std::string_view>& words) {
    std::string text;
    for (std::size_t i = 0; i < words.size(); ++i) {
        text += i == 0 ? "" : i + 1 == words.size() ? " or " : ", ";
        text += words[i];
    }
    return text;
}

std::string count_problem(const SettingRow& row, bool whole) {
    return fmt::format("must be {}from {} to {}", whole ? "" : "a whole number ", row.low, row.high);
}

// What is wrong with a value of the row's type that is not even of the right
// kind (text where a number belongs, a number where a URL belongs).
std::string kind_problem(const SettingRow& row) {
    switch (row.type) {
    case SettingType::seconds: return duration_problem(std::nan(""), row.duration);
    case SettingType::count: return count_problem(row, false);
    case SettingType::choice: return "must be " + or_list(row.choices);
    case SettingType::url: return "must be an http:// or https:// URL";
    case SettingType::on_off: return "must be true or false";
    default: return "must be a string";
    }
}

bool is_http_url(std::string_view text) {
    for (std::string_view scheme : {"http://", "https://"}) {
        if (text.size() > scheme.size() && util::iequals(text.substr(0, scheme.size()), scheme)) return true;
    }
    return false;
}

CheckedValue problem(std::string text) { return {.problem = std::move(text)}; }

CheckedValue seconds_value(const SettingRow& row, double seconds) {
    auto duration = to_duration(seconds, row.duration, "");
    if (!duration) return problem(duration_problem(seconds, row.duration));
    const double effective = static_cast<double>(duration->count()) / 1000.0;
    return {.text = fmt::format("{}", effective), .number = effective};
}

CheckedValue count_value(const SettingRow& row, double count, bool whole) {
    if (!(count == std::floor(count)) || count < row.low || count > row.high) return problem(count_problem(row, whole));
    return {.text = fmt::format("{}", static_cast<int>(count)), .number = count};
}

}  // namespace

std::string help_text(const SettingRow& row, std::string_view help) {
    std::string text(help);
    replace_all(text, "{env}", row.env);
    replace_all(text, "{default}", row.default_value);
    replace_all(text, "{flag}", long_flag(row));
    return text;
}

std::string value_placeholder(const SettingRow& row) {
    switch (row.type) {
    case SettingType::seconds: return "SEC";
    case SettingType::count: return "N";
    case SettingType::url: return "URL";
    case SettingType::path:
    case SettingType::secret: return "FILE";
    case SettingType::profile_name: return "NAME";
    case SettingType::choice: {
        std::string text;
        for (auto choice : row.choices) text += (text.empty() ? "" : "|") + std::string(choice);
        return text;
    }
    case SettingType::text:
    case SettingType::on_off: break;
    }
    return "VALUE";
}

CheckedValue check_number(const SettingRow& row, double value) {
    if (row.type == SettingType::seconds) return seconds_value(row, value);
    if (row.type == SettingType::count) return count_value(row, value, true);
    return check_text(row, fmt::format("{}", value));
}

CheckedValue check_text(const SettingRow& row, std::string_view text) {
    switch (row.type) {
    case SettingType::seconds: {
        const auto seconds = parse_number(text);
        return seconds ? seconds_value(row, *seconds) : problem(kind_problem(row));
    }
    case SettingType::count: {
        const std::string copy(text);
        char* end = nullptr;
        const long count = std::strtol(copy.c_str(), &end, 10);
        if (copy.empty() || *end != '\0') return problem(kind_problem(row));
        return count_value(row, static_cast<double>(count), false);
    }
    case SettingType::choice: {
        const std::string normalized = util::normalize_enum(text);
        for (auto choice : row.choices) {
            if (normalized == choice) return {.text = std::string(choice)};
        }
        return problem(kind_problem(row));
    }
    case SettingType::url:
        if (!is_http_url(text)) return problem(kind_problem(row));
        // Paths are appended to these URLs: after a query or a fragment they
        // would be no path at all ("http://h/?x" + "/tokens").
        if (text.find_first_of("?#") != std::string_view::npos) {
            return problem("must not contain '?' or '#' (no query or fragment: callctl appends paths to it)");
        }
        return {.text = std::string(text)};
    case SettingType::on_off: return {.text = "true", .number = 1};
    case SettingType::text:
    case SettingType::profile_name:
    case SettingType::path:
    case SettingType::secret: break;
    }
    return {.text = std::string(text)};
}

CheckedValue check_json(const SettingRow& row, const json& value) {
    if (row.type == SettingType::seconds) {
        return value.is_number() ? seconds_value(row, value.get<double>()) : problem(kind_problem(row));
    }
    if (row.type == SettingType::count) {
        return value.is_number() ? count_value(row, value.get<double>(), value.is_number_integer())
                                 : problem(kind_problem(row));
    }
    if (!value.is_string()) return problem(kind_problem(row));
    return check_text(row, value.get<std::string>());
}

Result<json> profile_value(const SettingRow& row, std::string_view text) {
    const CheckedValue checked = check_text(row, text);
    if (!checked.ok()) return make_error(ExitCode::usage, fmt::format("{} {}, got '{}'", row.name, checked.problem, text));
    if (row.type == SettingType::seconds) return json(checked.number);
    if (row.type == SettingType::count) return json(static_cast<int>(checked.number));
    return json(checked.text);
}

// ---------------------------------------------------------------- defaults

namespace {

CheckedValue checked_default(std::string_view name, SettingType type) {
    const SettingRow* row = find_setting(name);
    if (row == nullptr || row->type != type) {
        throw std::logic_error(fmt::format("no setting '{}' of that type in the settings table", name));
    }
    return check_text(*row, row->default_value);
}

}  // namespace

std::chrono::milliseconds default_duration(std::string_view setting) {
    const CheckedValue value = checked_default(setting, SettingType::seconds);
    return std::chrono::milliseconds(std::llround(value.number * 1000));
}

int default_count(std::string_view setting) {
    return static_cast<int>(checked_default(setting, SettingType::count).number);
}

}  // namespace callctl::config
