// Kaleyra Video (ex Bandyer) webhooks and the pushes built from them
// (callctl(1), WIRE FORMATS, "Kaleyra webhooks"): v0 bodies and v1 envelopes.
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

namespace detail {

Result<Decoded> decode_kaleyra(Json data, const DecodeOptions& options, const std::optional<SignatureCheck>& signature) {
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
    if (signature) {
        out["signature"] = signature_json(*signature);
        warn_if_replayed(*signature, options, result);
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
