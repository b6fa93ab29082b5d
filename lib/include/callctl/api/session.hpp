// A Session is what every backend command talks through: resolved settings,
// one HTTP client (so connections are reused across requests), the bearer
// token and where it came from, and the single place where HTTP statuses
// become errors with exit codes (401/403 -> 5, other 4xx -> 6, 5xx -> 7).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "callctl/config/credentials.hpp"
#include "callctl/config/settings.hpp"
#include "callctl/error.hpp"
#include "callctl/http/http.hpp"

namespace callctl::api {

// Which base URL a request goes to; each names its flag and env variable in
// the error when unset.
enum class Endpoint { token, rest, graphql };
Result<std::string> endpoint_url(const config::Settings& settings, Endpoint endpoint);

// The server's own words from an error answer: error_description, message,
// error, errors[0].message, or the first line of a non-JSON body.
std::string server_message(const http::Response& response);
// A non-2xx answer as an Error (5, 6 or 7), quoting the server.
Error status_error(const http::Response& response, std::string_view what);
// The body as JSON; an unparsable body from a server that said 2xx is exit 7
// (the server misbehaved, not the user's input).
Result<nlohmann::json> json_body(const http::Response& response, std::string_view what);

// A JSON request with Content-Type set.
http::Request json_request(http::Method method, std::string url, const nlohmann::json& body, http::Replay replay);

// The token a request will carry, and where it came from.
struct BearerToken {
    std::string value;
    config::Source source = config::Source::none;
    std::string origin;  // "--token", "CALLCTL_TOKEN", "/home/u/.config/callctl/credentials.json [default]"
};

class Session {
public:
    // `note` receives -v remarks (e.g. "refreshed the stored token"); may be empty.
    Session(config::Settings settings, http::Client& client, std::function<void(std::string_view)> note = {});

    const config::Settings& settings() const { return settings_; }
    http::Client& client() { return client_; }
    void note(std::string_view text) const;

    // The token for bearer calls: flag/file/env first, else the profile's
    // stored token. A stored token that has expired is refreshed first when a
    // refresh token is stored. No token at all is exit 5 with a hint.
    Result<BearerToken> bearer_token();

    // The profile's stored token, if any (no network).
    Result<std::optional<config::StoredToken>> stored_token() const;
    Status save_token(const config::StoredToken& token) const;
    Status forget_token() const;

    // POST /tokens {"refresh_token": ...} and, on success, store the new pair
    // when the old one came from the store. Returns the new stored token.
    Result<config::StoredToken> refresh_stored_token();

    // Sends with "Authorization: Bearer <token>". On a 401 with a stored
    // refresh token, refreshes once and retries once. Non-2xx answers are
    // returned as Errors (status_error); `what` names the action in messages.
    Result<http::Response> send_authorized(http::Request request, std::string_view what);
    // The same for endpoints that take the token elsewhere (POST /e911ids
    // reads it from the body): `build` makes the request for a token, and is
    // called again with the new one after a refresh.
    Result<http::Response> send_with_token(const std::function<http::Request(const std::string& token)>& build,
                                           std::string_view what);
    // Sends as is (the token endpoint authenticates by body, not header).
    Result<http::Response> send(const http::Request& request, std::string_view what);

private:
    Result<http::Response> send_once(const http::Request& request, std::string_view what);

    config::Settings settings_;
    http::Client& client_;
    std::function<void(std::string_view)> note_;
    bool refreshed_ = false;  // a refresh happens at most once per run
};

// Token endpoint response -> StoredToken (expires_in made absolute).
Result<config::StoredToken> token_from_response(const nlohmann::json& body, std::int64_t now_unix,
                                                std::optional<std::string> scope, std::string token_url);

}  // namespace callctl::api
