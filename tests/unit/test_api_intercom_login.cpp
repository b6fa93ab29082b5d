#include <doctest/doctest.h>

#include "callctl/api/credential_list.hpp"
#include "callctl/api/intercom_login.hpp"
#include "callctl/api/kaleyra.hpp"
#include "callctl/http/http.hpp"

#include <fmt/format.h>

using namespace callctl;
using namespace callctl::api;
using nlohmann::json;

namespace {

std::string header(const http::Request& request, std::string_view name) {
    for (const auto& h : request.headers) {
        if (h.name == name) return h.value;
    }
    return "<none>";
}

}  // namespace

TEST_CASE("default_intercom_auth_url: scheme, host and port of graphql_url") {
    CHECK(default_intercom_auth_url("https://api.example.com/graphql") == "https://api.example.com");
    CHECK(default_intercom_auth_url("http://127.0.0.1:40123/graphql?x=1") == "http://127.0.0.1:40123");
    CHECK(default_intercom_auth_url("HTTPS://Api.Example.com:8443") == "https://Api.Example.com:8443");
    CHECK(default_intercom_auth_url("https://user:secret@api.example.com/v1/graphql") == "https://api.example.com");
    CHECK(default_intercom_auth_url("http://[::1]:8080/graphql") == "http://[::1]:8080");
    CHECK(default_intercom_auth_url("").empty());
    CHECK(default_intercom_auth_url("ftp://example.com/graphql").empty());
    CHECK(default_intercom_auth_url("https:///graphql").empty());
    CHECK(default_intercom_auth_url("api.example.com/graphql").empty());
}

TEST_CASE("intercom_login_request: the vendor's body, in its order, and Accept: application/json") {
    const auto request = intercom_login_request("http://a:1/", {"cid", "resident@example.com", "p\"w d"});
    CHECK(request.method == http::Method::post);
    CHECK(request.url == "http://a:1/oauth/token?type=login");
    CHECK(request.body ==
          R"({"client_id":"cid","grant_type":"password","username":"resident@example.com","password":"p\"w d","scope":"me"})");
    CHECK(header(request, "Accept") == "application/json");
    CHECK(header(request, "Content-Type") == "application/json");
    CHECK(request.replay == http::Replay::unsafe);
    // The password as given, and as the body spells it.
    REQUIRE(request.secrets.size() == 2);
    CHECK(request.secrets[0].value == "p\"w d");
    CHECK(request.secrets[1].value == "p\\\"w d");
    CHECK(request.secrets[1].env_name == "CALLCTL_INTERCOM_PASSWORD");
    // Neither -v nor --dry-run shows the password.
    CHECK(http::redact_body(request.body, request.secrets).find("p\\\"w d") == std::string::npos);
    CHECK(http::to_curl_command(request).find("w d") == std::string::npos);
    // Escaped in the JSON body, it cannot come back from the variable (sh would
    // put the raw '"' there): --dry-run masks it. A plain one is replayable.
    CHECK(http::to_curl_command(request).find("***") != std::string::npos);
    const auto plain = intercom_login_request("http://a:1/", {"cid", "resident@example.com", "pw d"});
    CHECK(http::to_curl_command(plain).find("$CALLCTL_INTERCOM_PASSWORD") != std::string::npos);
    CHECK(http::to_curl_command(plain).find("pw d") == std::string::npos);
}

TEST_CASE("intercom_exchange_request") {
    const auto request = intercom_exchange_request("https://a", "cid", "rt-1");
    CHECK(request.url == "https://a/oauth/token?type=exchange");
    CHECK(request.body == R"({"client_id":"cid","grant_type":"refresh_token","refresh_token":"rt-1"})");
    CHECK(header(request, "Accept") == "application/json");
    CHECK(request.replay == http::Replay::unsafe);
    REQUIRE(request.secrets.size() == 1);
    CHECK(request.secrets[0].env_name == "CALLCTL_INTERCOM_REFRESH_TOKEN");
}

TEST_CASE("intercom_token_from_answer: created_at + expires_in") {
    const json answer = {{"access_token", "at"}, {"created_at", 1000}, {"expires_in", 7200}, {"refresh_token", "rt"},
                         {"scope", "me"},        {"token_type", "Bearer"}};
    auto token = intercom_token_from_answer(answer, 1010, "https://a", "cid", "u");
    REQUIRE(token.has_value());
    CHECK(token->access_token == "at");
    CHECK(token->refresh_token == "rt");
    CHECK(token->expires_at == 8200);
    CHECK(token->obtained_at == 1010);
    CHECK(token->scope == "me");
    CHECK(token->token_type == "Bearer");
    CHECK(token->token_url == "https://a");
    CHECK(token->client_id == "cid");
    CHECK(token->username == "u");

    // A created_at from the future (a fast server clock) is taken as now.
    CHECK(intercom_token_from_answer(json{{"access_token", "at"}, {"created_at", 5000}, {"expires_in", 60}}, 1000, "a", "c", "")
              ->expires_at == 1060);
    // No created_at: now. No expires_in, or nonsense: unknown.
    CHECK(intercom_token_from_answer(json{{"access_token", "at"}, {"expires_in", 60}}, 1000, "a", "c", "")->expires_at == 1060);
    CHECK_FALSE(intercom_token_from_answer(json{{"access_token", "at"}}, 1000, "a", "c", "")->expires_at);
    CHECK_FALSE(intercom_token_from_answer(json{{"access_token", "at"}, {"expires_in", 1e300}}, 1000, "a", "c", "")->expires_at);
    CHECK_FALSE(intercom_token_from_answer(json{{"access_token", "at"}, {"expires_in", "60"}}, 1000, "a", "c", "")->expires_at);

    for (const json& bad : {json::array(), json{{"access_token", ""}}, json{{"access_token", 5}}, json::object()}) {
        auto refused = intercom_token_from_answer(bad, 1000, "a", "c", "");
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == ExitCode::http_server);
    }
}

TEST_CASE("intercom_needs_renewal: under 24 h left") {
    config::StoredToken token;
    token.access_token = "at";
    CHECK_FALSE(intercom_needs_renewal(token, 1000));  // unknown expiry
    token.expires_at = 1000 + 86400;
    CHECK_FALSE(intercom_needs_renewal(token, 1000));
    CHECK(intercom_needs_renewal(token, 1001));
    token.expires_at = 10;
    CHECK(intercom_needs_renewal(token, 1000));  // expired
}

TEST_CASE("kaleyra_credentials_request: apikey header, body, bounds") {
    auto request = kaleyra_credentials_request("https://api.sandbox.eu.bandyer.com/", "ak_1", {"usr_123", 600});
    REQUIRE(request.has_value());
    CHECK(request->url == "https://api.sandbox.eu.bandyer.com/v2/sdk/credentials");
    CHECK(request->body == R"({"user_id":"usr_123","expires_in":600})");
    CHECK(header(*request, "apikey") == "ak_1");
    CHECK(header(*request, "Accept") == "application/json");
    CHECK(request->replay == http::Replay::unsafe);
    CHECK(http::redact_header_value("apikey", "ak_1").find("ak_1") == std::string::npos);
    CHECK(http::to_curl_command(*request).find("ak_1") == std::string::npos);
    CHECK(http::to_curl_command(*request).find("$CALLCTL_KALEYRA_API_KEY") != std::string::npos);

    CHECK(kaleyra_credentials_request("http://k", "k", {"u", 360}).has_value());
    CHECK(kaleyra_credentials_request("http://k", "k", {"u", 86400}).has_value());
    for (std::int64_t seconds : {359LL, 86401LL, 0LL, -1LL}) {
        CAPTURE(seconds);
        auto refused = kaleyra_credentials_request("http://k", "k", {"u", seconds});
        REQUIRE_FALSE(refused.has_value());
        CHECK(refused.error().code == ExitCode::usage);
        CHECK(refused.error().message == fmt::format("--expires-in must be from 360 to 86400 seconds, got {}", seconds));
    }
    CHECK(kaleyra_credentials_request("http://k", "k", {" ", 600}).error().code == ExitCode::usage);
}

TEST_CASE("describe_credential: every slot alike, redacted unless revealed") {
    config::StoredToken login;
    login.access_token = std::string(64, 'a');
    login.refresh_token = std::string(64, 'r');
    login.token_type = "Bearer";
    login.scope = "me";
    login.expires_at = 2000;
    login.obtained_at = 1000;
    login.token_url = "https://auth";
    login.client_id = "cid";
    login.username = "resident@example.com";
    const json shown = describe_credential(config::CredentialSlot::intercom(), login, 1500, false);
    CHECK(shown["slot"] == "intercom");
    CHECK(shown["access_token"] == "aaaaaa\u2026(redacted)");
    CHECK(shown["refresh_token"] == "stored");
    CHECK(shown["expires_at"] == "1970-01-01T00:33:20Z");
    CHECK(shown["expires_in"] == 500);
    CHECK(shown["expired"] == false);
    CHECK(shown["issued_by"] == "https://auth");
    CHECK(shown["username"] == "resident@example.com");
    CHECK(shown.dump().find(std::string(64, 'r')) == std::string::npos);
    const json revealed = describe_credential(config::CredentialSlot::intercom(), login, 2500, true);
    CHECK(revealed["access_token"] == login.access_token);
    CHECK(revealed["refresh_token"] == *login.refresh_token);
    CHECK(revealed["expired"] == true);

    config::StoredToken bare;
    bare.access_token = "short";
    const json unknown = describe_credential(config::CredentialSlot::token(), bare, 1500, false);
    CHECK(unknown["access_token"] == "***");
    CHECK(unknown["expires_at"].is_null());
    CHECK(unknown["refresh_token"].is_null());
    CHECK_FALSE(unknown.contains("username"));
    CHECK(describe_credentials({{config::CredentialSlot::token(), bare}, {config::CredentialSlot::intercom(), login}}, 0, false)
              .size() == 2);
}
