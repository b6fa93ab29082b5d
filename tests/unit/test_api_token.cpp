#include <doctest/doctest.h>

#include "callctl/api/token.hpp"
#include "callctl/crypto/jwt.hpp"
#include "callctl/util/fs.hpp"
#include "testutil.hpp"

#include <sys/stat.h>

using namespace callctl;
using namespace callctl::api;
using nlohmann::json;

TEST_CASE("parse_scope: dashed, wire and mixed spellings") {
    for (const char* text : {"mobile-number", "MOBILE_NUMBER", "Mobile_Number", " mobile-number "}) {
        CAPTURE(text);
        CHECK(parse_scope(text).value() == Scope::mobile_number);
    }
    CHECK(parse_scope("VIRTUAL-NUMBER").value() == Scope::virtual_number);
    CHECK(parse_scope("account_id").value() == Scope::account_id);
    for (const char* text : {"e911", "E911", " e911"}) {
        CAPTURE(text);
        CHECK(parse_scope(text).value() == Scope::e911);
    }
    auto bad = parse_scope("emergency");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == ExitCode::usage);
    CHECK(bad.error().hint.find("mobile-number, virtual-number, account-id or e911") != std::string::npos);
    CHECK(to_wire(Scope::account_id) == "ACCOUNT_ID");
    CHECK(to_wire(Scope::e911) == "E911");
    CHECK(to_display(Scope::virtual_number) == "virtual-number");
    CHECK(to_display(Scope::e911) == "e911");
    for (const auto name : scope_names) CHECK(to_display(parse_scope(name).value()) == name);
}

TEST_CASE("create_token_request: bodies per scope") {
    auto mobile = create_token_request("http://t", {Scope::mobile_number, "code-1"});
    REQUIRE(mobile.has_value());
    CHECK(mobile->method == http::Method::post);
    CHECK(mobile->url == "http://t/tokens");
    CHECK(mobile->replay == http::Replay::unsafe);
    CHECK(json::parse(mobile->body) == json{{"app_scope", "MOBILE_NUMBER"}, {"auth_code", "code-1"}});
    REQUIRE(mobile->secrets.size() == 1);
    CHECK(mobile->secrets[0].env_name == "CALLCTL_AUTH_CODE");

    auto virtual_number = create_token_request("http://t/", {Scope::virtual_number, std::nullopt});
    REQUIRE(virtual_number.has_value());
    CHECK(virtual_number->url == "http://t/tokens");
    CHECK(json::parse(virtual_number->body) == json{{"app_scope", "VIRTUAL_NUMBER"}});
    CHECK(virtual_number->secrets.empty());

    auto account = create_token_request("http://t", {Scope::account_id, std::string()});
    REQUIRE(account.has_value());
    CHECK(json::parse(account->body) == json{{"app_scope", "ACCOUNT_ID"}});

    // e911: client credentials only, like virtual-number and account-id
    auto e911 = create_token_request("http://t", {Scope::e911, std::nullopt});
    REQUIRE(e911.has_value());
    CHECK(e911->body == R"({"app_scope":"E911"})");
    CHECK(e911->secrets.empty());
    CHECK(create_token_request("http://t", {Scope::e911, "code"}).error().code == ExitCode::usage);
}

TEST_CASE("create_token_request: code missing for mobile-number, or given for the others") {
    auto missing = create_token_request("http://t", {Scope::mobile_number, std::nullopt});
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().code == ExitCode::usage);
    CHECK(missing.error().hint.find("code") != std::string::npos);
    CHECK(create_token_request("http://t", {Scope::mobile_number, ""}).error().code == ExitCode::usage);
    CHECK(create_token_request("http://t", {Scope::virtual_number, "x"}).error().code == ExitCode::usage);
}

TEST_CASE("refresh, revoke and config requests") {
    auto refresh = refresh_token_request("http://t", "rt_1");
    CHECK(refresh.method == http::Method::post);
    CHECK(json::parse(refresh.body) == json{{"refresh_token", "rt_1"}});
    REQUIRE(refresh.secrets.size() == 1);
    CHECK(refresh.secrets[0].env_name == "CALLCTL_REFRESH_TOKEN");

    auto revoke = revoke_token_request("http://t", "at_1");
    CHECK(revoke.method == http::Method::del);
    CHECK(revoke.url == "http://t/tokens");
    CHECK(json::parse(revoke.body) == json{{"token", "at_1"}});
    CHECK(revoke.secrets[0].env_name == "CALLCTL_TOKEN");

    auto config = app_config_request("http://t/base");
    CHECK(config.method == http::Method::get);
    CHECK(config.url == "http://t/base/config");
    CHECK(config.body.empty());
}

TEST_CASE("redaction of token values") {
    CHECK(redacted_secret("short") == "***");
    CHECK(redacted_secret("eyJhbGciOiJIUzI1NiJ9.payload.sig") == "eyJhbG\u2026(redacted)");
    const json shown = redact_token_response(
        json{{"access_token", "eyJhbGciOiJIUzI1NiJ9.payload.sig"}, {"refresh_token", "rt_0123456789abcdef0123"}, {"expires_in", 5}});
    CHECK(shown["access_token"] == "eyJhbG\u2026(redacted)");
    CHECK(shown["refresh_token"] == "rt_012\u2026(redacted)");
    CHECK(shown["expires_in"] == 5);
    CHECK(shown.dump().find("payload") == std::string::npos);
}

TEST_CASE("describe_token: a stored JWT, not verified, never printed unless revealed") {
    const std::string jwt = crypto::sign_jwt_hs256(json{{"sub", "+12015550001"}, {"exp", 2000}}, "secret");
    config::StoredToken stored;
    stored.access_token = jwt;
    stored.refresh_token = "rt_secret_value_0123456789";
    stored.scope = "VIRTUAL_NUMBER";
    stored.expires_at = 1600;
    stored.obtained_at = 1000;
    const TokenOrigin origin{jwt, "store", "/x/credentials.json [default]"};

    const json shown = describe_token(origin, stored, 1000, false);
    CHECK(shown["source"] == "store");
    CHECK(shown["scope"] == "VIRTUAL_NUMBER");
    CHECK(shown["expires_in"] == 600);
    CHECK(shown["expired"] == false);
    CHECK(shown["expires_at"] == "1970-01-01T00:26:40Z");
    CHECK(shown["jwt"]["verified"] == false);
    CHECK(shown["jwt"]["claims"]["sub"] == "+12015550001");
    CHECK(shown["jwt"]["header"]["alg"] == "HS256");
    CHECK(shown["refresh_token"] == "stored");
    CHECK(shown.dump().find(jwt) == std::string::npos);
    CHECK(shown.dump().find("rt_secret") == std::string::npos);

    const json revealed = describe_token(origin, stored, 1000, true);
    CHECK(revealed["token"] == jwt);
    CHECK(revealed["refresh_token"] == "rt_secret_value_0123456789");
}

TEST_CASE("describe_token: an explicit JWT takes its expiry from the exp claim; opaque tokens have none") {
    const std::string jwt = crypto::sign_jwt_hs256(json{{"exp", 900}}, "secret");
    const json shown = describe_token({jwt, "environment", "CALLCTL_TOKEN"}, std::nullopt, 1000, false);
    CHECK(shown["expired"] == true);
    CHECK(shown["expires_in"] == -100);
    CHECK(shown["expiry_source"] == "jwt exp claim (not verified)");

    const json opaque = describe_token({"opaque-token-value-123456", "flag", "--token"}, std::nullopt, 1000, false);
    CHECK(opaque["jwt"].is_null());
    CHECK(opaque["expires_at"].is_null());
    CHECK(opaque["token"] == "opaque\u2026(redacted)");
}

TEST_CASE("origin_of: flag, file and environment") {
    config::Settings settings;
    settings.token = "t";
    settings.token_source = config::Source::flag;
    settings.token_origin = "--token-file /tmp/t";
    CHECK(origin_of(settings).source == "file");
    settings.token_origin = "--token";
    CHECK(origin_of(settings).source == "flag");
    settings.token_source = config::Source::environment;
    settings.token_origin = "CALLCTL_TOKEN";
    CHECK(origin_of(settings).source == "environment");
}

TEST_CASE("time formatting") {
    CHECK(format_unix_time(0) == "1970-01-01T00:00:00Z");
    CHECK(format_time_left(172800) == "2d 0h 0m");
    CHECK(format_time_left(3725) == "1h 2m");
    CHECK(format_time_left(65) == "1m 5s");
    CHECK(format_time_left(-30) == "expired 30s ago");
}

TEST_CASE("token_from_response: absolute expiry, scope and endpoint kept") {
    auto token = token_from_response(json{{"access_token", "a"}, {"refresh_token", "r"}, {"expires_in", 172800}}, 1000,
                                     "MOBILE_NUMBER", "http://t");
    REQUIRE(token.has_value());
    CHECK(token->expires_at == 173800);
    CHECK(token->scope == "MOBILE_NUMBER");
    CHECK(token->token_url == "http://t");
    CHECK(token_from_response(json{{"token_type", "bearer"}}, 0, std::nullopt, "").error().code == ExitCode::http_server);
}

TEST_CASE("credentials are written atomically, mode 0600, replacing the old file") {
    testing::TempDir dir;
    const auto path = dir / "sub" / "credentials.json";
    REQUIRE(util::write_file_atomic(path, "old").has_value());
    REQUIRE(util::write_file_atomic(path, "new").has_value());
    CHECK(util::read_file(path.string()).value() == "new");
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
    std::size_t entries = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(path.parent_path())) ++entries;
    CHECK(entries == 1);  // no temp file left behind
}

TEST_CASE("the credential store keeps scope and expiry per profile") {
    testing::TempDir dir;
    auto store = config::CredentialStore::load(dir / "credentials.json");
    REQUIRE(store.has_value());
    config::StoredToken token;
    token.access_token = "a";
    token.refresh_token = "r";
    token.scope = "ACCOUNT_ID";
    token.expires_at = 42;
    store->put("work", token);
    REQUIRE(store->save().has_value());
    auto loaded = config::CredentialStore::load(dir / "credentials.json");
    REQUIRE(loaded.has_value());
    auto back = loaded->get("work");
    REQUIRE(back.has_value());
    CHECK(back->scope == "ACCOUNT_ID");
    CHECK(back->expires_at == 42);
    CHECK_FALSE(loaded->get("default").has_value());
}

TEST_CASE("the DHS servers' three error shapes reach the one error line") {
    // Node's sample server, restify's, and the PHP one (plain text).
    const std::vector<std::pair<std::string, std::string>> shapes = {
        {R"({"error":"Missing App Scope"})", "Missing App Scope"},
        {R"({"code":"BadRequestError","message":"app_scope is required"})", "app_scope is required"},
        {"PHP DHS Token Request Error: Missing App Scope.", "PHP DHS Token Request Error: Missing App Scope."},
    };
    for (const auto& [body, said] : shapes) {
        CAPTURE(body);
        http::Response response;
        response.status = 400;
        response.body = body;
        const Error error = status_error(response, "create an e911 token");
        CHECK(error.code == ExitCode::http_client);
        CHECK(error.message == "create an e911 token: HTTP 400: " + said);
    }
}
