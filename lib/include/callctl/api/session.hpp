// A Session is what every backend command talks through: resolved settings,
// one HTTP client (so connections are reused across requests), the bearer
// token and where it came from (with its renewal on a 401, renewal.hpp), and
// the profile's stored credentials. Answers become Errors in errors.hpp.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "callctl/api/errors.hpp"
#include "callctl/api/renewal.hpp"
#include "callctl/config/credentials.hpp"
#include "callctl/config/settings.hpp"
#include "callctl/error.hpp"
#include "callctl/http/http.hpp"

namespace callctl::api {

// Which base URL a request goes to; each names its flag and env variable in
// the error when unset.
enum class Endpoint { token, rest, graphql };
Result<std::string> endpoint_url(const config::Settings& settings, Endpoint endpoint);

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
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    const config::Settings& settings() const { return settings_; }
    http::Client& client() { return client_; }
    void note(std::string_view text) const;

    // The token for bearer calls: flag/file/env first, else the profile's
    // stored token. A stored token that has expired is refreshed first when a
    // refresh token is stored. No token at all is exit 5 with a hint.
    Result<BearerToken> bearer_token();
    // The bearer token's "renew once on a 401" policy, shared by every send of
    // this session (so a run renews it at most once): send_with_token and
    // CallLogFetcher use it.
    RenewOn401& bearer_renewal();

    // The profile's stored credentials (credentials.json), any slot. Reads
    // take no lock; writes are CredentialStore::update()s.
    Result<std::optional<config::StoredToken>> stored(const config::CredentialSlot& slot) const;
    Status store(const config::CredentialSlot& slot, const config::StoredToken& token) const;
    Status forget(const config::CredentialSlot& slot) const;
    // The token slot.
    Result<std::optional<config::StoredToken>> stored_token() const { return stored(config::CredentialSlot::token()); }
    Status save_token(const config::StoredToken& token) const { return store(config::CredentialSlot::token(), token); }
    Status forget_token() const { return forget(config::CredentialSlot::token()); }

    // POST /tokens {"refresh_token": ...} with the stored refresh token and
    // store the new pair, all under the store's lock, the refresh token read
    // under it. `seen` is the access token the caller has (expired, or
    // refused with a 401): when the store holds another, unexpired one by
    // then (another callctl refreshed or saved meanwhile), that one is
    // returned and nothing is sent. Without `seen` it always refreshes
    // (`token refresh`). Returns the token now stored.
    Result<config::StoredToken> refresh_stored_token(std::optional<std::string> seen = std::nullopt);

    // Sends with "Authorization: Bearer <token>". On a 401 with a stored
    // refresh token, refreshes once and retries once. Non-2xx answers are
    // returned as Errors (status_error); `what` names the action in messages.
    Result<http::Response> send_authorized(http::Request request, std::string_view what);
    // The same for endpoints that take the token elsewhere (POST /e911ids
    // reads it from the body): `build` makes the request for a token, and is
    // called again with the new one after a refresh.
    Result<http::Response> send_with_token(const std::function<http::Request(const std::string& token)>& build,
                                           std::string_view what);
    // The same two through another credential's policy (the intercom
    // login's: intercom_bearer.hpp) instead of the session's bearer.
    Result<http::Response> send_authorized(http::Request request, std::string_view what, RenewOn401& renewal);
    Result<http::Response> send_with_token(const std::function<http::Request(const std::string& token)>& build,
                                           std::string_view what, RenewOn401& renewal);
    // Sends as is (the token endpoint authenticates by body, not header).
    Result<http::Response> send(const http::Request& request, std::string_view what);
    // Sends as is and returns the answer whatever its status (answer_of).
    Result<http::Response> send_for_answer(const http::Request& request, std::string_view what);

    // "the stored token of profile 'x' (/path/credentials.json)", for errors.
    std::string stored_whose(std::string_view what) const;

private:
    class StoredBearer;

    // The POST /tokens of a refresh, for `old`'s refresh token; stores nothing.
    Result<config::StoredToken> exchange_refresh_token(const config::StoredToken& old);

    config::Settings settings_;
    http::Client& client_;
    std::function<void(std::string_view)> note_;
    bool refreshed_ = false;  // a refresh happens at most once per run
    std::unique_ptr<StoredBearer> bearer_;
    std::unique_ptr<RenewOn401> renewal_;
};

// A token answer whose access_token or refresh_token could not be sent back
// (a control character, a space: http::token_defect) is exit 7; both are
// remembered as secrets either way. `answerer` names who answered in the
// message ("the token endpoint", "the intercom login").
Status check_token_answer(const nlohmann::json& body, std::string_view answerer = "the token endpoint");
// Token endpoint response -> StoredToken (expires_in made absolute), checked
// by check_token_answer first.
Result<config::StoredToken> token_from_response(const nlohmann::json& body, std::int64_t now_unix,
                                                std::optional<std::string> scope, std::string token_url);

}  // namespace callctl::api
