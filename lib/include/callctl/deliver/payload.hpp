// The one mapping from a push payload (anything `decode-push` reads) to what
// FCM HTTP v1 and APNs receive, and the size limits checked before anything
// is sent. callctl(1), "send-push" > "Payload mapping", documents it; this
// file is the only implementation.
//
//   input (as decode-push recognises it)  FCM message.data             APNs body
//   intercom push (bare data map)         the map                      the map's keys + "aps":{}
//   FCM v1 {"message":{"data":{…}}}       its data                     data's keys + "aps":{}
//   legacy FCM {"to":…,"data":{…}}        its data                     data's keys + "aps":{}
//   APNs body {"aps":{…},…}               the keys beside "aps"        the body as is
//   Kaleyra webhook body                  {"message":"<the body>"}     the body's keys + "aps":{}
//   Webex telephony_push webhook          data.fcmPayload as is        {…data.apnsPayload,"aps":{},"content-available":1}
//
// FCM data values are strings: a value that is not is sent as its compact
// JSON text. Key order is kept as sent.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "callctl/error.hpp"
#include "callctl/push/push.hpp"

namespace callctl::deliver {

enum class Platform { fcm, apns };
std::string_view to_string(Platform platform);  // "fcm", "apns"

enum class PushType { voip, alert, background };
std::string_view to_string(PushType type);  // the apns-push-type value
Result<PushType> parse_push_type(std::string_view text);  // case-insensitive; usage (2) otherwise

enum class Priority { high, normal };
std::string_view to_string(Priority priority);  // "high", "normal"
Result<Priority> parse_priority(std::string_view text);

// How the payload came.
enum class PayloadShape { data_map, fcm_v1, fcm_legacy, apns, webhook };
std::string_view to_string(PayloadShape shape);  // "data map", "FCM v1 message", ...

struct Payload {
    push::Vendor vendor = push::Vendor::intercom;
    std::string event;  // decode-push's normalised event ("call.incoming", ...)
    PayloadShape shape = PayloadShape::data_map;
    // What each service gets. Unset when the payload has nothing for it (a
    // Webex webhook without data.fcmPayload), and then `*_missing` says why.
    std::optional<push::Json> fcm_data;   // an object whose values are all strings
    std::optional<push::Json> apns_body;  // an object
    std::string fcm_missing;
    std::string apns_missing;
    std::optional<std::string> iot_device_id;  // intercom pushes

    // An intercom "Call.Incoming" push: what --cancel-after follows up.
    bool is_intercom_incoming() const;
};

// Parses and maps `raw`. A payload decode-push cannot read is bad_input (3),
// with decode-push's reason.
Result<Payload> map_payload(std::string_view raw);

// --cancel-after: the stop push matching an intercom incoming-call push,
// {"type":"Call.StopIncoming","iotDeviceId":<the same device>} (what
// `encode-push --type stop` makes), mapped like any other payload.
Result<Payload> matching_stop_push(const Payload& incoming);

// ---- sizes, checked before anything is sent
inline constexpr std::size_t fcm_data_limit = 4096;   // message.data
inline constexpr std::size_t apns_body_limit = 4096;  // alert and background pushes
inline constexpr std::size_t apns_voip_limit = 5120;  // VoIP pushes

// What is measured: for FCM the compact JSON text of message.data
// ({"k":"v",...}, at least what FCM counts), for APNs the request body as
// sent. Both in bytes of UTF-8.
std::string fcm_data_text(const push::Json& data);
std::string apns_body_text(const push::Json& body);

// bad_input (3) when the payload has nothing for `platform` or is too big
// for it: "the payload is too big for an APNs voip push: the body is 5200
// bytes, the limit is 5120".
Status check_deliverable(const Payload& payload, Platform platform, PushType push_type);

}  // namespace callctl::deliver
