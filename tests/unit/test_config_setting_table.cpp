// The settings table: its rows are consistent, `profile set` and resolve()
// share one validator, errors name where a bad value came from, and durations
// refuse NaN, infinities and 1e300.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <set>

#include "callctl/config/config_file.hpp"
#include "callctl/config/duration.hpp"
#include "callctl/config/setting_table.hpp"
#include "callctl/config/settings.hpp"
#include "callctl/http/http.hpp"
#include "testutil.hpp"

using namespace callctl;
using namespace callctl::config;
using nlohmann::json;

namespace {

void write_text(const std::filesystem::path& path, const std::string& text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

// resolve() with `profile` as the default profile of a fresh config file.
Result<Settings> resolve_profile(const testing::TempDir& dir, const json& profile, Flags flags = {},
                                 std::map<std::string, std::string> env = {},
                                 ProfileValues mode = ProfileValues::must_be_valid) {
    write_text(dir / "config.json", json{{"profiles", {{"default", profile}}}}.dump());
    flags.config = (dir / "config.json").string();
    return resolve(flags, environment_from(std::move(env)), mode);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("setting table: names and flags are unique, every default passes its own validator") {
    std::set<std::string_view> names, flags, envs;
    for (const SettingRow& row : setting_rows()) {
        CAPTURE(row.name);
        CHECK(names.insert(row.name).second);
        if (!row.flag.empty()) CHECK(flags.insert(long_flag(row)).second);
        if (!row.env.empty()) CHECK(envs.insert(row.env).second);
        if (!row.default_value.empty()) CHECK(check_text(row, row.default_value).ok());
        if (row.type == SettingType::secret) CHECK_FALSE(row.in_profile);  // secrets never sit in config.json
        if (row.type == SettingType::on_off) CHECK(std::holds_alternative<bool Flags::*>(row.flag_field));
        CHECK(help_text(row, row.help).find('{') == std::string::npos);
    }
}

TEST_CASE("setting table: each default is the table's, wherever a struct needs one") {
    // Settings, http::ClientOptions and http::RetryPolicy start from the rows' defaults.
    CHECK(default_duration("timeout") == std::chrono::milliseconds(30000));
    CHECK(default_duration("connect_timeout") == std::chrono::milliseconds(10000));
    CHECK(default_count("retries") == 2);
    Settings settings;
    http::ClientOptions options;
    CHECK(settings.timeout == default_duration("timeout"));
    CHECK(options.timeout == default_duration("timeout"));
    CHECK(options.connect_timeout == settings.connect_timeout);
    CHECK(options.retry.max_retries == settings.retries);
    CHECK_THROWS_AS(default_duration("retries"), std::logic_error);

    testing::TempDir dir;
    auto s = resolve_profile(dir, json::object());
    REQUIRE(s);
    CHECK(s->timeout == default_duration("timeout"));
    CHECK(s->value("timeout").source == Source::default_value);
    CHECK(s->text("output") == "auto");
}

TEST_CASE("setting table: the profile keys and their list come from the rows") {
    CHECK(profile_keys_text() ==
          "token_url, rest_url, graphql_url, output, timeout, connect_timeout, retries, max_reply_mib, cacert, intercom_auth_url, "
          "intercom_client_id, kaleyra_url, fcm_url, fcm_credentials, apns_env, apns_url, apns_key, apns_key_id, "
          "apns_team_id, apns_topic, webex_url, graphql.<Operation>");
    ConfigFile file = *ConfigFile::parse("{}", "config.json");
    auto unknown = file.set("default", "colour", "blue");
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().hint == "keys: " + profile_keys_text());
    CHECK_FALSE(file.set("default", "token", "secret"));  // a secret is not a profile key
    CHECK_FALSE(file.set("default", "profile", "x"));
}

TEST_CASE("profile set refuses what resolve() would refuse (issue: timeout 100000 and inf)") {
    ConfigFile file = *ConfigFile::parse("{}", "config.json");
    for (const char* value : {"100000", "inf", "-inf", "nan", "1e300", "0", "-1", "abc", "", "86401"}) {
        CAPTURE(value);
        auto set = file.set("default", "timeout", value);
        REQUIRE_FALSE(set);
        CHECK(set.error().code == ExitCode::usage);
        CHECK(contains(set.error().message, "timeout must be"));
        CHECK(contains(set.error().message, fmt::format("got '{}'", value)));
    }
    CHECK(file.set("default", "timeout", "inf").error().message == "timeout must be at most 86400 seconds, got 'inf'");
    CHECK(file.set("default", "timeout", "0").error().message == "timeout must be a positive number of seconds, got '0'");
    CHECK_FALSE(file.profile("default").contains("timeout"));  // nothing stored, not even null
    CHECK(file.set("default", "timeout", "86400"));
    CHECK(file.profile("default")["timeout"] == 86400.0);
    CHECK(file.set("default", "retries", "11").error().message == "retries must be a whole number from 0 to 10, got '11'");
}

TEST_CASE("set and resolve share one validator: what set accepts resolves, what it refuses fails to resolve") {
    testing::TempDir dir;
    const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
        {"timeout", {"30", "2.5", "0.0001", "86400", "86400.1", "100000", "0", "-3", "1e300"}},
        {"connect_timeout", {"10", "1e-3", "1e5"}},
        {"retries", {"0", "10", "11", "-1"}},
        {"output", {"table", "JSON", "xml"}},
        {"token_url", {"http://x", "HTTPS://x:1/p", "htp:/x", "ftp://x", "http://"}},
        {"cacert", {"/ca.pem"}},
    };
    for (const auto& [key, values] : cases) {
        for (const auto& value : values) {
            CAPTURE(key);
            CAPTURE(value);
            ConfigFile file = *ConfigFile::parse("{}", dir / "config.json");
            const bool accepted = file.set("default", key, value).has_value();
            // The same value as a hand edit would store it: numbers as numbers.
            json stored = value;
            if (key == "timeout" || key == "connect_timeout" || key == "retries") {
                stored = json::parse(value, nullptr, false);
                if (stored.is_discarded()) stored = value;
            }
            auto resolved = resolve_profile(dir, json{{key, stored}});
            CHECK(resolved.has_value() == accepted);
            if (!resolved) CHECK(resolved.error().code == ExitCode::bad_input);
        }
    }
}

TEST_CASE("a bad profile value names the key, the profile and the config file; skip_invalid falls back") {
    testing::TempDir dir;
    auto bad = resolve_profile(dir, json{{"timeout", 100000}});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == ExitCode::bad_input);
    CHECK(bad.error().message == fmt::format("malformed config: {}: profile 'default': timeout must be at most 86400 "
                                             "seconds, got 100000",
                                             (dir / "config.json").string()));
    CHECK(contains(bad.error().hint, "profile unset timeout"));
    CHECK(contains(bad.error().hint, "profile set timeout SEC"));

    // Wrong JSON types are bad values too; null is "no value".
    CHECK(resolve_profile(dir, json{{"retries", "3"}}).error().code == ExitCode::bad_input);
    CHECK(resolve_profile(dir, json{{"token_url", 5}}).error().code == ExitCode::bad_input);
    CHECK(resolve_profile(dir, json{{"output", "xml"}}).error().message.find("output must be auto, json, ndjson or table") !=
          std::string::npos);
    auto null_timeout = resolve_profile(dir, json{{"timeout", nullptr}});
    REQUIRE(null_timeout);
    CHECK(null_timeout->timeout == default_duration("timeout"));

    // What `profile set/unset` resolve with: the bad value is skipped, the rest applies.
    auto repaired = resolve_profile(dir, json{{"timeout", 100000}, {"retries", 4}, {"graphql", {{"A", 1}}}}, {}, {},
                                    ProfileValues::skip_invalid);
    REQUIRE(repaired);
    CHECK(repaired->timeout == default_duration("timeout"));
    CHECK(repaired->value("timeout").source == Source::default_value);
    CHECK(repaired->retries == 4);
    CHECK(repaired->graphql_documents.empty());

    // A flag beats the bad profile value without looking at it.
    Flags flags;
    flags.timeout = 5;
    auto overridden = resolve_profile(dir, json{{"timeout", 100000}}, flags);
    REQUIRE(overridden);
    CHECK(overridden->timeout == std::chrono::milliseconds(5000));
}

TEST_CASE("errors name the flag or the environment variable that said it") {
    testing::TempDir dir;
    Flags flags;
    flags.timeout = 1e300;
    CHECK(resolve_profile(dir, json::object(), flags).error().message == "--timeout must be at most 86400 seconds");
    flags.timeout = std::nan("");
    CHECK(resolve_profile(dir, json::object(), flags).error().message == "--timeout must be a positive number of seconds");
    flags = {};
    flags.retries = 11;
    CHECK(resolve_profile(dir, json::object(), flags).error().message == "--retries must be from 0 to 10");
    flags = {};
    flags.rest_url = "htp:/x";
    CHECK(resolve_profile(dir, json::object(), flags).error().message == "--rest-url must be an http:// or https:// URL");

    auto env = resolve_profile(dir, json::object(), {}, {{"CALLCTL_OUTPUT", "xml"}});
    REQUIRE_FALSE(env);
    CHECK(env.error().code == ExitCode::usage);
    CHECK(env.error().message == "CALLCTL_OUTPUT must be auto, json, ndjson or table, got 'xml'");
    auto env_url = resolve_profile(dir, json::object(), {}, {{"CALLCTL_GRAPHQL_URL", "ftp://x"}});
    CHECK(env_url.error().message == "CALLCTL_GRAPHQL_URL must be an http:// or https:// URL, got 'ftp://x'");
}

TEST_CASE("settings: the generic accessor gives every row's value and source") {
    testing::TempDir dir;
    Flags flags;
    flags.rest_url = "http://flag-rest";
    flags.verbose = true;
    auto s = resolve_profile(dir, json{{"token_url", "http://profile-token"}, {"timeout", 2.5}}, flags,
                             {{"CALLCTL_GRAPHQL_URL", "http://env/graphql"}, {"NO_COLOR", ""}});
    REQUIRE(s);
    CHECK(s->text("token_url") == "http://profile-token");
    CHECK(s->source("token_url") == Source::profile);
    CHECK(s->value("token_url").origin == fmt::format("profile 'default' in {}", (dir / "config.json").string()));
    CHECK(s->text("rest_url") == "http://flag-rest");
    CHECK(s->value("rest_url").origin == "--rest-url");
    CHECK(s->source("graphql_url") == Source::environment);
    CHECK(s->value("graphql_url").origin == "CALLCTL_GRAPHQL_URL");
    CHECK(s->value("timeout").number == 2.5);
    CHECK(s->text("timeout") == "2.5");
    CHECK(s->text("cacert").empty());
    CHECK(s->source("cacert") == Source::none);
    CHECK(s->verbose);
    CHECK(s->no_color);  // NO_COLOR counts when set at all, even empty
    CHECK(s->source("no_color") == Source::environment);
    CHECK_FALSE(s->quiet);
    CHECK(s->text("profile") == "default");
    CHECK(s->value("profile").origin == "default");
    CHECK(s->text("config") == (dir / "config.json").string());
    CHECK(s->value("config").origin == "--config");
    CHECK_THROWS_AS((void)s->value("fcm_ulr"), std::out_of_range);
}

TEST_CASE("resolve_setting: a new row needs no new code (a text row, a derived default, a secret file)") {
    testing::TempDir dir;
    const json profile = {{"example_url", "http://profile"}};
    Flags flags;
    Settings so_far;
    so_far.graphql_url = "https://gql.example:8443/graphql";
    auto layers = [&](const Environment& env) {
        return Layers{flags, env, profile, "default", "config.json", ProfileValues::must_be_valid, &so_far};
    };
    const Environment no_env = environment_from({});

    const SettingRow url{.name = "example_url", .type = SettingType::url, .flag = "--example-url",
                         .env = "CALLCTL_EXAMPLE_URL", .in_profile = true, .default_value = "https://default"};
    CHECK(resolve_setting(url, layers(no_env))->text == "http://profile");
    const Environment env = environment_from({{"CALLCTL_EXAMPLE_URL", "http://env"}});
    CHECK(resolve_setting(url, layers(env))->source == Source::environment);
    flags.values["example_url"] = "http://flag";  // a row without a typed field of Flags
    CHECK(resolve_setting(url, layers(env))->text == "http://flag");
    flags.values["example_url"] = "nope";
    CHECK(resolve_setting(url, layers(env)).error().message == "--example-url must be an http:// or https:// URL");
    flags.values.clear();

    // The example of setting_table.hpp, as a colleague would add it.
    const SettingRow webex{.name = "webex_url", .type = SettingType::url, .flag = "--webex-url", .env = "CALLCTL_WEBEX_URL",
                           .in_profile = true, .default_value = "https://webexapis.com",
                           .help = "Base URL of the Webex REST API [env: {env}] (default {default})", .label = "Webex URL"};
    CHECK(help_text(webex, webex.help) == "Base URL of the Webex REST API [env: CALLCTL_WEBEX_URL] (default https://webexapis.com)");
    auto webex_url = resolve_setting(webex, layers(no_env));
    CHECK(webex_url->text == "https://webexapis.com");
    CHECK(webex_url->source == Source::default_value);

    SettingRow derived{.name = "auth_url", .type = SettingType::url, .flag = "--auth-url"};
    derived.derived_default = [](const Settings& s) { return s.graphql_url.substr(0, s.graphql_url.find('/', 8)); };
    auto auth = resolve_setting(derived, layers(no_env));
    REQUIRE(auth);
    CHECK(auth->text == "https://gql.example:8443");
    CHECK(auth->source == Source::default_value);

    const SettingRow key{.name = "api_key", .type = SettingType::secret, .flag = "--api-key-file",
                         .env = "CALLCTL_API_KEY"};
    CHECK(resolve_setting(key, layers(no_env))->source == Source::none);
    auto from_env = resolve_setting(key, layers(environment_from({{"CALLCTL_API_KEY", "k-env"}})));
    CHECK(from_env->text == "k-env");
    CHECK(from_env->origin == "CALLCTL_API_KEY");
    write_text(dir / "key.txt", "k-file\n");
    flags.values["api_key"] = (dir / "key.txt").string();
    auto from_file = resolve_setting(key, layers(no_env));
    CHECK(from_file->text == "k-file");
    CHECK(from_file->origin == "--api-key-file " + (dir / "key.txt").string());
    write_text(dir / "empty.txt", "");
    flags.values["api_key"] = (dir / "empty.txt").string();
    auto empty = resolve_setting(key, layers(no_env));
    REQUIRE_FALSE(empty);
    CHECK(empty.error().message == "api key file " + (dir / "empty.txt").string() + " is empty");
    CHECK(empty.error().hint == "write the api key into it, or pass it in CALLCTL_API_KEY");
}

TEST_CASE("durations: one check for every duration, NaN, infinities and 1e300 refused") {
    const DurationRule positive{};
    const DurationRule zero_ok{.zero_allowed = true};
    for (const char* bad : {"nan", "inf", "-inf", "1e300", "1e999", "-1", "abc", "", "5s", "86400.5"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_duration(bad, positive, "--timeout"));
        CHECK_FALSE(parse_duration(bad, zero_ok, "--interval"));
    }
    CHECK(parse_duration("0", positive, "--timeout").error().message == "--timeout must be a positive number of seconds");
    CHECK(*parse_duration("0", zero_ok, "--interval") == std::chrono::milliseconds(0));
    CHECK(parse_duration("-1", zero_ok, "--interval").error().message ==
          "--interval must be 0 or a positive number of seconds");
    CHECK(parse_duration("1e300", zero_ok, "--wait-timeout").error().message ==
          "--wait-timeout must be at most 86400 seconds");
    CHECK(to_duration(std::nan(""), zero_ok, "--interval").error().code == ExitCode::usage);
    CHECK(to_duration(HUGE_VAL, zero_ok, "--interval").error().code == ExitCode::usage);
    CHECK(*parse_duration("2.5", positive, "x") == std::chrono::milliseconds(2500));
    CHECK(*parse_duration("86400", positive, "x") == std::chrono::milliseconds(86400000));
    // Under 1 ms is refused: it would round to 0 ms, which libcurl reads as
    // "no limit" (issue 19, class 4).
    for (const char* tiny : {"0.0004", "0.0001", "0.0009999", "1e-300", "5e-324"}) {
        CAPTURE(tiny);
        CHECK(parse_duration(tiny, positive, "--timeout").error().message ==
              "--timeout must be at least 0.001 seconds (1 ms)");
        CHECK(parse_duration(tiny, zero_ok, "--interval").error().message ==
              "--interval must be 0 or at least 0.001 seconds (1 ms)");
    }
    CHECK(*parse_duration("0.001", positive, "x") == std::chrono::milliseconds(1));
    CHECK(*parse_duration("1e-3", zero_ok, "x") == std::chrono::milliseconds(1));
    CHECK(*parse_duration("0.0015", positive, "x") == std::chrono::milliseconds(2));
}
