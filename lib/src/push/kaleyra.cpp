// Kaleyra Video (ex Bandyer) webhooks and the pushes built from them
// (protocols.md §4, seed 001): v0 bodies and v1 envelopes.
#include <charconv>

#include <fmt/format.h>

#include "callctl/crypto/crypto.hpp"
#include "callctl/util/strings.hpp"
#include "push/push_internal.hpp"

namespace callctl::push {

namespace {

std::string_view event_name(std::string_view vendor_event) {
    if (vendor_event == "on_call_incoming") return "call.incoming";
    if (vendor_event == "on_missed_call") return "call.missed";
    if (vendor_event == "on_message_sent") return "message";
    if (vendor_event == "on_room_deleted") return "room.deleted";
    return vendor_event;
}

Error malformed_signature() {
    return make_error(ExitCode::usage, "malformed signature header: expected t=<unix time>,v0=<hex HMAC-SHA256>");
}

// users[]: {"user":{"userAlias":…},"status":…}; older bodies put the alias
// straight in "user" or "userAlias".
Json callee_from_user(const Json& entry) {
    Json callee;
    if (!entry.is_object()) return entry;
    const auto user = entry.find("user");
    if (user != entry.end() && user->is_object() && user->contains("userAlias")) {
        callee["user"] = (*user)["userAlias"];
    } else if (user != entry.end()) {
        callee["user"] = *user;
    } else {
        detail::copy_if_present(entry, "userAlias", callee, "user");
    }
    detail::copy_if_present(entry, "status", callee, "status");
    return callee;
}

Json callee_from_called_user(const Json& entry) {
    if (!entry.is_object()) return entry;
    Json callee;
    detail::copy_if_present(entry, "user_id", callee, "user");
    detail::copy_if_present(entry, "status", callee, "status");
    return callee;
}

template <class Convert>
void copy_array(const Json& object, std::string_view key, Json& out, std::string_view out_key, Convert convert) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_array()) return;
    Json list = Json::array();
    for (const auto& entry : *it) list.push_back(convert(entry));
    out[std::string(out_key)] = std::move(list);
}

void decode_call_incoming(const Json& body, Json& out) {
    detail::copy_if_present(body, "initiator", out, "caller");
    copy_array(body, "users", out, "callees", callee_from_user);
    const auto options_it = body.find("options");
    if (options_it == body.end() || !options_it->is_object()) return;
    const Json& options = *options_it;
    detail::copy_if_present(options, "callType", out, "call_type");
    Json recording = Json::object();
    detail::copy_if_present(options, "record", recording, "enabled");
    if (options.contains("recordingType")) {
        recording["type"] = options["recordingType"];
    } else {
        detail::copy_if_present(options, "recording", recording, "type");  // the older spelling
    }
    if (!recording.empty()) out["recording"] = std::move(recording);
    detail::copy_if_present(options, "creationDate", out, "created_at");
    detail::copy_if_present(options, "live", out, "live");
    detail::copy_if_present(options, "duration", out, "duration");
}

}  // namespace

Result<long long> verify_kaleyra_signature(std::string_view header, std::string_view secret, std::string_view raw_body) {
    std::string_view value = util::trim(header);
    if (const auto colon = value.find(':'); colon != std::string_view::npos) {
        if (!util::iequals(util::trim(value.substr(0, colon)), "bandyer-signature")) return malformed_signature();
        value = util::trim(value.substr(colon + 1));
    }
    if (secret.empty()) return make_error(ExitCode::usage, "the signature secret is empty");

    std::string timestamp;
    std::vector<std::string> signatures;
    for (const auto& part : util::split(value, ',')) {
        const std::string_view item = util::trim(part);
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) return malformed_signature();
        const std::string_view name = util::trim(item.substr(0, eq));
        const std::string_view text = util::trim(item.substr(eq + 1));
        if (name == "t") {
            timestamp = std::string(text);
        } else if (name == "v0") {
            auto mac = crypto::hex_decode(text);
            if (!mac || mac->size() != 32) return malformed_signature();
            signatures.push_back(std::move(*mac));
        }  // other schemes (v1, …) are for other verifiers
    }
    long long signed_at = 0;
    const auto parsed = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), signed_at);
    if (timestamp.empty() || parsed.ec != std::errc{} || parsed.ptr != timestamp.data() + timestamp.size() ||
        signatures.empty()) {
        return malformed_signature();
    }

    std::string signed_payload;
    signed_payload.reserve(timestamp.size() + 1 + raw_body.size());
    signed_payload.append(timestamp).append(".").append(raw_body);
    const std::string expected = crypto::hmac_sha256(secret, signed_payload);
    bool match = false;
    for (const auto& mac : signatures) match = crypto::constant_time_equal(mac, expected) || match;
    if (!match) return make_error(ExitCode::push_crypto, "signature does not match");
    return signed_at;
}

namespace detail {

Result<Decoded> decode_kaleyra(Json data, const DecodeOptions& options, std::optional<long long> signed_at) {
    const auto* vendor_event = string_member(data, "event");
    if (vendor_event == nullptr) return make_error(ExitCode::bad_input, "not a Kaleyra push: \"event\" is missing or not a string");
    const auto body_it = data.find("data");
    static const Json no_body = Json::object();
    const Json& body = body_it != data.end() ? *body_it : no_body;

    Decoded result;
    Json& out = result.normalized;
    out["vendor"] = "kaleyra";
    out["event"] = event_name(*vendor_event);
    out["vendor_event"] = *vendor_event;
    copy_if_present(data, "event_version", out, "event_version");
    copy_if_present(data, "namespace", out, "namespace");
    if (const auto ts = data.find("timestamp"); ts != data.end()) {
        out["timestamp"] = ts->is_number() ? Json(iso8601_utc_millis(ts->get<long long>())) : *ts;
    }
    if (signed_at) {
        out["signature"] = Json{{"verified", true}, {"signed_at", iso8601_utc(*signed_at)}};
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(options.now.time_since_epoch()).count();
        const long long age = now - *signed_at;
        // A valid signature on an old body is how a replay looks.
        if (age > 300 || age < -300) {
            result.warnings.push_back(fmt::format("the signature was made {} s {} now: check for a replayed webhook",
                                                  age < 0 ? -age : age, age < 0 ? "after" : "before"));
        }
    }
    if (data.contains("room_id")) {
        out["room_id"] = data["room_id"];
    } else {
        copy_if_present(body, "roomAlias", out, "room_id");
    }

    if (*vendor_event == "on_call_incoming") {
        decode_call_incoming(body, out);
    } else if (*vendor_event == "on_missed_call") {
        copy_if_present(body, "caller_id", out, "caller");
        copy_array(body, "called_users", out, "callees", callee_from_called_user);
    } else if (body_it != data.end()) {
        out["data"] = *body_it;  // shapes not public: pass through
    }
    return result;
}

}  // namespace detail

}  // namespace callctl::push
