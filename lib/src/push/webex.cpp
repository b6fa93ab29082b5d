// Webex Calling "telephony_push" webhooks (callctl(1), WIRE FORMATS, "Webex webhooks").
// The envelope and data fields get readable names; the FCM and APNs payloads
// are shown with their embedded JSON text decoded (webhookTelephonyPush
// above all, also given readable names as "telephony_push"); --extract gives
// a payload exactly as it was received, for forwarding unaltered.
#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "push/push_internal.hpp"

namespace callctl::push::detail {

namespace {

// Envelope keys → readable names, in output order: the seed's backend looks
// the user up by actorId, Cisco's forwarders by createdBy, so they sit side by side.
constexpr std::pair<std::string_view, std::string_view> envelope_fields[] = {
    {"id", "webhook_id"},     {"name", "webhook_name"}, {"actorId", "actor_id"}, {"createdBy", "created_by"},
    {"orgId", "org_id"},      {"appId", "app_id"},      {"ownedBy", "owned_by"}, {"status", "status"},
    {"created", "created"},   {"targetUrl", "target_url"}, {"filter", "filter"},
};
// Keys of the envelope that the output carries in another form.
constexpr std::string_view envelope_consumed[] = {"resource", "event", "data"};

// data.* beside the two payloads.
constexpr std::pair<std::string_view, std::string_view> data_fields[] = {
    {"id", "resource_id"},         {"callId", "call_id"}, {"personId", "person_id"},
    {"personEmail", "person_email"}, {"state", "call_state"}, {"created", "resource_created"},
};
constexpr std::string_view fcm_key = "fcmPayload";
constexpr std::string_view apns_key = "apnsPayload";

// webhookTelephonyPush, as the Android SDK reads it.
constexpr std::string_view telephony_push_key = "webhookTelephonyPush";
constexpr std::pair<std::string_view, std::string_view> telephony_push_fields[] = {
    {"name", "name"},
    {"number", "number"},
    {"pushId", "push_id"},
    {"externalTrackingId", "external_tracking_id"},
    {"version", "version"},
};

// Embedded JSON text nests a level or two (a payload string, a value inside
// it); bounded so a hostile payload cannot make us recurse without end.
constexpr int max_embedded_depth = 8;

template <std::size_t N>
bool is_one_of(std::string_view key, const std::pair<std::string_view, std::string_view> (&fields)[N]) {
    for (const auto& field : fields) {
        if (field.first == key) return true;
    }
    return false;
}

bool looks_like_json_text(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    return first != std::string::npos && (text[first] == '{' || text[first] == '[');
}

// Every string inside `value` that holds a JSON object or array is replaced
// by what it holds (callctl(1): never JSON text in the normalised output). A
// webhookTelephonyPush that does not parse stays a string, with a warning.
void decode_embedded(Json& value, int depth, std::vector<std::string>& warnings) {
    if (depth >= max_embedded_depth) return;
    if (value.is_object()) {
        for (auto it = value.begin(); it != value.end(); ++it) {
            Json& member = it.value();
            if (member.is_string()) {
                const auto& text = member.get_ref<const std::string&>();
                Json parsed = looks_like_json_text(text) ? parse_embedded(text) : Json(Json::value_t::discarded);
                if (!parsed.is_discarded()) {
                    member = std::move(parsed);
                } else if (it.key() == telephony_push_key) {
                    warnings.push_back(json_nesting(text) > max_json_nesting
                                           ? fmt::format("{} nests deeper than {} levels; it is shown as sent",
                                                         telephony_push_key, max_json_nesting)
                                           : fmt::format("{} is not JSON text; it is shown as sent", telephony_push_key));
                }
            }
            decode_embedded(member, depth + 1, warnings);
        }
    } else if (value.is_array()) {
        for (auto& item : value) {
            if (item.is_string() && looks_like_json_text(item.get_ref<const std::string&>())) {
                Json parsed = parse_embedded(item.get_ref<const std::string&>());
                if (!parsed.is_discarded()) item = std::move(parsed);
            }
            decode_embedded(item, depth + 1, warnings);
        }
    }
}

// A payload as shown in the output: JSON text parsed, embedded text decoded.
Json readable_payload(const Json& payload, std::vector<std::string>& warnings) {
    Json shown = payload;
    if (shown.is_string() && looks_like_json_text(shown.get_ref<const std::string&>())) {
        Json parsed = parse_embedded(shown.get_ref<const std::string&>());
        if (!parsed.is_discarded()) shown = std::move(parsed);
    }
    decode_embedded(shown, 0, warnings);
    return shown;
}

// The first decoded webhookTelephonyPush object in a payload: at its top, or
// inside a member (a forwarder such as AWS Pinpoint nests the payload as
// JSON text under its own key, which decode_embedded has opened).
const Json* find_telephony_push(const Json& payload, int depth = 0) {
    if (!payload.is_object() || depth >= max_embedded_depth) return nullptr;
    if (const auto it = payload.find(telephony_push_key); it != payload.end() && it->is_object()) return &*it;
    for (const auto& [key, member] : payload.items()) {
        if (const Json* found = find_telephony_push(member, depth + 1)) return found;
    }
    return nullptr;
}

Json readable_telephony_push(const Json& push) {
    Json out = Json::object();
    for (const auto& [key, name] : telephony_push_fields) copy_if_present(push, key, out, name);
    for (auto it = push.begin(); it != push.end(); ++it) {
        if (!is_one_of(it.key(), telephony_push_fields)) out[it.key()] = *it;  // the others, kept as sent
    }
    return out;
}

// ---- --extract: the payload's own bytes

std::size_t skip_space(std::string_view text, std::size_t i) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
    return i;
}

// The end of the JSON string starting at text[i] == '"', or npos.
std::size_t skip_string(std::string_view text, std::size_t i) {
    for (++i; i < text.size(); ++i) {
        if (text[i] == '\\') ++i;
        else if (text[i] == '"') return i + 1;
    }
    return std::string_view::npos;
}

// The end of the JSON value starting at text[i], or npos. Only finds the
// extent; the caller checks the bytes by parsing them.
std::size_t skip_value(std::string_view text, std::size_t i) {
    if (i >= text.size()) return std::string_view::npos;
    if (text[i] == '"') return skip_string(text, i);
    if (text[i] != '{' && text[i] != '[') {
        while (i < text.size() && std::string_view(",}] \t\r\n").find(text[i]) == std::string_view::npos) ++i;
        return i;
    }
    std::size_t depth = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (c == '"') {
            i = skip_string(text, i);
            if (i == std::string_view::npos) return i;
            continue;
        }
        if (c == '{' || c == '[') ++depth;
        else if ((c == '}' || c == ']') && --depth == 0) return i + 1;
        ++i;
    }
    return std::string_view::npos;
}

// The raw bytes of member `key` of the object `text` (which starts with '{'),
// the last one when repeated (as the parser keeps the last). Keys written
// with escapes are not matched; the caller falls back then.
std::optional<std::string_view> raw_member(std::string_view text, std::string_view key) {
    std::optional<std::string_view> found;
    std::size_t i = skip_space(text, 0);
    if (i >= text.size() || text[i] != '{') return std::nullopt;
    i = skip_space(text, i + 1);
    if (i < text.size() && text[i] == '}') return std::nullopt;
    while (i < text.size()) {
        if (text[i] != '"') return std::nullopt;
        const std::size_t key_end = skip_string(text, i);
        if (key_end == std::string_view::npos) return std::nullopt;
        const std::string_view name = text.substr(i + 1, key_end - i - 2);
        i = skip_space(text, key_end);
        if (i >= text.size() || text[i] != ':') return std::nullopt;
        i = skip_space(text, i + 1);
        const std::size_t value_end = skip_value(text, i);
        if (value_end == std::string_view::npos) return std::nullopt;
        if (name == key) found = text.substr(i, value_end - i);
        i = skip_space(text, value_end);
        if (i < text.size() && text[i] == '}') return found;
        if (i >= text.size() || text[i] != ',') return std::nullopt;
        i = skip_space(text, i + 1);
    }
    return std::nullopt;
}

// The payload for --extract: JSON text verbatim; an object as the bytes it
// was received as when the body is the webhook itself, else (a wrapped body)
// compactly in the key order it was sent in.
std::string extracted_text(const Json& payload, std::string_view raw_payload, std::string_view key) {
    if (payload.is_string()) return payload.get<std::string>();
    if (const auto data = raw_member(raw_payload, "data")) {
        if (const auto raw = raw_member(*data, key)) {
            const Json reparsed = parse_embedded(*raw);
            if (!reparsed.is_discarded() && reparsed == payload) return std::string(*raw);
        }
    }
    return payload.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

Result<Decoded> decode_webex(Json data, std::string_view raw_payload, const DecodeOptions& options,
                             const std::optional<SignatureCheck>& signature) {
    const auto* resource = string_member(data, "resource");
    if (resource == nullptr) return make_error(ExitCode::bad_input, "not a Webex webhook: \"resource\" is missing or not a string");
    const auto* webhook_event = string_member(data, "event");
    const std::string vendor_event = webhook_event ? fmt::format("{}:{}", *resource, *webhook_event) : *resource;

    Decoded result;
    Json& out = result.normalized;
    out["vendor"] = "webex";
    // A telephony_push webhook is only ever sent for a new incoming call (a
    // NewCall notification, in Cisco's Webex Calling guide), whatever its "event" says.
    out["event"] = *resource == "telephony_push" ? "call.incoming" : vendor_event;
    out["vendor_event"] = vendor_event;
    if (signature) out["signature"] = signature_json(*signature);
    for (const auto& [key, name] : envelope_fields) copy_if_present(data, key, out, name);

    static const Json no_body = Json::object();
    const auto body_it = data.find("data");
    const Json& body = body_it != data.end() && body_it->is_object() ? *body_it : no_body;
    for (const auto& [key, name] : data_fields) copy_if_present(body, key, out, name);

    const auto fcm = body.find(fcm_key);
    const auto apns = body.find(apns_key);
    Json fcm_shown, apns_shown;
    if (fcm != body.end()) fcm_shown = readable_payload(*fcm, result.warnings);
    if (apns != body.end()) apns_shown = readable_payload(*apns, result.warnings);
    const Json* push = fcm != body.end() ? find_telephony_push(fcm_shown) : nullptr;
    if (push == nullptr && apns != body.end()) push = find_telephony_push(apns_shown);
    if (push != nullptr) out["telephony_push"] = readable_telephony_push(*push);
    if (fcm != body.end()) out["fcm_payload"] = std::move(fcm_shown);
    if (apns != body.end()) out["apns_payload"] = std::move(apns_shown);

    // What Webex sends beyond the documented fields is kept, not dropped.
    Json extra = Json::object();
    for (auto it = data.begin(); it != data.end(); ++it) {
        const bool consumed = std::find(std::begin(envelope_consumed), std::end(envelope_consumed), it.key()) !=
                              std::end(envelope_consumed);
        if (!consumed && !is_one_of(it.key(), envelope_fields)) extra[it.key()] = *it;
    }
    Json extra_data = Json::object();
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (it.key() != fcm_key && it.key() != apns_key && !is_one_of(it.key(), data_fields)) extra_data[it.key()] = *it;
    }
    if (body_it != data.end() && !body_it->is_object()) extra_data = *body_it;  // a "data" of another kind
    if (!extra_data.empty()) extra["data"] = std::move(extra_data);
    if (!extra.empty()) out["extra"] = std::move(extra);

    if (options.extract != Extract::none) {
        const bool want_fcm = options.extract == Extract::fcm;
        const auto it = want_fcm ? fcm : apns;
        if (it == body.end()) {
            return make_error(ExitCode::bad_input,
                              fmt::format("this Webex webhook has no data.{}", want_fcm ? fcm_key : apns_key));
        }
        result.extracted = extracted_text(*it, raw_payload, want_fcm ? fcm_key : apns_key);
    }
    return result;
}

}  // namespace callctl::push::detail
