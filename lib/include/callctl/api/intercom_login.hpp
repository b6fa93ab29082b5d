// The intercom backend's OAuth login (callctl(1), "login intercom"): the
// requests of the vendor app's backend API and the answer as it is stored in
// the profile's `intercom` credential slot.
//   login:    POST <auth>/oauth/token?type=login
//             {"client_id","grant_type":"password","username","password","scope":"me"}
//   renewal:  POST <auth>/oauth/token?type=exchange
//             {"client_id","grant_type":"refresh_token","refresh_token"}
//   answer:   {"access_token","created_at","expires_in","refresh_token","scope","token_type"}
// Every request sends `Accept: application/json` and is never replayed unless
// surely unprocessed (a login or a renewal spends state on the server).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "callctl/api/session.hpp"
#include "callctl/config/credentials.hpp"
#include "callctl/error.hpp"
#include "callctl/http/http.hpp"

namespace callctl::api {

// The vendor app renews its login when less than this is left; so does callctl.
inline constexpr std::int64_t intercom_renew_within_seconds = 24 * 3600;

// Shell variables that stand in for the secrets in --dry-run output.
inline constexpr std::string_view intercom_password_env = "CALLCTL_INTERCOM_PASSWORD";
inline constexpr std::string_view intercom_refresh_token_env = "CALLCTL_INTERCOM_REFRESH_TOKEN";

// The default intercom OAuth base: graphql_url's scheme, host and port
// ("https://api.example.com:8443/graphql" -> "https://api.example.com:8443"),
// without any user:password@. "" when graphql_url is not an http(s) URL.
std::string default_intercom_auth_url(std::string_view graphql_url);

struct IntercomLogin {
    std::string client_id;
    std::string username;
    std::string password;
};

http::Request intercom_login_request(std::string_view auth_url, const IntercomLogin& login);
http::Request intercom_exchange_request(std::string_view auth_url, std::string_view client_id, const std::string& refresh_token);

// The answer as stored: expires_at = created_at + expires_in (the server's
// clock, as the vendor app computes it; `now` when created_at is missing or
// lies in the future), token_url = the auth base that renews it.
Result<config::StoredToken> intercom_token_from_answer(const nlohmann::json& answer, std::int64_t now,
                                                       const std::string& auth_url, const std::string& client_id,
                                                       const std::string& username);

// Under 24 h left (or an unknown expiry with a refresh token to spare: never).
bool intercom_needs_renewal(const config::StoredToken& token, std::int64_t now);

// Sent through `session`. A refused login or renewal (401, or 400
// invalid_grant/invalid_client) is exit 5 naming what to check.
Result<config::StoredToken> intercom_login(Session& session, const std::string& auth_url, const IntercomLogin& login);
// Renews `stored` with its refresh token and client (`client_id` when the
// stored login has none); returns the new login, not yet stored.
Result<config::StoredToken> intercom_exchange(Session& session, const config::StoredToken& stored, const std::string& client_id);

}  // namespace callctl::api
