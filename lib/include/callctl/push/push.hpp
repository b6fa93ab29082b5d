// Push payloads (callctl(1), decode-push and WIRE FORMATS): unwrap → detect the vendor → decode into one
// normalised JSON object per push; and the inverse for intercom pushes.
// Nothing here prints: results are data, failures are Errors.
//
// Exit codes, decided once for every decoder:
//   bad_input (3)   not JSON, not an object, fields missing or of the wrong type,
//                   an undetectable vendor, a key that is not 32 bytes
//   push_crypto (9) anything about an encrypted blob: not base64, shorter than
//                   IV + one block, not whole blocks, bad padding / wrong key,
//                   plaintext that is not JSON; a webhook signature that does
//                   not match or is outside --tolerance;
//                   Decoded::status when require_decrypt and a field stayed encrypted
//   usage (2)       option problems: unknown --vendor/--extract/--wrap values,
//                   --extract on a non-Webex push, a malformed --signature value
//                   or one on an intercom push,
//                   --signature without a secret (or the reverse)
//
// Normalised output (key order is fixed, as listed; absent inputs are omitted):
//   intercom  vendor, event, vendor_event, iot_device_id, call_id, video, audio, extra
//             video/audio: the decrypted JSON as sent (audio gains "jwt": {verified:false,
//             header, claims, expires_at, expired}), or {"encrypted":true,"ciphertext_bytes":N}
//   kaleyra   vendor, event, vendor_event, [event_version, namespace, timestamp], signature{verified,signed_at},
//             room_id, then per event: caller, callees[{user,status}], call_type,
//             recording{enabled,type}, created_at, live, duration — or data (passed through)
//   webex     vendor, event, vendor_event, webhook_id, webhook_name, actor_id, org_id,
//             created_by, app_id, owned_by, status, created, target_url, fcm_payload, apns_payload
// event: call.incoming | call.stop | call.missed | message | room.deleted | <vendor event as sent>
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/error.hpp"

namespace callctl::push {

// Insertion-ordered so output keys come out in the documented order and
// pass-through objects keep the order they were sent in.
using Json = nlohmann::ordered_json;

enum class Vendor { auto_detect, intercom, kaleyra, webex };
std::string_view to_string(Vendor vendor);  // "auto", "intercom", "kaleyra", "webex"
// Case-insensitive; "bandyer" is accepted for kaleyra. Unknown names are usage (2).
Result<Vendor> parse_vendor(std::string_view text);

// decode-push --extract: the Webex payload forwarded to one platform.
enum class Extract { none, fcm, apns };
Result<Extract> parse_extract(std::string_view text);  // "fcm" | "apns", case-insensitive

struct DecodeOptions {
    Vendor vendor = Vendor::auto_detect;
    std::optional<std::string> key;  // 32 raw bytes (crypto::parse_key); none: fields stay encrypted
    bool require_decrypt = false;    // a field left encrypted makes Decoded::status push_crypto
    // Webhook signature (Kaleyra or Webex; see push/signature.hpp): the header
    // value, the secret it is keyed with, and how far a Kaleyra v1 t may be
    // from `now` (zero: not checked).
    std::optional<std::string> signature_header;
    std::optional<std::string> signature_secret;
    std::chrono::seconds signature_tolerance{0};
    Extract extract = Extract::none;
    // For JWT expiry and the signature's age.
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

struct Decoded {
    Json normalized;
    std::vector<std::string> warnings;  // for stderr, e.g. "video stayed encrypted: no key (...)"
    ExitCode status = ExitCode::ok;     // push_crypto when require_decrypt and something stayed encrypted
    std::optional<std::string> extracted;  // --extract: the payload text exactly as received (compact)
};

// The whole pipeline on one raw payload (a file, or one line of --stream).
Result<Decoded> decode(std::string_view raw_payload, const DecodeOptions& options);

// Strips transport wrappers down to the vendor's data map: a bare map, an FCM
// v1 message {"message":{"data":…}}, a legacy FCM body {"to":…,"data":…}, an
// APNs body {"aps":…, custom keys} ("aps" is dropped), and JSON text inside
// string values (parsed again, e.g. Kaleyra's body in data.message). Returns
// the innermost map it reached; detection decides whether that is a push.
Result<Json> unwrap(const Json& payload);
Result<Json> unwrap(Json&& payload);

// Which vendor a data map (after unwrap) belongs to; bad_input when none fits.
Result<Vendor> detect(const Json& data);

// `answer --from-push`: the intercom device id, readable without the key.
std::optional<std::string> find_iot_device_id(std::string_view raw_payload);

// Release 0.1's Kaleyra check, kept for its callers: a v1 value
// ("t=…,v0=…") only, no tolerance; returns t in Unix seconds (a t in
// milliseconds is rounded down). Malformed: usage (2); mismatch: push_crypto
// (9). New code uses verify_signature (callctl/push/signature.hpp).
Result<long long> verify_kaleyra_signature(std::string_view header, std::string_view secret,
                                           std::string_view raw_body);

// --stream: the object written in place of a line that failed.
Json stream_error(const Error& error, std::size_t line_number);

// ---- encode-push (intercom only: the one vendor whose pushes callctl can forge)
enum class Wrap { none, fcm_v1, fcm_legacy, apns };
std::string_view to_string(Wrap wrap);       // "none", "fcm-v1", "fcm-legacy", "apns"
Result<Wrap> parse_wrap(std::string_view text);  // usage (2) when unknown

struct IntercomEncodeOptions {
    std::string type;  // "incoming" | "stop" (the wire names Call.Incoming / Call.StopIncoming work too)
    std::string device_id;
    std::optional<std::string> call_id;
    std::optional<std::string> video_json;  // {"url","username","password"}; incoming only
    std::optional<std::string> audio_json;  // {"roomName","domain","jsonWebToken"}; incoming only
    std::string key;                        // 32 raw bytes
    Wrap wrap = Wrap::none;
    std::optional<std::string> fcm_token;  // message.token (v1), "to" (legacy); omitted when absent
};
// The payload as compact JSON. Each credential is re-serialised compactly and
// sealed with a fresh random IV. Bad type / device / stop with credentials:
// usage (2); credentials that are not JSON objects or a bad key: bad_input (3).
Result<std::string> encode_intercom(const IntercomEncodeOptions& options);

}  // namespace callctl::push
