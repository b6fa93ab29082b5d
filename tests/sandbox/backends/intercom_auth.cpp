#include "intercom_auth.hpp"

#include <optional>
#include <string_view>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "support.hpp"

namespace callctl::sandbox {

using nlohmann::json;

namespace {

// Doorkeeper's error answers: {"error","error_description"} with RFC 6749's
// codes and Doorkeeper's own descriptions. A refused grant (wrong password,
// spent refresh token) is 401, as Doorkeeper answered it before 5.x (RFC 6749
// §5.2 says 400; callctl treats both as an authentication failure).
Reply oauth_error(int status, std::string_view error, std::string description) {
    Reply reply{status, json{{"error", error}, {"error_description", std::move(description)}}};
    if (status == 401) {
        reply.headers.emplace_back("WWW-Authenticate",
                                   fmt::format("Bearer realm=\"Doorkeeper\", error=\"{}\"", error));
    }
    return reply;
}

Reply invalid_request(std::string_view detail) {
    return oauth_error(400, "invalid_request",
                       fmt::format("The request is missing a required parameter, includes an unsupported parameter "
                                   "value, or is otherwise malformed. {}",
                                   detail));
}

Reply invalid_client() {
    return oauth_error(401, "invalid_client",
                       "Client authentication failed due to unknown client, no client authentication included, or "
                       "unsupported authentication method.");
}

Reply invalid_grant() {
    return oauth_error(401, "invalid_grant",
                       "The provided authorization grant is invalid, expired, revoked, does not match the redirection "
                       "URI used in the authorization request, or was issued to another client.");
}

Reply token_answer(const IntercomLogins::Issued& issued) {
    return Reply{200, json{{"access_token", issued.access},
                           {"token_type", "Bearer"},
                           {"expires_in", issued.expires_in},
                           {"refresh_token", issued.refresh},
                           {"scope", "me"},
                           {"created_at", issued.created_at}}};
}

// The fields every grant of this endpoint needs, in the order Doorkeeper checks them.
std::optional<Reply> check_grant(const json& body, std::string_view grant_type, const std::string& client_id,
                                 const std::vector<const char*>& required) {
    if (!body.is_object()) return invalid_request("The body must be a JSON object.");
    if (!is_nonempty_string(body, "grant_type")) return invalid_request("Missing required parameter: grant_type.");
    if (body.at("grant_type") != grant_type) {
        return oauth_error(400, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.");
    }
    if (!is_nonempty_string(body, "client_id") || body.at("client_id") != client_id) return invalid_client();
    for (const char* field : required) {
        if (!is_nonempty_string(body, field)) return invalid_request(fmt::format("Missing required parameter: {}.", field));
    }
    return std::nullopt;
}

std::optional<Reply> check_scope(const json& body) {
    if (!body.contains("scope") || body.at("scope") != "me") {
        return oauth_error(400, "invalid_scope", "The requested scope is invalid, unknown, or malformed.");
    }
    return std::nullopt;
}

}  // namespace

void IntercomAuthBackend::add_options(CLI::App& app) {
    app.add_option("--intercom-client-id", client_id_, "OAuth client_id the intercom login accepts (default callctl-sandbox-client)")
        ->option_text("ID");
    app.add_option("--intercom-user", user_specs_,
                   "An intercom login USER:PASSWORD (repeatable; default resident@example.com:sandbox-password)")
        ->option_text("USER:PASSWORD");
    app.add_option("--intercom-token-ttl", ttl_seconds_, "Lifetime of intercom access tokens (default 604800)")
        ->check(CLI::Range(1LL, 10LL * 365 * 24 * 3600))
        ->option_text("SEC");
}

Status IntercomAuthBackend::start() {
    if (user_specs_.empty()) user_specs_.push_back("resident@example.com:sandbox-password");
    for (const auto& spec : user_specs_) {
        const auto colon = spec.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == spec.size()) {
            return make_error(ExitCode::usage, fmt::format("--intercom-user wants USER:PASSWORD, got '{}'", spec));
        }
        users_[spec.substr(0, colon)] = spec.substr(colon + 1);
    }
    logins_.set_ttl(ttl_seconds_);
    return {};
}

void IntercomAuthBackend::install(Router& router) {
    router.route({"POST"}, exact("/oauth/token"), [this](Exchange& x) {
        const auto body = x.json_body();
        if (!body) return invalid_request("The body is not valid JSON.");
        return token(x.request.get_param_value("type"), *body);
    });
    router.admin({"GET"}, exact("/_sandbox/intercom/tokens"), [this](const httplib::Request&, const json&) {
        return Reply{200, logins_.list()};
    });
    router.admin({"POST"}, exact("/_sandbox/intercom/tokens/expire"), [this](const httplib::Request&, const json& body) {
        if (!body.is_object() || !body.contains("expires_in") || !body.at("expires_in").is_number_integer()) {
            return error_reply(400, "bad_request", "the body must be {\"expires_in\": SECONDS, \"access_token\"?: \"…\"}");
        }
        const auto which = is_nonempty_string(body, "access_token") ? std::optional(body.at("access_token").get<std::string>()) : std::nullopt;
        return Reply{200, json{{"expired", logins_.expire(which, body.at("expires_in").get<long long>())}}};
    });
    router.admin({"POST"}, exact("/_sandbox/intercom/tokens/revoke"), [this](const httplib::Request&, const json& body) {
        const auto which = is_nonempty_string(body, "access_token") ? std::optional(body.at("access_token").get<std::string>()) : std::nullopt;
        return Reply{200, json{{"revoked", logins_.revoke(which)}}};
    });
    router.admin({"GET", "POST"}, exact("/_sandbox/intercom/settings"), [this](const httplib::Request&, const json& body) {
        return admin_settings(body);
    });
    router.admin({"POST"}, exact("/_sandbox/intercom/users"), [this](const httplib::Request&, const json& body) {
        return admin_users(body);
    });
}

Reply IntercomAuthBackend::token(const std::string& type, const json& body) {
    if (type == "login") return login(body);
    if (type == "exchange") return exchange(body);
    if (type == "token") return external(body);
    return invalid_request(type.empty() ? "Missing required parameter: type (login, exchange or token)."
                                        : fmt::format("Unknown type '{}' (login, exchange or token).", type));
}

Reply IntercomAuthBackend::login(const json& body) {
    if (auto bad = check_grant(body, "password", client_id_, {"username", "password"})) return *bad;
    if (auto bad = check_scope(body)) return *bad;
    const std::string username = body.at("username").get<std::string>();
    {
        const std::lock_guard lock(mutex_);
        const auto user = users_.find(username);
        if (user == users_.end() || user->second != body.at("password").get<std::string>()) return invalid_grant();
    }
    return token_answer(logins_.issue(username, "login"));
}

Reply IntercomAuthBackend::exchange(const json& body) {
    if (auto bad = check_grant(body, "refresh_token", client_id_, {"refresh_token"})) return *bad;
    const auto rotated = logins_.rotate(body.at("refresh_token").get<std::string>());
    if (!rotated) return invalid_grant();
    return token_answer(*rotated);
}

Reply IntercomAuthBackend::external(const json& body) {
    if (auto bad = check_grant(body, "password", client_id_, {"external_authentication_token"})) return *bad;
    if (auto bad = check_scope(body)) return *bad;
    // The external token is one the sandbox's token endpoint issued.
    std::string subject;
    if (tokens_.check(body.at("external_authentication_token").get<std::string>(), &subject)) return invalid_grant();
    return token_answer(logins_.issue(subject, "token"));
}

Reply IntercomAuthBackend::admin_settings(const json& body) {
    if (body.is_object() && body.contains("token_ttl")) {
        if (!body.at("token_ttl").is_number_integer()) return error_reply(400, "bad_request", "token_ttl must be a whole number of seconds");
        logins_.set_ttl(body.at("token_ttl").get<long long>());
    }
    return Reply{200, json{{"client_id", client_id_}, {"token_ttl", logins_.ttl()}}};
}

Reply IntercomAuthBackend::admin_users(const json& body) {
    if (!is_nonempty_string(body, "username") || !is_nonempty_string(body, "password")) {
        return error_reply(400, "bad_request", "the body must be {\"username\":\"…\",\"password\":\"…\"}");
    }
    const std::lock_guard lock(mutex_);
    users_[body.at("username").get<std::string>()] = body.at("password").get<std::string>();
    return Reply{200, json{{"users", users_.size()}}};
}

}  // namespace callctl::sandbox
