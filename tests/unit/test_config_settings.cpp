#include <doctest/doctest.h>

#include <sys/stat.h>

#include <fstream>

#include "callctl/config/config_file.hpp"
#include "callctl/config/credentials.hpp"
#include "callctl/config/settings.hpp"
#include "testutil.hpp"

using namespace callctl;
using namespace callctl::config;

namespace {

void write_text(const std::filesystem::path& path, const std::string& text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

unsigned file_mode(const std::filesystem::path& path) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 0777U;
}

const char* kConfig = R"({
  "current_profile": "staging",
  "profiles": {
    "staging": {"token_url": "http://profile-token", "rest_url": "http://profile-rest",
                "graphql_url": "http://profile-gql/graphql", "output": "table", "timeout": 12,
                "retries": 4, "graphql": {"AnswerIncomingCall": "mutation A { a }"}},
    "prod": {"token_url": "https://prod-token"}
  }
})";

}  // namespace

TEST_CASE("settings: flag beats environment beats profile beats default") {
    testing::TempDir dir;
    write_text(dir / "config.json", kConfig);
    Flags flags;
    flags.config = (dir / "config.json").string();

    SUBCASE("profile values apply when nothing else is given") {
        auto s = resolve(flags, environment_from({}));
        REQUIRE(s);
        CHECK(s->profile == "staging");
        CHECK(s->profile_source == Source::profile);
        CHECK(s->token_url == "http://profile-token");
        CHECK(s->url_sources["token_url"] == Source::profile);
        CHECK(s->output == OutputFormat::table);
        CHECK(s->timeout == std::chrono::milliseconds(12000));
        CHECK(s->connect_timeout == std::chrono::milliseconds(10000));  // default
        CHECK(s->retries == 4);
        CHECK(s->graphql_documents.at("AnswerIncomingCall") == "mutation A { a }");
        CHECK(s->credentials_path == dir / "credentials.json");
    }
    SUBCASE("environment beats profile") {
        auto s = resolve(flags, environment_from({{"CALLCTL_TOKEN_URL", "http://env-token"}, {"CALLCTL_OUTPUT", "ndjson"}}));
        REQUIRE(s);
        CHECK(s->token_url == "http://env-token");
        CHECK(s->url_sources["token_url"] == Source::environment);
        CHECK(s->rest_url == "http://profile-rest");
        CHECK(s->output == OutputFormat::ndjson);
    }
    SUBCASE("flag beats environment") {
        flags.token_url = "http://flag-token";
        flags.output = "json";
        flags.retries = 0;
        auto s = resolve(flags, environment_from({{"CALLCTL_TOKEN_URL", "http://env-token"}, {"CALLCTL_OUTPUT", "ndjson"}}));
        REQUIRE(s);
        CHECK(s->token_url == "http://flag-token");
        CHECK(s->url_sources["token_url"] == Source::flag);
        CHECK(s->output == OutputFormat::json);
        CHECK(s->retries == 0);
    }
    SUBCASE("profile choice: flag > CALLCTL_PROFILE > current_profile") {
        auto from_env = resolve(flags, environment_from({{"CALLCTL_PROFILE", "prod"}}));
        REQUIRE(from_env);
        CHECK(from_env->profile == "prod");
        CHECK(from_env->token_url == "https://prod-token");
        CHECK(from_env->rest_url.empty());
        flags.profile = "staging";
        auto from_flag = resolve(flags, environment_from({{"CALLCTL_PROFILE", "prod"}}));
        REQUIRE(from_flag);
        CHECK(from_flag->profile == "staging");
        CHECK(from_flag->profile_source == Source::flag);
    }
    SUBCASE("a named profile that does not exist is flagged") {
        flags.profile = "nope";
        auto s = resolve(flags, environment_from({}));
        REQUIRE(s);
        CHECK(s->profile_missing);
    }
    SUBCASE("an empty environment variable counts as unset") {
        auto s = resolve(flags, environment_from({{"CALLCTL_TOKEN_URL", ""}, {"CALLCTL_TOKEN", ""}}));
        REQUIRE(s);
        CHECK(s->token_url == "http://profile-token");
        CHECK_FALSE(s->token.has_value());
    }
}

TEST_CASE("settings: config path from flag, CALLCTL_CONFIG, XDG_CONFIG_HOME, HOME") {
    Flags flags;
    CHECK(config_path(flags, environment_from({{"HOME", "/home/u"}})) == "/home/u/.config/callctl/config.json");
    CHECK(config_path(flags, environment_from({{"HOME", "/home/u"}, {"XDG_CONFIG_HOME", "/xdg"}})) ==
          "/xdg/callctl/config.json");
    CHECK(config_path(flags, environment_from({{"XDG_CONFIG_HOME", "/xdg"}, {"CALLCTL_CONFIG", "/etc/c.json"}})) ==
          "/etc/c.json");
    flags.config = "/flag.json";
    CHECK(config_path(flags, environment_from({{"CALLCTL_CONFIG", "/etc/c.json"}})) == "/flag.json");
}

TEST_CASE("settings: a relative XDG_CONFIG_HOME is ignored, and no HOME is no config directory") {
    Flags flags;
    CHECK(config_path(flags, environment_from({{"HOME", "/home/u"}, {"XDG_CONFIG_HOME", "rel"}})) ==
          "/home/u/.config/callctl/config.json");
    CHECK(config_path(flags, environment_from({{"HOME", "/home/u"}, {"XDG_CONFIG_HOME", ""}})) ==
          "/home/u/.config/callctl/config.json");
    CHECK(config_path(flags, environment_from({})).empty());
    CHECK(config_path(flags, environment_from({{"HOME", ""}})).empty());
    CHECK(config_path(flags, environment_from({{"HOME", "."}, {"XDG_CONFIG_HOME", "x"}})).empty());
    auto settings = resolve(flags, environment_from({}));
    REQUIRE(settings);
    CHECK(settings->config_path.empty());
    CHECK(settings->credentials_path.empty());
    // Nothing is written anywhere: both stores refuse, exit 3.
    auto config = ConfigFile::update({}, [](ConfigFile&) -> Result<bool> { return true; });
    REQUIRE_FALSE(config);
    CHECK(config.error().code == ExitCode::bad_input);
    auto credentials = CredentialStore::update({}, [](CredentialStore&) -> Result<bool> { return true; });
    REQUIRE_FALSE(credentials);
    CHECK(credentials.error().message == no_config_dir_error().message);
}

TEST_CASE("settings: token from flag, file, environment") {
    testing::TempDir dir;
    Flags flags;
    flags.config = (dir / "none.json").string();
    auto env = environment_from({{"CALLCTL_TOKEN", "env-token"}});

    auto from_env = resolve(flags, env);
    REQUIRE(from_env);
    CHECK(*from_env->token == "env-token");
    CHECK(from_env->token_source == Source::environment);

    write_text(dir / "token.txt", "file-token\n");
    flags.token_file = (dir / "token.txt").string();
    auto from_file = resolve(flags, env);
    REQUIRE(from_file);
    CHECK(*from_file->token == "file-token");  // trailing newline dropped
    CHECK(from_file->token_source == Source::flag);

    flags.token = "flag-token";
    auto both = resolve(flags, env);
    REQUIRE_FALSE(both);
    CHECK(both.error().code == ExitCode::usage);

    flags.token_file.reset();
    flags.token = "flag-token";
    auto from_flag = resolve(flags, env);
    REQUIRE(from_flag);
    CHECK(*from_flag->token == "flag-token");
}

TEST_CASE("settings: invalid values are usage errors") {
    testing::TempDir dir;
    Flags flags;
    flags.config = (dir / "none.json").string();
    flags.output = "xml";
    CHECK(resolve(flags, environment_from({})).error().code == ExitCode::usage);
    flags.output.reset();
    flags.timeout = -1;
    CHECK(resolve(flags, environment_from({})).error().code == ExitCode::usage);
    flags.timeout.reset();
    flags.retries = 99;
    CHECK(resolve(flags, environment_from({})).error().code == ExitCode::usage);
}

TEST_CASE("config file: malformed JSON names file, line and column") {
    testing::TempDir dir;
    write_text(dir / "config.json", "{\n  \"profiles\": {\n    \"a\": {\"token_url\": \"x\",,}\n  }\n}\n");
    auto file = ConfigFile::load(dir / "config.json");
    REQUIRE_FALSE(file);
    CHECK(file.error().code == ExitCode::bad_input);
    CHECK(file.error().message.find((dir / "config.json").string() + ":3:") != std::string::npos);

    write_text(dir / "config.json", R"({"profiles": {"a": 3}})");
    auto wrong_shape = ConfigFile::load(dir / "config.json");
    REQUIRE_FALSE(wrong_shape);
    CHECK(wrong_shape.error().message.find("profile \"a\" must be an object") != std::string::npos);
}

TEST_CASE("config file: set validates and saves atomically") {
    testing::TempDir dir;
    auto file = ConfigFile::load(dir / "sub" / "config.json");
    REQUIRE(file);
    CHECK_FALSE(file->exists());
    CHECK(file->set("default", "token_url", "http://127.0.0.1:8080"));
    CHECK(file->set("default", "timeout", "2.5"));
    CHECK(file->set("default", "output", "TABLE"));
    CHECK(file->set("default", "graphql.AnswerIncomingCall", "mutation X { x }"));
    CHECK(file->set("default", "token_url", "ftp://nope").error().code == ExitCode::usage);
    CHECK(file->set("default", "retries", "many").error().code == ExitCode::usage);
    CHECK(file->set("default", "colour", "blue").error().code == ExitCode::usage);
    REQUIRE(file->save());

    auto again = ConfigFile::load(dir / "sub" / "config.json");
    REQUIRE(again);
    const auto profile = again->profile("default");
    CHECK(profile["token_url"] == "http://127.0.0.1:8080");
    CHECK(profile["timeout"] == 2.5);
    CHECK(profile["output"] == "table");
    CHECK(profile["graphql"]["AnswerIncomingCall"] == "mutation X { x }");
    CHECK(again->unset("default", "timeout"));
    CHECK_FALSE(again->unset("default", "timeout"));
}

TEST_CASE("credentials: per profile, mode 0600, round trip") {
    testing::TempDir dir;
    const auto path = dir / "credentials.json";
    ::umask(022);  // the usual umask would make a plain file world-readable
    auto store = CredentialStore::load(path);
    REQUIRE(store);
    StoredToken token;
    token.access_token = "access-1";
    token.refresh_token = "refresh-1";
    token.scope = "VIRTUAL_NUMBER";
    token.expires_at = 2000000000;
    store->put("default", token);
    token.access_token = "access-2";
    store->put("qa", token);
    REQUIRE(store->save());
    CHECK(file_mode(path) == 0600);

    auto loaded = CredentialStore::load(path);
    REQUIRE(loaded);
    REQUIRE(loaded->get("default"));
    CHECK(loaded->get("default")->access_token == "access-1");
    CHECK(*loaded->get("default")->refresh_token == "refresh-1");
    CHECK(*loaded->get("default")->expires_at == 2000000000);
    CHECK(loaded->get("qa")->access_token == "access-2");
    CHECK_FALSE(loaded->get("other"));

    CHECK(loaded->erase("qa"));
    REQUIRE(loaded->save());
    CHECK(file_mode(path) == 0600);
    CHECK(read_text(path).find("access-2") == std::string::npos);
    // No temporary files are left beside it.
    int entries = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) ++entries;
    CHECK(entries == 1);
}

TEST_CASE("credentials: expiry with leeway") {
    StoredToken token;
    CHECK_FALSE(token.expired(1000));  // unknown expiry: assume valid
    token.expires_at = 1000;
    CHECK(token.expired(1000));
    CHECK(token.expired(980));  // within the 30 s leeway
    CHECK_FALSE(token.expired(900));
}

TEST_CASE("credentials: malformed file is reported, not overwritten") {
    testing::TempDir dir;
    write_text(dir / "credentials.json", "{not json");
    auto store = CredentialStore::load(dir / "credentials.json");
    REQUIRE_FALSE(store);
    CHECK(store.error().code == ExitCode::bad_input);
    CHECK(read_text(dir / "credentials.json") == "{not json");
}
