// FCM HTTP v1 on the wire (callctl(1), "WIRE FORMATS" > "FCM HTTP v1"): the
// OAuth 2.0 JWT-bearer exchange that turns a service account into an access
// token, and messages:send. Builders and parsers only; the engine in
// deliver.hpp sends them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "callctl/deliver/keys.hpp"
#include "callctl/deliver/payload.hpp"
#include "callctl/error.hpp"
#include "callctl/http/http.hpp"

namespace callctl::deliver {

inline constexpr std::string_view fcm_scope = "https://www.googleapis.com/auth/firebase.messaging";
inline constexpr std::string_view jwt_bearer_grant = "urn:ietf:params:oauth:grant-type:jwt-bearer";
// Google refuses an assertion whose exp is more than an hour after its iat.
inline constexpr std::int64_t assertion_lifetime_seconds = 3600;

// Environment names that stand in for the secrets in --dry-run and -v output.
inline constexpr const char* fcm_access_token_env = "CALLCTL_FCM_ACCESS_TOKEN";
inline constexpr const char* oauth_assertion_env = "CALLCTL_FCM_ASSERTION";

// The RS256 assertion: header {"alg":"RS256","kid":<private_key_id>,"typ":"JWT"},
// claims {"iss":<client_email>,"scope":fcm_scope,"aud":<token_uri>,"iat":now,"exp":now+3600}.
Result<std::string> oauth_assertion(const ServiceAccount& account, std::int64_t now_unix);

// POST <token_uri>, form-encoded grant_type=<jwt_bearer_grant>&assertion=<JWT>;
// never replayed unless surely unprocessed (http::Replay::unsafe).
http::Request oauth_token_request(const ServiceAccount& account, const std::string& assertion);

struct AccessToken {
    std::string value;
    std::int64_t expires_at = 0;  // unix seconds
};

// The token endpoint's answer {"access_token","expires_in","token_type"}.
// 400/401/403 (a refused assertion: bad key, clock, revoked account) are auth
// (5) quoting Google's error_description; 5xx 7; an unusable 2xx 7.
Result<AccessToken> parse_oauth_answer(const http::Response& response, std::int64_t now_unix, std::string_view token_uri);

struct FcmSendOptions {
    Priority priority = Priority::high;
    std::chrono::seconds ttl{60};
    std::optional<std::string> collapse_key;  // --collapse-id
};

// <fcm_url>/v1/projects/<project_id>/messages:send
std::string fcm_send_url(std::string_view fcm_url, std::string_view project_id);
// messages:send bodies for one payload, rendered once and completed per device:
// {"message":{"token":…,"data":{…},"android":{"priority":"high","ttl":"60s"[,"collapse_key":…]}}}
class FcmMessage {
public:
    FcmMessage(const push::Json& data, const FcmSendOptions& options);
    std::string body_for(std::string_view device_token) const;

private:
    std::string tail_;  // everything after the token
};
// POST with "Authorization: Bearer <token>", JSON, Replay::unsafe; the token
// is a Secret standing for $CALLCTL_FCM_ACCESS_TOKEN.
http::Request fcm_send_request(std::string url, std::string body, const std::string& access_token);

}  // namespace callctl::deliver
