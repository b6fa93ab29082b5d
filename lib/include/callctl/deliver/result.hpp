// One device's outcome of send-push (callctl(1), "send-push" > "Results"),
// and how FCM's and APNs's answers become one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "callctl/deliver/payload.hpp"
#include "callctl/error.hpp"
#include "callctl/http/http.hpp"

namespace callctl::deliver {

// Which push a result is for: --cancel-after sends two to each device.
enum class PushRole { single, incoming, stop };

struct DeviceResult {
    std::size_t index = 0;  // the device's position in the input
    std::string to;         // the device token
    Platform platform = Platform::fcm;
    PushRole role = PushRole::single;
    bool ok = false;
    std::optional<long> status;  // HTTP status; unset when no answer came
    std::string id;              // FCM message name or apns-id
    std::string error;           // FCM errorCode (else status), APNs reason, or what failed on the wire
    std::string message;         // the vendor's text, or the transport error's line
    std::optional<std::int64_t> timestamp;  // APNs 410: when the token stopped being valid (ms)
    ExitCode code = ExitCode::ok;  // what the outcome counts as in the exit status
    int attempts = 1;
};

// {"to","platform","ok":true,"status":200,"id"} or {"to","platform","ok":false,
// "status","error","message"} (+ "timestamp" for an APNs 410, + "push":
// "incoming"|"stop" with --cancel-after). "status" is null when no answer came.
nlohmann::ordered_json to_json(const DeviceResult& result);

// Exit codes of a device's answer (callctl(1), "send-push" > "Exit status"):
// FCM 401, 403 (but SENDER_ID_MISMATCH) and APNs 403 are auth (5): the
// OAuth token or the APNs JWT was refused; APNs 413 is bad_input (3); other
// 4xx are http_client (6), a device refusing; 5xx http_server (7).
DeviceResult fcm_result(const http::Response& response);
DeviceResult apns_result(const http::Response& response);
// No answer: status unset, error the failure in words ("connection refused"),
// message the one-line error; code 4 (130 interrupted, 2 a malformed URL).
DeviceResult transport_result(const http::TransportError& error, std::string_view what);

}  // namespace callctl::deliver
