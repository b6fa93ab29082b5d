#include "push_cli.hpp"

#include <fmt/format.h>

#include "callctl/api/token.hpp"
#include "callctl/crypto/crypto.hpp"
#include "callctl/output/json.hpp"
#include "callctl/util/fs.hpp"
#include "callctl/util/time.hpp"

namespace callctl::cli {

namespace {

using push::Json;
using Fields = std::vector<std::pair<std::string, std::string>>;

// Strings unquoted, other values as compact JSON, null as nothing.
std::string scalar_text(const Json& value) {
    if (value.is_null()) return {};
    return value.is_string() ? value.get<std::string>() : value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string text_of(const Json& object, std::string_view key) {
    if (!object.is_object()) return {};
    const auto it = object.find(key);
    return it == object.end() ? std::string() : scalar_text(*it);
}

void add_if(Fields& fields, std::string label, std::string value) {
    if (!value.empty()) fields.emplace_back(std::move(label), std::move(value));
}

std::string event_text(const Json& normalized) {
    const std::string event = text_of(normalized, "event");
    const std::string vendor_event = text_of(normalized, "vendor_event");
    return vendor_event.empty() || vendor_event == event ? event : fmt::format("{} ({})", event, vendor_event);
}

bool stayed_encrypted(const Json& field) { return field.is_object() && field.value("encrypted", false) == true; }

// "decrypted: https://cam/v (user door)"; the password is deliberately absent.
std::string credential_text(const Json& field, std::string_view name) {
    if (stayed_encrypted(field)) {
        return fmt::format("stayed encrypted ({} bytes; give --key-file or {})", text_of(field, "ciphertext_bytes"),
                           push_key_env);
    }
    std::string detail;
    if (name == "video") {
        detail = text_of(field, "url");
        if (const auto user = text_of(field, "username"); !user.empty()) detail += fmt::format(" (user {})", user);
    } else {
        detail = text_of(field, "roomName");
        if (const auto domain = text_of(field, "domain"); !domain.empty()) detail += " on " + domain;
        if (!detail.empty()) detail = "room " + detail;
    }
    return detail.empty() ? "decrypted" : "decrypted: " + detail;
}

std::string jwt_text(const Json& jwt, std::int64_t now_unix) {
    const auto claims = jwt.find("claims");
    if (claims == jwt.end() || !claims->contains("exp") || !(*claims)["exp"].is_number()) {
        return "not verified; no expiry";
    }
    const std::int64_t exp = util::json_seconds((*claims)["exp"]).value_or(0);  // a number: never nullopt
    const std::int64_t left = util::seconds_between(now_unix, exp);
    return fmt::format("not verified; expires {} ({})", api::format_unix_time(exp),
                       left > 0 ? "in " + api::format_time_left(left) : "expired");
}

void intercom_fields(const Json& n, std::int64_t now_unix, Fields& fields) {
    add_if(fields, "Device", text_of(n, "iot_device_id"));
    add_if(fields, "Call id", text_of(n, "call_id"));
    for (const std::string_view name : {"video", "audio"}) {
        const auto it = n.find(name);
        const std::string label = name == "video" ? "Video" : "Audio";
        if (it == n.end()) continue;
        fields.emplace_back(label, credential_text(*it, name));
        if (name == "audio" && it->is_object() && it->contains("jwt")) {
            fields.emplace_back("Audio JWT", jwt_text((*it)["jwt"], now_unix));
        }
    }
    if (const auto extra = n.find("extra"); extra != n.end() && extra->is_object()) {
        std::string keys;
        for (auto it = extra->begin(); it != extra->end(); ++it) keys += (keys.empty() ? "" : ", ") + it.key();
        add_if(fields, "Other fields", keys);
    }
}

std::string callees_text(const Json& n) {
    const auto callees = n.find("callees");
    if (callees == n.end() || !callees->is_array()) return {};
    std::string text;
    for (const auto& callee : *callees) {
        std::string one = callee.is_object() ? text_of(callee, "user") : scalar_text(callee);
        if (const auto status = text_of(callee, "status"); !status.empty()) one += fmt::format(" ({})", status);
        text += (text.empty() ? "" : ", ") + one;
    }
    return text;
}

// "verified (kaleyra-v1), signed 2019-04-02T08:31:42Z"
std::string signature_text(const Json& n) {
    const auto sig = n.find("signature");
    if (sig == n.end()) return "not checked (--signature VALUE --secret-file FILE)";
    std::string text = fmt::format("verified ({})", text_of(*sig, "scheme"));
    if (const auto at = text_of(*sig, "signed_at"); !at.empty()) text += ", signed " + at;
    return text;
}

void kaleyra_fields(const Json& n, Fields& fields) {
    add_if(fields, "Room", text_of(n, "room_id"));
    add_if(fields, "Caller", text_of(n, "caller"));
    add_if(fields, "Callees", callees_text(n));
    add_if(fields, "Call type", text_of(n, "call_type"));
    if (const auto rec = n.find("recording"); rec != n.end() && rec->is_object()) {
        std::string text = rec->value("enabled", false) == true ? "on" : "off";
        if (const auto type = text_of(*rec, "type"); !type.empty()) text += ", " + type;
        fields.emplace_back("Recording", text);
    }
    add_if(fields, "Created", text_of(n, "created_at"));
    add_if(fields, "Sent", text_of(n, "timestamp"));
    fields.emplace_back("Signature", signature_text(n));
    add_if(fields, "Data", text_of(n, "data"));
}

std::string payload_text(const Json& payload, std::string_view flag) {
    if (payload.is_object()) return fmt::format("{} keys (--extract {} prints it)", payload.size(), flag);
    return fmt::format("{} (--extract {} prints it)", payload.type_name(), flag);
}

void webex_fields(const Json& n, Fields& fields) {
    add_if(fields, "Actor", text_of(n, "actor_id"));
    add_if(fields, "Created by", text_of(n, "created_by"));
    add_if(fields, "Person", text_of(n, "person_email"));
    add_if(fields, "Org", text_of(n, "org_id"));
    add_if(fields, "Call id", text_of(n, "call_id"));
    add_if(fields, "Call state", text_of(n, "call_state"));
    if (const auto push = n.find("telephony_push"); push != n.end() && push->is_object()) {
        std::string caller = text_of(*push, "name");
        if (const auto number = text_of(*push, "number"); !number.empty()) {
            caller += caller.empty() ? number : fmt::format(" ({})", number);
        }
        add_if(fields, "Caller", caller);
        add_if(fields, "Push id", text_of(*push, "push_id"));
        add_if(fields, "Tracking id", text_of(*push, "external_tracking_id"));
    }
    std::string hook = text_of(n, "webhook_name");
    if (const auto id = text_of(n, "webhook_id"); !id.empty()) hook += hook.empty() ? id : fmt::format(" ({})", id);
    add_if(fields, "Webhook", hook);
    if (const auto fcm = n.find("fcm_payload"); fcm != n.end()) fields.emplace_back("FCM payload", payload_text(*fcm, "fcm"));
    if (const auto apns = n.find("apns_payload"); apns != n.end()) {
        fields.emplace_back("APNs payload", payload_text(*apns, "apns"));
    }
    fields.emplace_back("Signature", signature_text(n));
}

std::string decrypted_note(const Json& n) {
    std::string decrypted, encrypted;
    for (const std::string_view name : {"video", "audio"}) {
        const auto it = n.find(name);
        if (it == n.end()) continue;
        std::string& list = stayed_encrypted(*it) ? encrypted : decrypted;
        list += (list.empty() ? "" : "+") + std::string(name);
    }
    std::string note;
    if (!decrypted.empty()) note = decrypted + " decrypted";
    if (!encrypted.empty()) note += (note.empty() ? "" : ", ") + encrypted + " encrypted";
    return note;
}

}  // namespace

Result<std::optional<std::string>> read_push_key(const std::string& key_file, const Context& context) {
    std::string text;
    std::string origin;
    if (!key_file.empty()) {
        auto read = util::read_secret_file(key_file);
        if (!read) return read.error();
        text = std::move(*read);
        origin = key_file == "-" ? "--key-file -" : "--key-file " + key_file;
    } else if (auto env = context.env()(push_key_env); env && !env->empty()) {
        text = std::move(*env);
        origin = push_key_env;
    } else {
        return std::optional<std::string>{};
    }
    auto key = crypto::parse_key(text);
    if (!key) return make_error(key.error().code, fmt::format("{}: {}", origin, key.error().message), key.error().hint);
    return std::optional<std::string>(std::move(*key));
}

std::string render_push_summary(const Json& normalized, std::int64_t now_unix, std::size_t width, output::Style style) {
    Fields fields = {{"Vendor", text_of(normalized, "vendor")}, {"Event", event_text(normalized)}};
    const std::string vendor = text_of(normalized, "vendor");
    if (vendor == "intercom") intercom_fields(normalized, now_unix, fields);
    else if (vendor == "kaleyra") kaleyra_fields(normalized, fields);
    else if (vendor == "webex") webex_fields(normalized, fields);
    return output::render_fields(fields, width, style);
}

std::string push_summary_line(std::size_t line_number, const Json& n) {
    const std::string vendor = text_of(n, "vendor");
    std::string subject, note;
    if (vendor == "intercom") {
        subject = text_of(n, "iot_device_id");
        note = decrypted_note(n);
    } else if (vendor == "kaleyra") {
        subject = text_of(n, "room_id");
        if (const auto caller = text_of(n, "caller"); !caller.empty()) note = "caller " + caller;
        if (n.contains("signature")) note += (note.empty() ? "" : ", ") + std::string("signature verified");
    } else {
        subject = text_of(n, "actor_id");
        if (const auto by = text_of(n, "created_by"); !by.empty() && by != subject) note = "created by " + by;
        if (n.contains("signature")) note += (note.empty() ? "" : ", ") + std::string("signature verified");
    }
    std::string line = fmt::format("{}  {}  {}  {}", line_number, vendor, text_of(n, "event"), subject.empty() ? "-" : subject);
    if (!note.empty()) line += "  " + note;
    return line;
}

std::string push_error_line(std::size_t line_number, const Error& error) {
    return fmt::format("{}  error  {}", line_number, error.message);
}

}  // namespace callctl::cli
