#include "callctl/api/session.hpp"

#include <chrono>

#include <fmt/format.h>

#include "callctl/util/strings.hpp"

namespace callctl::api {

using nlohmann::json;

namespace {

std::int64_t now_unix() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool is_success(long status) { return status >= 200 && status < 300; }

std::string first_line(std::string_view text, std::size_t limit = 200) {
    text = util::trim(text);
    const auto newline = text.find('\n');
    std::string line(util::trim(text.substr(0, newline)));
    if (line.size() > limit) line = line.substr(0, limit) + "...";
    return line;
}

}  // namespace

Result<std::string> endpoint_url(const config::Settings& settings, Endpoint endpoint) {
    switch (endpoint) {
    case Endpoint::token:
        if (!settings.token_url.empty()) return settings.token_url;
        return make_error(ExitCode::usage, "no token endpoint URL",
                          "give --token-url URL, set CALLCTL_TOKEN_URL, or `callctl profile set token_url URL`");
    case Endpoint::rest:
        if (!settings.rest_url.empty()) return settings.rest_url;
        return make_error(ExitCode::usage, "no REST API URL",
                          "give --rest-url URL, set CALLCTL_REST_URL, or `callctl profile set rest_url URL`");
    case Endpoint::graphql:
        if (!settings.graphql_url.empty()) return settings.graphql_url;
        return make_error(ExitCode::usage, "no GraphQL URL",
                          "give --graphql-url URL, set CALLCTL_GRAPHQL_URL, or `callctl profile set graphql_url URL`");
    }
    return make_error(ExitCode::internal, "unknown endpoint");
}

std::string server_message(const http::Response& response) {
    const json body = json::parse(response.body, nullptr, false);
    if (body.is_object()) {
        for (const char* key : {"error_description", "message", "error_message", "detail"}) {
            if (body.contains(key) && body[key].is_string() && !body[key].get<std::string>().empty()) {
                return first_line(body[key].get<std::string>());
            }
        }
        if (body.contains("errors") && body["errors"].is_array() && !body["errors"].empty()) {
            const json& first = body["errors"][0];
            if (first.is_object() && first.contains("message") && first["message"].is_string()) {
                return first_line(first["message"].get<std::string>());
            }
        }
        if (body.contains("error") && body["error"].is_string()) return first_line(body["error"].get<std::string>());
    }
    if (body.is_discarded() && !response.body.empty() && response.body.size() < 4096 &&
        response.body.find('<') == std::string::npos) {
        return first_line(response.body);
    }
    return {};
}

Error status_error(const http::Response& response, std::string_view what) {
    const long status = response.status;
    const std::string said = server_message(response);
    std::string message = fmt::format("{}: HTTP {}", what, status);
    if (!said.empty()) message += ": " + said;

    if (status == 401 || status == 403) {
        return make_error(ExitCode::auth, std::move(message),
                          status == 401 ? "the token was rejected: create a new one with `callctl token create --save`, "
                                          "or pass --token/--token-file"
                                        : "");
    }
    if (status >= 500) {
        const std::string tries = response.attempts > 1 ? fmt::format(" (after {} attempts)", response.attempts) : "";
        return make_error(ExitCode::http_server, message + tries);
    }
    if (status >= 300 && status < 400) {
        const auto location = response.header("Location");
        return make_error(ExitCode::http_client, std::move(message),
                          location ? fmt::format("the server redirects to {}; callctl does not follow redirects with "
                                                 "credentials: point the URL there if you trust it",
                                                 *location)
                                   : "");
    }
    return make_error(ExitCode::http_client, std::move(message));
}

Result<json> json_body(const http::Response& response, std::string_view what) {
    if (response.body.empty()) return json::object();
    json body = json::parse(response.body, nullptr, false);
    if (body.is_discarded()) {
        return make_error(ExitCode::http_server,
                          fmt::format("{}: the server answered HTTP {} with a body that is not valid JSON ({} bytes)", what,
                                      response.status, response.body.size()));
    }
    return body;
}

http::Request json_request(http::Method method, std::string url, const json& body, http::Replay replay) {
    http::Request request;
    request.method = method;
    request.url = std::move(url);
    request.headers.push_back({"Content-Type", "application/json"});
    request.headers.push_back({"Accept", "application/json"});
    request.body = body.dump();
    request.replay = replay;
    return request;
}

Result<config::StoredToken> token_from_response(const json& body, std::int64_t now, std::optional<std::string> scope,
                                                std::string token_url) {
    if (!body.is_object() || !body.contains("access_token") || !body["access_token"].is_string()) {
        return make_error(ExitCode::http_server, "the token endpoint answered without an access_token");
    }
    config::StoredToken token;
    token.access_token = body["access_token"].get<std::string>();
    if (body.contains("refresh_token") && body["refresh_token"].is_string()) {
        token.refresh_token = body["refresh_token"].get<std::string>();
    }
    if (body.contains("token_type") && body["token_type"].is_string()) token.token_type = body["token_type"].get<std::string>();
    if (body.contains("expires_in")) {
        const json& expires = body["expires_in"];
        if (expires.is_number()) {
            token.expires_at = now + expires.get<std::int64_t>();
        } else if (expires.is_string()) {
            try {
                token.expires_at = now + std::stoll(expires.get<std::string>());
            } catch (const std::exception&) {
                // An unparsable expiry is treated as unknown, not as an error.
            }
        }
    }
    token.obtained_at = now;
    token.scope = std::move(scope);
    token.token_url = std::move(token_url);
    return token;
}

Session::Session(config::Settings settings, http::Client& client, std::function<void(std::string_view)> note)
    : settings_(std::move(settings)), client_(client), note_(std::move(note)) {}

void Session::note(std::string_view text) const {
    if (note_) note_(text);
}

Result<std::optional<config::StoredToken>> Session::stored_token() const {
    auto store = config::CredentialStore::load(settings_.credentials_path);
    if (!store) return store.error();
    return store->get(settings_.profile);
}

Status Session::save_token(const config::StoredToken& token) const {
    auto store = config::CredentialStore::load(settings_.credentials_path);
    if (!store) return store.error();
    store->put(settings_.profile, token);
    return store->save();
}

Status Session::forget_token() const {
    auto store = config::CredentialStore::load(settings_.credentials_path);
    if (!store) return store.error();
    if (!store->erase(settings_.profile)) return {};
    return store->save();
}

Result<config::StoredToken> Session::refresh_stored_token() {
    auto stored = stored_token();
    if (!stored) return stored.error();
    if (!*stored || !(*stored)->refresh_token) {
        return make_error(ExitCode::auth, "no stored refresh token for profile '" + settings_.profile + "'",
                          "create one with `callctl token create --save`");
    }
    const config::StoredToken& old = **stored;
    const std::string base = old.token_url.value_or(settings_.token_url);
    if (base.empty()) return endpoint_url(settings_, Endpoint::token).error();

    http::Request request = json_request(http::Method::post, http::join_url(base, "/tokens"),
                                         json{{"refresh_token", *old.refresh_token}}, http::Replay::unsafe);
    request.secrets.push_back({*old.refresh_token, "CALLCTL_REFRESH_TOKEN"});
    auto response = send(request, "refresh the stored token");
    if (!response) {
        // A refresh token the server refuses (400 invalid_grant, 401) leaves
        // no usable token: that is an authentication failure, not bad input.
        Error error = std::move(response).error();
        if (error.code == ExitCode::http_client || error.code == ExitCode::auth) {
            error.code = ExitCode::auth;
            error.hint = "the stored refresh token was refused: create a new token with `callctl token create --save`";
        }
        return error;
    }
    auto body = json_body(*response, "refresh the stored token");
    if (!body) return body.error();
    auto token = token_from_response(*body, now_unix(), old.scope, base);
    if (!token) return token.error();
    if (!token->refresh_token) token->refresh_token = old.refresh_token;  // some servers keep the old one valid
    if (auto saved = save_token(*token); !saved) return saved.error();
    refreshed_ = true;
    note(fmt::format("refreshed the stored token of profile '{}'", settings_.profile));
    return token;
}

Result<BearerToken> Session::bearer_token() {
    if (settings_.token) {
        return BearerToken{*settings_.token, settings_.token_source, settings_.token_origin};
    }
    auto stored = stored_token();
    if (!stored) return stored.error();
    if (!*stored) {
        if (settings_.dry_run) {
            // A dry run prints "$CALLCTL_TOKEN" in place of the token anyway.
            return BearerToken{"dry-run-token", config::Source::none, "none (dry run)"};
        }
        return make_error(ExitCode::auth, fmt::format("no token for profile '{}'", settings_.profile),
                          "pass --token-file FILE or CALLCTL_TOKEN, or store one with `callctl token create --save`");
    }
    config::StoredToken token = **stored;
    const std::string origin = fmt::format("{} [{}]", settings_.credentials_path.string(), settings_.profile);
    if (token.expired(now_unix()) && !settings_.dry_run) {
        if (!token.refresh_token) {
            return make_error(ExitCode::auth, fmt::format("the stored token of profile '{}' has expired", settings_.profile),
                              "create a new one with `callctl token create --save`");
        }
        note("the stored token has expired; refreshing it first");
        auto refreshed = refresh_stored_token();
        if (!refreshed) return refreshed.error();
        token = *refreshed;
    }
    return BearerToken{token.access_token, config::Source::store, origin};
}

Result<http::Response> Session::send_once(const http::Request& request, std::string_view what) {
    auto outcome = client_.send(request);
    if (!outcome) return http::to_error(outcome.error(), what);
    return std::move(*outcome);
}

Result<http::Response> Session::send(const http::Request& request, std::string_view what) {
    auto response = send_once(request, what);
    if (!response) return response;
    if (response->status < 200 || response->status >= 300) return status_error(*response, what);
    return response;
}

Result<http::Response> Session::send_authorized(http::Request request, std::string_view what) {
    return send_with_token(
        [&request](const std::string& token) {
            http::Request authorized = request;
            std::erase_if(authorized.headers, [](const http::Header& h) { return util::iequals(h.name, "Authorization"); });
            authorized.headers.push_back({"Authorization", "Bearer " + token});
            return authorized;
        },
        what);
}

Result<http::Response> Session::send_with_token(const std::function<http::Request(const std::string& token)>& build,
                                                std::string_view what) {
    auto token = bearer_token();
    if (!token) return token.error();

    auto build_with_secret = [&](const std::string& value) {
        http::Request request = build(value);
        std::erase_if(request.secrets, [](const http::Secret& s) { return s.env_name == "CALLCTL_TOKEN"; });
        request.secrets.push_back({value, "CALLCTL_TOKEN"});
        return request;
    };

    auto response = send_once(build_with_secret(token->value), what);
    if (!response) return response;
    // A stored token the server no longer accepts: refresh once and try once
    // more. Explicit tokens are the user's to manage; we do not replace them.
    if (response->status == 401 && token->source == config::Source::store && !refreshed_) {
        auto stored = stored_token();
        if (stored && *stored && (*stored)->refresh_token) {
            note("the server rejected the stored token (401); refreshing it and retrying once");
            auto refreshed = refresh_stored_token();
            if (!refreshed) return refreshed.error();
            response = send_once(build_with_secret(refreshed->access_token), what);
            if (!response) return response;
        }
    }
    if (!is_success(response->status)) return status_error(*response, what);
    return response;
}

}  // namespace callctl::api
