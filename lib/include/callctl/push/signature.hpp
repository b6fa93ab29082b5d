// Webhook signatures: the one place that checks and makes them, for
// decode-push --signature, listen and send-webhook (callctl(1), WIRE FORMATS).
//
//   kaleyra-v1  bandyer-signature: t=<unix s or ms>,v0=<hex HMAC-SHA256(key, "<t>.<raw body>")>
//               (several v0 entries may be given; one matching is enough)
//   kaleyra-v0  room-id-hmac: <hex HMAC-SHA256(key, room_id)>  (older webhooks; covers the room id only)
//   webex       X-Spark-Signature: <hex HMAC-SHA1(webhook secret, raw body)>
//
// Every comparison is constant time in the MAC's contents.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "callctl/error.hpp"
#include "callctl/push/push.hpp"

namespace callctl::push {

inline constexpr std::string_view kaleyra_signature_header = "bandyer-signature";
inline constexpr std::string_view kaleyra_room_hmac_header = "room-id-hmac";
inline constexpr std::string_view webex_signature_header = "X-Spark-Signature";

// Kaleyra's t is seconds in its header example and milliseconds in its code
// sample. A t at or above 10^11 is read as milliseconds: as seconds that is the
// year 5138, as milliseconds March 1973, so no real time is ambiguous.
inline constexpr long long kaleyra_millis_threshold = 100'000'000'000LL;

struct SignatureCheck {
    std::string scheme;  // "kaleyra-v1" | "kaleyra-v0" | "webex"
    // kaleyra-v1 only (the other schemes carry no time):
    std::optional<long long> signed_at;     // t in Unix seconds (rounded down when t was milliseconds)
    std::optional<long long> signed_at_ms;  // t in Unix milliseconds (a seconds t times 1000)
    bool t_in_millis = false;               // t was sent in milliseconds
};

// Checks `value` (a header value; a leading "<header name>:" of the vendor's is
// tolerated) against `raw_body`, the bytes exactly as received. The scheme
// follows the vendor (auto_detect: detected from the body) and, for Kaleyra,
// the value's shape: "t=…,v0=…" is v1, bare hex is v0. `tolerance` rejects a
// v1 t further than that from `now`, in the past or the future (exactly at the
// bound passes); zero or less turns it off.
// Mismatch or stale: push_crypto (9). Malformed value, empty secret, a vendor
// without signatures (intercom): usage (2). A v0 value for a body without
// room_id, or an auto_detect body that cannot be read: bad_input (3).
Result<SignatureCheck> verify_signature(Vendor vendor, std::string_view value, std::string_view secret,
                                        std::string_view raw_body, std::chrono::seconds tolerance,
                                        std::chrono::system_clock::time_point now);

// The header values a sender puts on a body it signs.
std::string sign_kaleyra_v1(std::string_view secret, long long t, std::string_view raw_body);  // "t=<t>,v0=<hex>"
std::string sign_kaleyra_v0(std::string_view secret, std::string_view room_id);                 // hex (room-id-hmac)
std::string sign_webex(std::string_view secret, std::string_view raw_body);                     // hex HMAC-SHA1

}  // namespace callctl::push
