// The payload mapping of payload.hpp (callctl(1), "Payload mapping").
#include "callctl/deliver/payload.hpp"

#include <fmt/format.h>

#include "callctl/util/json.hpp"
#include "callctl/util/strings.hpp"

namespace callctl::deliver {

using push::Json;

namespace {

constexpr auto kReplace = Json::error_handler_t::replace;

std::string compact(const Json& value) { return value.dump(-1, ' ', false, kReplace); }

bool is_object_member(const Json& object, std::string_view key) {
    const auto it = object.find(key);
    return it != object.end() && it->is_object();
}

// FCM data values must be strings; anything else travels as its JSON text.
Json string_values(const Json& map) {
    Json data = Json::object();
    for (auto it = map.begin(); it != map.end(); ++it) {
        data[it.key()] = it->is_string() ? *it : Json(compact(*it));
    }
    return data;
}

Json with_empty_aps(const Json& map) {
    Json body = map;
    body["aps"] = Json::object();  // replaces an "aps" already there, in its place
    return body;
}

// A Webex payload is an object, or JSON text of one.
std::optional<Json> webex_payload(const Json& webhook, std::string_view key) {
    const auto data = webhook.find("data");
    if (data == webhook.end() || !data->is_object()) return std::nullopt;
    const auto it = data->find(key);
    if (it == data->end()) return std::nullopt;
    if (it->is_object()) return *it;
    if (it->is_string()) {
        auto parsed = util::parse_ordered_json(it->get_ref<const std::string&>());
        if (parsed && parsed->is_object()) return std::move(*parsed);
    }
    return std::nullopt;
}

void map_webex(const Json& root, Payload& out) {
    if (auto fcm = webex_payload(root, "fcmPayload")) {
        out.fcm_data = string_values(*fcm);
    } else {
        out.fcm_missing = "this Webex webhook has no data.fcmPayload object to send to FCM";
    }
    if (auto apns = webex_payload(root, "apnsPayload")) {
        // As Cisco's forwarder sends it: {...apnsPayload, "aps":{}, "content-available":1}.
        Json body = with_empty_aps(*apns);
        body["content-available"] = 1;
        out.apns_body = std::move(body);
    } else {
        out.apns_missing = "this Webex webhook has no data.apnsPayload object to send to APNs";
    }
}

}  // namespace

std::string_view to_string(Platform platform) { return platform == Platform::fcm ? "fcm" : "apns"; }

std::string_view to_string(PushType type) {
    switch (type) {
    case PushType::voip: return "voip";
    case PushType::alert: return "alert";
    case PushType::background: return "background";
    }
    return "voip";
}

Result<PushType> parse_push_type(std::string_view text) {
    const std::string name = util::to_lower(util::trim(text));
    if (name == "voip") return PushType::voip;
    if (name == "alert") return PushType::alert;
    if (name == "background") return PushType::background;
    return make_error(ExitCode::usage, fmt::format("unknown --push-type '{}' (expected voip, alert or background)", text));
}

std::string_view to_string(Priority priority) { return priority == Priority::high ? "high" : "normal"; }

Result<Priority> parse_priority(std::string_view text) {
    const std::string name = util::to_lower(util::trim(text));
    if (name == "high") return Priority::high;
    if (name == "normal") return Priority::normal;
    return make_error(ExitCode::usage, fmt::format("unknown --priority '{}' (expected high or normal)", text));
}

std::string_view to_string(PayloadShape shape) {
    switch (shape) {
    case PayloadShape::data_map: return "data map";
    case PayloadShape::fcm_v1: return "FCM v1 message";
    case PayloadShape::fcm_legacy: return "legacy FCM body";
    case PayloadShape::apns: return "APNs body";
    case PayloadShape::webhook: return "webhook";
    }
    return "data map";
}

bool Payload::is_intercom_incoming() const { return vendor == push::Vendor::intercom && event == "call.incoming"; }

Result<Payload> map_payload(std::string_view raw) {
    // decode-push decides what is a push: the same vendors, wrappers and errors.
    auto decoded = push::decode(raw, push::DecodeOptions{});
    if (!decoded) {
        Error error = std::move(decoded).error();
        if (util::starts_with(error.message, "unknown push payload")) {
            return make_error(ExitCode::bad_input,
                              "not a push payload callctl knows (an intercom push, an FCM or APNs body, a Kaleyra or Webex webhook)",
                              "`callctl decode-push FILE` shows how callctl reads it");
        }
        return make_error(ExitCode::bad_input, std::move(error.message), std::move(error.hint));
    }
    const Json& normalized = decoded->normalized;
    const std::string vendor_name = normalized.value("vendor", "");
    auto vendor = push::parse_vendor(vendor_name);
    if (!vendor) return make_error(ExitCode::internal, fmt::format("decode-push named an unknown vendor '{}'", vendor_name));

    Payload out;
    out.vendor = *vendor;
    out.event = normalized.value("event", "");
    if (const auto device = normalized.find("iot_device_id"); device != normalized.end() && device->is_string()) {
        out.iot_device_id = device->get<std::string>();
    }

    auto parsed = util::parse_ordered_json(raw);  // decode() has parsed it already: cannot fail
    if (!parsed) return make_error(ExitCode::bad_input, parsed.error().message);
    const Json root = std::move(*parsed);
    // "aps" first: an APNs body carries the vendor's keys beside it.
    if (is_object_member(root, "aps")) {
        out.shape = PayloadShape::apns;
    } else if (push::detect(root).has_value()) {
        out.shape = out.vendor == push::Vendor::intercom ? PayloadShape::data_map : PayloadShape::webhook;
    } else if (is_object_member(root, "message")) {
        out.shape = PayloadShape::fcm_v1;
    } else if (is_object_member(root, "data")) {
        out.shape = PayloadShape::fcm_legacy;
    }

    switch (out.shape) {
    case PayloadShape::webhook:
        if (out.vendor == push::Vendor::webex) {
            map_webex(root, out);
        } else {
            // Kaleyra: Android apps receive the body as the string in data.message.
            out.fcm_data = Json{{"message", compact(root)}};
            out.apns_body = with_empty_aps(root);
        }
        break;
    case PayloadShape::fcm_v1: {
        const Json& message = root["message"];
        const Json data = is_object_member(message, "data") ? message["data"] : Json::object();
        out.fcm_data = string_values(data);
        out.apns_body = with_empty_aps(data);
        break;
    }
    case PayloadShape::fcm_legacy:
        out.fcm_data = string_values(root["data"]);
        out.apns_body = with_empty_aps(root["data"]);
        break;
    case PayloadShape::apns: {
        Json custom = root;
        custom.erase("aps");
        out.fcm_data = string_values(custom);
        out.apns_body = root;
        break;
    }
    case PayloadShape::data_map:
        out.fcm_data = string_values(root);
        out.apns_body = with_empty_aps(root);
        break;
    }
    return out;
}

Result<Payload> matching_stop_push(const Payload& incoming) {
    if (!incoming.is_intercom_incoming() || !incoming.iot_device_id) {
        return make_error(ExitCode::usage, "--cancel-after follows an intercom incoming-call push (Call.Incoming) only");
    }
    const Json stop = {{"type", "Call.StopIncoming"}, {"iotDeviceId", *incoming.iot_device_id}};
    return map_payload(compact(stop));
}

std::string fcm_data_text(const Json& data) { return compact(data); }
std::string apns_body_text(const Json& body) { return compact(body); }

Status check_deliverable(const Payload& payload, Platform platform, PushType push_type) {
    if (platform == Platform::fcm) {
        if (!payload.fcm_data) return make_error(ExitCode::bad_input, payload.fcm_missing);
        const std::size_t bytes = fcm_data_text(*payload.fcm_data).size();
        if (bytes > fcm_data_limit) {
            return make_error(ExitCode::bad_input,
                              fmt::format("the payload is too big for FCM: message.data is {} bytes as JSON, the limit is {}",
                                          bytes, fcm_data_limit),
                              "nothing was sent");
        }
        return {};
    }
    if (!payload.apns_body) return make_error(ExitCode::bad_input, payload.apns_missing);
    const std::size_t bytes = apns_body_text(*payload.apns_body).size();
    const std::size_t limit = push_type == PushType::voip ? apns_voip_limit : apns_body_limit;
    if (bytes > limit) {
        return make_error(ExitCode::bad_input,
                          fmt::format("the payload is too big for an APNs {} push: the body is {} bytes, the limit is {}",
                                      to_string(push_type), bytes, limit),
                          "nothing was sent");
    }
    return {};
}

}  // namespace callctl::deliver
