#include "callctl/api/token.hpp"

#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "callctl/crypto/jwt.hpp"
#include "callctl/util/strings.hpp"
#include "callctl/util/time.hpp"

namespace callctl::api {

using nlohmann::json;

namespace {

constexpr std::string_view scope_values = "mobile-number, virtual-number, account-id or e911";

Result<json> send_for_json(Session& session, const http::Request& request, std::string_view what) {
    auto response = session.send(request, what);
    if (!response) return response.error();
    return json_body(*response, what);
}

Result<std::string> token_base(const Session& session) { return endpoint_url(session.settings(), Endpoint::token); }

}  // namespace

Result<Scope> parse_scope(std::string_view text) {
    const std::string normal = util::normalize_enum(text);
    if (normal == "mobile-number") return Scope::mobile_number;
    if (normal == "virtual-number") return Scope::virtual_number;
    if (normal == "account-id") return Scope::account_id;
    if (normal == "e911") return Scope::e911;
    return make_error(ExitCode::usage, fmt::format("unknown scope '{}'", text), fmt::format("use {}", scope_values));
}

std::string_view to_wire(Scope scope) {
    switch (scope) {
    case Scope::mobile_number: return "MOBILE_NUMBER";
    case Scope::virtual_number: return "VIRTUAL_NUMBER";
    case Scope::account_id: return "ACCOUNT_ID";
    case Scope::e911: return "E911";
    }
    return "VIRTUAL_NUMBER";
}

std::string_view to_display(Scope scope) {
    switch (scope) {
    case Scope::mobile_number: return "mobile-number";
    case Scope::virtual_number: return "virtual-number";
    case Scope::account_id: return "account-id";
    case Scope::e911: return "e911";
    }
    return "virtual-number";
}

Result<http::Request> create_token_request(std::string_view base_url, const CreateTokenRequest& request) {
    json body = {{"app_scope", to_wire(request.scope)}};
    const bool has_code = request.auth_code && !request.auth_code->empty();
    if (needs_auth_code(request.scope) && !has_code) {
        return make_error(ExitCode::usage, "a mobile-number token needs the authorization code of the user's OAuth consent",
                          "the consent page redirects to your app with ?code=...: pass that value with --auth-code CODE, "
                          "--auth-code - (stdin), --auth-code-file FILE or CALLCTL_AUTH_CODE");
    }
    if (!needs_auth_code(request.scope) && has_code) {
        return make_error(ExitCode::usage, fmt::format("--auth-code is only for mobile-number tokens, not {}", to_display(request.scope)),
                          "leave it out: virtual-number, account-id and e911 tokens are created without a consent code");
    }
    if (has_code) body["auth_code"] = *request.auth_code;
    http::Request built = json_request(http::Method::post, http::join_url(base_url, "/tokens"), body, http::Replay::unsafe);
    if (has_code) built.secrets.push_back({*request.auth_code, std::string(auth_code_env)});
    return built;
}

http::Request refresh_token_request(std::string_view base_url, const std::string& refresh_token) {
    http::Request request = json_request(http::Method::post, http::join_url(base_url, "/tokens"),
                                         json{{"refresh_token", refresh_token}}, http::Replay::unsafe);
    request.secrets.push_back({refresh_token, std::string(refresh_token_env)});
    return request;
}

http::Request revoke_token_request(std::string_view base_url, const std::string& access_token) {
    // Revoking twice is harmless, so DELETE keeps its idempotent retries.
    http::Request request = json_request(http::Method::del, http::join_url(base_url, "/tokens"), json{{"token", access_token}},
                                         http::Replay::idempotent);
    request.secrets.push_back({access_token, std::string(access_token_env)});
    return request;
}

http::Request app_config_request(std::string_view base_url) {
    http::Request request;
    request.method = http::Method::get;
    request.url = http::join_url(base_url, "/config");
    request.headers.push_back({"Accept", "application/json"});
    return request;
}

Result<json> create_token(Session& session, const CreateTokenRequest& request) {
    auto base = token_base(session);
    if (!base) return base.error();
    auto built = create_token_request(*base, request);
    if (!built) return built.error();
    // "create an e911 token", "create a mobile-number token"
    const std::string_view scope = to_display(request.scope);
    auto answer = send_for_json(session, *built, fmt::format("create {} {} token", scope == "e911" ? "an" : "a", scope));
    if (answer) {
        if (auto usable = check_token_answer(*answer); !usable) return usable.error();
    }
    return answer;
}

Result<json> refresh_token(Session& session, const std::string& refresh_token) {
    auto base = token_base(session);
    if (!base) return base.error();
    if (auto usable = http::check_token(refresh_token, "the refresh token given", ExitCode::auth); !usable) {
        return usable.error();
    }
    auto answer = send_for_json(session, refresh_token_request(*base, refresh_token), "refresh the token");
    if (answer) {
        if (auto usable = check_token_answer(*answer); !usable) return usable.error();
    }
    return answer;
}

Result<json> revoke_token(Session& session, const std::string& access_token) {
    auto base = token_base(session);
    if (!base) return base.error();
    if (auto usable = http::check_token(access_token, "the token to revoke", ExitCode::auth); !usable) return usable.error();
    return send_for_json(session, revoke_token_request(*base, access_token), "revoke the token");
}

Result<json> app_config(Session& session) {
    auto base = token_base(session);
    if (!base) return base.error();
    return send_for_json(session, app_config_request(*base), "get the app configuration");
}

std::string redacted_secret(std::string_view secret) {
    // Six characters of a long token say which one it is (a JWT's "eyJhbG"
    // is its header's first bytes) without giving it away.
    if (secret.size() < 20) return "***";
    return fmt::format("{}\u2026(redacted)", secret.substr(0, 6));
}

json redact_token_response(json response) {
    if (!response.is_object()) return response;
    for (const char* key : {"access_token", "refresh_token", "id_token"}) {
        if (response.contains(key) && response[key].is_string()) response[key] = redacted_secret(response[key].get<std::string>());
    }
    return response;
}

TokenOrigin origin_of(const config::Settings& settings) {
    TokenOrigin origin{settings.token.value_or(""), "flag", settings.token_origin};
    if (settings.token_source == config::Source::environment) {
        origin.source = "environment";
    } else if (util::starts_with(settings.token_origin, "--token-file")) {
        origin.source = "file";
    }
    return origin;
}

json describe_token(const TokenOrigin& token, const std::optional<config::StoredToken>& stored, std::int64_t now, bool reveal) {
    json shown = {{"source", token.source}, {"origin", token.origin}};
    std::optional<std::int64_t> expires_at;
    if (stored) {
        shown["token_type"] = stored->token_type;
        shown["scope"] = stored->scope ? json(*stored->scope) : json();
        shown["refresh_token"] = stored->refresh_token ? json(reveal ? *stored->refresh_token : "stored") : json();
        shown["token_url"] = stored->token_url ? json(*stored->token_url) : json();
        if (stored->obtained_at) shown["obtained_at"] = format_unix_time(*stored->obtained_at);
        expires_at = stored->expires_at;
    }

    if (crypto::looks_like_jwt(token.value)) {
        if (auto jwt = crypto::decode_jwt(token.value)) {
            shown["jwt"] = {{"verified", false}, {"header", jwt->header}, {"claims", jwt->claims}};
            const json& claims = jwt->claims;
            if (!expires_at && claims.is_object() && claims.contains("exp") && claims["exp"].is_number()) {
                expires_at = util::json_seconds(claims["exp"]);
                shown["expiry_source"] = "jwt exp claim (not verified)";
            }
        }
    }
    if (!shown.contains("jwt")) shown["jwt"] = nullptr;

    if (expires_at) {
        shown["expires_at"] = format_unix_time(*expires_at);
        shown["expires_in"] = util::seconds_between(now, *expires_at);
        shown["expired"] = *expires_at <= now;
    } else {
        shown["expires_at"] = nullptr;
        shown["expires_in"] = nullptr;
        shown["expired"] = nullptr;
    }
    shown["token"] = reveal ? token.value : redacted_secret(token.value);
    shown["revealed"] = reveal;
    return shown;
}

std::string format_unix_time(std::int64_t unix_seconds) { return util::format_iso8601(unix_seconds); }

std::string format_time_left(std::int64_t seconds) { return util::format_time_left(seconds); }

std::int64_t unix_now() { return util::unix_now(); }

}  // namespace callctl::api
