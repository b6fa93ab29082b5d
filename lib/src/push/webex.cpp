// Webex Calling "telephony_push" webhooks (protocols.md §4, seed 003). The
// payloads inside are not public: they are passed through untouched.
#include <fmt/format.h>

#include "push/push_internal.hpp"

namespace callctl::push::detail {

namespace {

// Envelope keys → readable names, in output order.
constexpr std::pair<std::string_view, std::string_view> envelope_fields[] = {
    {"id", "webhook_id"},   {"name", "webhook_name"}, {"actorId", "actor_id"}, {"orgId", "org_id"},
    {"createdBy", "created_by"}, {"appId", "app_id"}, {"ownedBy", "owned_by"}, {"status", "status"},
    {"created", "created"}, {"targetUrl", "target_url"},
};

// A payload that came as JSON text is shown parsed; --extract still quotes
// the text itself.
Json readable_payload(const Json& payload) {
    if (!payload.is_string()) return payload;
    Json parsed = Json::parse(payload.get_ref<const std::string&>(), nullptr, /*allow_exceptions=*/false);
    return parsed.is_discarded() ? payload : parsed;
}

}  // namespace

Result<Decoded> decode_webex(Json data, const DecodeOptions& options) {
    const auto* resource = string_member(data, "resource");
    if (resource == nullptr) return make_error(ExitCode::bad_input, "not a Webex webhook: \"resource\" is missing or not a string");
    const auto* webhook_event = string_member(data, "event");
    const std::string vendor_event = webhook_event ? fmt::format("{}:{}", *resource, *webhook_event) : *resource;

    Decoded result;
    Json& out = result.normalized;
    out["vendor"] = "webex";
    // telephony_push "updated" is only ever sent for a new incoming call.
    out["event"] = vendor_event == "telephony_push:updated" ? "call.incoming" : vendor_event;
    out["vendor_event"] = vendor_event;
    for (const auto& [key, name] : envelope_fields) copy_if_present(data, key, out, name);

    static const Json no_payloads = Json::object();
    const auto body_it = data.find("data");
    const Json& body = body_it != data.end() && body_it->is_object() ? *body_it : no_payloads;
    const auto fcm = body.find("fcmPayload");
    const auto apns = body.find("apnsPayload");
    if (fcm != body.end()) out["fcm_payload"] = readable_payload(*fcm);
    if (apns != body.end()) out["apns_payload"] = readable_payload(*apns);

    if (options.extract != Extract::none) {
        const bool want_fcm = options.extract == Extract::fcm;
        const auto it = want_fcm ? fcm : apns;
        if (it == body.end()) {
            return make_error(ExitCode::bad_input,
                              fmt::format("this Webex webhook has no data.{}", want_fcm ? "fcmPayload" : "apnsPayload"));
        }
        // Forwarded "unaltered": JSON text verbatim, an object compactly in
        // the key order it was sent in (ordered_json keeps it).
        result.extracted = it->is_string() ? it->get<std::string>() : it->dump(-1, ' ', false, Json::error_handler_t::replace);
    }
    return result;
}

}  // namespace callctl::push::detail
