// The built-in example webhooks: see callctl/webhook/examples.hpp.
#include "callctl/webhook/examples.hpp"

#include <fmt/format.h>

#include "callctl/crypto/crypto.hpp"
#include "push/push_internal.hpp"

namespace callctl::webhook {

namespace {

using std::chrono::system_clock;

long long unix_millis(system_clock::time_point when) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
}

std::string random_hex(std::size_t bytes) { return crypto::hex_encode(crypto::random_bytes(bytes)); }

// Kaleyra rooms look like room_f61b4d202472.
std::string fresh_room() { return "room_" + random_hex(6); }

Json invited(const std::string& user) { return Json{{"user", {{"userAlias", user}}}, {"status", "invited"}}; }

// v0 puts room_id at the top; the v1 envelope moves it into data and adds
// event_version, namespace and a millisecond timestamp.
Json kaleyra_body(std::string_view event, const std::string& room, Json data, const ExampleParams& params) {
    if (!params.kaleyra_v1) return Json{{"event", event}, {"room_id", room}, {"data", std::move(data)}};
    Json inner = Json{{"room_id", room}};
    for (auto& [key, value] : data.items()) inner[key] = std::move(value);
    return Json{{"event", event},
                {"event_version", "1.0"},
                {"namespace", "room"},
                {"timestamp", unix_millis(params.now)},
                {"data", std::move(inner)}};
}

Json call_incoming(const ExampleParams& p, const std::string& room) {
    Json users = Json::array({invited(p.caller)});
    for (const auto& callee : p.callees) users.push_back(invited(callee));
    // The order and fields of Kaleyra's push example (tests/data/kaleyra_on_call_incoming.json).
    Json data = {{"initiator", p.caller},
                 {"users", std::move(users)},
                 {"roomAlias", room},
                 {"options",
                  {{"duration", 0},
                   {"record", true},
                   {"recordingType", "automatic"},
                   {"recording", "automatic"},
                   {"creationDate", iso8601_millis(p.now)},
                   {"callType", "audio_upgradable"},
                   {"live", true}}}};
    return kaleyra_body("on_call_incoming", room, std::move(data), p);
}

Json missed_call(const ExampleParams& p, const std::string& room) {
    Json called = Json::array();
    for (const auto& callee : p.callees) called.push_back({{"user_id", callee}, {"status", "not_answered"}});
    return kaleyra_body("on_missed_call", room, Json{{"caller_id", p.caller}, {"called_users", std::move(called)}}, p);
}

// Kaleyra does not publish this payload: a small, plausible one (callctl(1) says so).
Json message_sent(const ExampleParams& p, const std::string& room) {
    Json data = {{"message_id", "msg_" + random_hex(8)},
                 {"sender", p.caller},
                 {"receivers", p.callees},
                 {"message", "Hello from callctl"},
                 {"created_at", iso8601_millis(p.now)}};
    return kaleyra_body("on_message_sent", room, std::move(data), p);
}

Json room_deleted(const ExampleParams& p, const std::string& room) {
    return kaleyra_body("on_room_deleted", room, Json{{"roomAlias", room}, {"deleted_at", iso8601_millis(p.now)}}, p);
}

Json telephony_push(const ExampleParams& p) {
    const std::string person = p.person_id.empty() ? webex_id("PEOPLE") : p.person_id;
    // What the SDK reads from the push, as JSON text: Webex sends it so.
    const std::string notification = Json{{"name", p.caller_name},
                                          {"number", p.caller_number},
                                          {"pushId", uuid_v4()},
                                          {"externalTrackingId", "CI_" + random_hex(8)},
                                          {"version", "1.0"}}
                                         .dump();
    Json webhook = {{"id", webex_id("WEBHOOK")},
                    {"name", "Webex Calling telephony_push firehose"},
                    {"targetUrl", p.target_url},
                    {"resource", "telephony_push"},
                    {"event", "updated"},
                    {"orgId", webex_id("ORGANIZATION")},
                    {"createdBy", p.created_by.value_or(person)},
                    {"appId", webex_id("APPLICATION")},
                    {"ownedBy", "org"},
                    {"status", "active"},
                    {"created", iso8601_millis(p.now - std::chrono::hours(24 * 30))},
                    {"actorId", person}};
    if (p.filter) webhook["filter"] = *p.filter;
    webhook["data"] = {{"id", webex_id("TELEPHONY_PUSH")},
                       {"callId", webex_id("CALL")},
                       {"personId", person},
                       {"personEmail", p.person_email},
                       {"state", "alerting"},
                       {"created", iso8601_millis(p.now)},
                       {"fcmPayload", {{"webhookTelephonyPush", notification}}},
                       {"apnsPayload", {{"webhookTelephonyPush", notification}}}};
    return webhook;
}

}  // namespace

const std::vector<ExampleEvent>& example_events() {
    using push::Vendor;
    static const std::vector<ExampleEvent> events = {
        {"on_call_incoming", Vendor::kaleyra, "Kaleyra: a call rings its invited users"},
        {"on_missed_call", Vendor::kaleyra, "Kaleyra: a call nobody answered"},
        {"on_message_sent", Vendor::kaleyra, "Kaleyra: a chat message (illustrative body)"},
        {"on_room_deleted", Vendor::kaleyra, "Kaleyra: a room was deleted"},
        {"telephony_push", Vendor::webex, "Webex: a new incoming call (the org's telephony_push firehose)"},
    };
    return events;
}

const ExampleEvent* find_example_event(std::string_view name) {
    for (const auto& event : example_events()) {
        if (event.name == name) return &event;
    }
    return nullptr;
}

Result<Json> example_webhook(std::string_view event, const ExampleParams& params) {
    if (event == "telephony_push") return telephony_push(params);
    const std::string room = params.room_id.empty() ? fresh_room() : params.room_id;
    if (event == "on_call_incoming") return call_incoming(params, room);
    if (event == "on_missed_call") return missed_call(params, room);
    if (event == "on_message_sent") return message_sent(params, room);
    if (event == "on_room_deleted") return room_deleted(params, room);
    std::string known;
    for (const auto& e : example_events()) known += fmt::format("{}{}", known.empty() ? "" : ", ", e.name);
    return make_error(ExitCode::usage, fmt::format("unknown --event '{}': known events are {}", event, known));
}

std::string webex_id(std::string_view kind, std::string_view id) {
    return crypto::base64_encode(fmt::format("ciscospark://us/{}/{}", kind, id.empty() ? uuid_v4() : id),
                                 crypto::Base64Alphabet::standard, /*pad=*/false);
}

std::string uuid_v4() {
    std::string bytes = crypto::random_bytes(16);
    bytes[6] = static_cast<char>((static_cast<unsigned char>(bytes[6]) & 0x0f) | 0x40);  // version 4
    bytes[8] = static_cast<char>((static_cast<unsigned char>(bytes[8]) & 0x3f) | 0x80);  // RFC 4122 variant
    const std::string hex = crypto::hex_encode(bytes);
    return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4), hex.substr(16, 4),
                       hex.substr(20));
}

std::string iso8601_millis(system_clock::time_point when) { return push::detail::iso8601_utc_millis(unix_millis(when)); }

}  // namespace callctl::webhook
