// APNs on the wire (callctl(1), "WIRE FORMATS" > "APNs"): token-based
// authentication with an ES256 provider JWT, and POST /3/device/<token> over
// HTTP/2. Builders only; the engine in deliver.hpp sends them.
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

inline constexpr std::string_view apns_production_url = "https://api.push.apple.com";
inline constexpr std::string_view apns_sandbox_url = "https://api.sandbox.push.apple.com";
inline constexpr const char* apns_jwt_env = "CALLCTL_APNS_JWT";

// Apple refuses a provider token older than an hour and throttles one renewed
// more often than every 20 minutes (TooManyProviderTokenUpdates): callctl
// reuses a token until it is 50 minutes old, and never renews one younger
// than 20 minutes unless APNs called it expired.
inline constexpr std::int64_t apns_token_min_age_seconds = 20 * 60;
inline constexpr std::int64_t apns_token_max_age_seconds = 50 * 60;

// header {"alg":"ES256","kid":<key id>,"typ":"JWT"}, claims {"iss":<team id>,"iat":now}.
Result<std::string> apns_provider_token(const ApnsCredentials& credentials, std::int64_t now_unix);

struct ApnsSendOptions {
    std::string topic;  // --apns-topic, the app's bundle id
    PushType push_type = PushType::voip;
    Priority priority = Priority::high;
    std::chrono::seconds ttl{60};
    std::optional<std::string> collapse_id;
};

// The bundle id + ".voip" for VoIP pushes (unless it ends so already), else as given.
std::string apns_topic(std::string_view topic, PushType push_type);
// 10 (send now) for high, 5 for normal and always for background pushes.
int apns_priority(Priority priority, PushType push_type);
// Unix seconds now + ttl; 0 for --ttl 0 (deliver once, or never).
std::int64_t apns_expiration(std::chrono::seconds ttl, std::int64_t now_unix);

// Collapse ids are at most 64 bytes: usage (2) otherwise.
Status check_collapse_id(std::string_view collapse_id);

// POST <apns_url>/3/device/<token> with authorization: bearer <JWT> (a Secret
// standing for $CALLCTL_APNS_JWT), apns-topic, apns-push-type, apns-priority,
// apns-expiration, [apns-collapse-id], content-type; Replay::unsafe. The
// token is percent-encoded into the path (a real one is hex and unchanged).
http::Request apns_send_request(std::string_view apns_url, std::string_view device_token, std::string body,
                                const ApnsSendOptions& options, std::int64_t now_unix, const std::string& provider_token);

}  // namespace callctl::deliver
