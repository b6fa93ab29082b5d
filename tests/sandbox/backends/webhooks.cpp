#include "webhooks.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "callctl/crypto/crypto.hpp"
#include "support.hpp"

namespace callctl::sandbox {

using nlohmann::json;

namespace {

// "2024-06-01T10:00:00.123Z"
std::string iso8601_millis(std::chrono::system_clock::time_point when) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    ::gmtime_r(&seconds, &utc);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
    return fmt::format("{}.{:03}Z", buffer, ms % 1000);
}

// Webex ids are base64 (no padding) of "ciscospark://us/<KIND>/<uuid>".
std::string webex_id(std::string_view kind) {
    std::string id = crypto::base64_encode(fmt::format("ciscospark://us/{}/{}", kind, uuid_v4()));
    while (!id.empty() && id.back() == '=') id.pop_back();
    return id;
}

// The request's string field, or the default.
std::string text_or(const json& request, const char* key, std::string fallback) {
    return is_nonempty_string(request, key) ? request.at(key).get<std::string>() : std::move(fallback);
}

std::optional<Reply> check_request(const json& request, std::initializer_list<std::string_view> keys) {
    if (request.is_null()) return std::nullopt;
    if (!request.is_object()) return error_reply(400, "bad_request", "the body must be a JSON object");
    for (const auto& [key, value] : request.items()) {
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
            return error_reply(400, "bad_request", fmt::format("unknown key '{}'", key));
        }
        if (!value.is_string() && !(key == "callees" && value.is_array())) {
            return error_reply(400, "bad_request", fmt::format("{} must be a string", key));
        }
    }
    return std::nullopt;
}

}  // namespace

void WebhookBackend::install(Router& router) {
    router.admin({"POST"}, exact("/_sandbox/push/webex"), [](const httplib::Request&, const json& body) { return webex(body); });
    router.admin({"POST"}, exact("/_sandbox/push/kaleyra"), [](const httplib::Request&, const json& body) { return kaleyra(body); });
}

Reply WebhookBackend::webex(const json& request) {
    if (auto bad = check_request(request, {"secret", "actorId", "createdBy", "personEmail", "name", "number", "targetUrl",
                                           "filter"})) {
        return *bad;
    }
    const json r = request.is_object() ? request : json::object();
    const auto now = std::chrono::system_clock::now();
    const std::string person = text_or(r, "actorId", webex_id("PEOPLE"));
    // The SDK's incoming-call notification, as JSON text (Webex sends it so).
    const std::string telephony_push = json{{"name", text_or(r, "name", "Alice Caller")},
                                            {"number", text_or(r, "number", "+14085550100")},
                                            {"pushId", uuid_v4()},
                                            {"externalTrackingId", "CI_" + random_hex(8)},
                                            {"version", "1.0"}}
                                           .dump();
    json webhook = {{"id", webex_id("WEBHOOK")},
                    {"name", "callctl-sandbox telephony_push"},
                    {"targetUrl", text_or(r, "targetUrl", "https://example.com/webex/telephony-push")},
                    {"resource", "telephony_push"},
                    {"event", "updated"},
                    {"orgId", webex_id("ORGANIZATION")},
                    {"createdBy", text_or(r, "createdBy", webex_id("PEOPLE"))},
                    {"appId", webex_id("APPLICATION")},
                    {"ownedBy", "org"},
                    {"status", "active"},
                    {"created", iso8601_millis(now - std::chrono::hours(24 * 30))},
                    {"actorId", person},
                    {"data",
                     {{"id", webex_id("TELEPHONY_PUSH")},
                      {"callId", webex_id("CALL")},
                      {"personId", person},
                      {"personEmail", text_or(r, "personEmail", "callee@sandbox.example")},
                      {"state", "alerting"},
                      {"created", iso8601_millis(now)},
                      {"fcmPayload", {{"webhookTelephonyPush", telephony_push}}},
                      {"apnsPayload", {{"webhookTelephonyPush", telephony_push}}}}}};
    if (is_nonempty_string(r, "filter")) webhook["filter"] = r.at("filter");

    Reply reply{200, webhook};
    // Over the bytes the client receives: the answer is this very dump.
    if (is_nonempty_string(r, "secret")) {
        reply.headers.emplace_back("X-Spark-Signature",
                                   crypto::hex_encode(crypto::hmac_sha1(r.at("secret").get<std::string>(), webhook.dump())));
    }
    return reply;
}

Reply WebhookBackend::kaleyra(const json& request) {
    if (auto bad = check_request(request, {"secret", "event", "signature", "t", "caller", "callees"})) return *bad;
    const json r = request.is_object() ? request : json::object();
    const std::string event = text_or(r, "event", "on_call_incoming");
    const std::string scheme = text_or(r, "signature", "v1");
    const std::string t_unit = text_or(r, "t", "s");
    if (event != "on_call_incoming" && event != "on_missed_call") {
        return error_reply(400, "bad_request", "event must be on_call_incoming or on_missed_call");
    }
    if (scheme != "v1" && scheme != "v0") return error_reply(400, "bad_request", "signature must be v1 or v0");
    if (t_unit != "s" && t_unit != "ms") return error_reply(400, "bad_request", "t must be s or ms");
    std::vector<std::string> callees = {"usr_999"};
    if (r.contains("callees")) {
        callees.clear();
        for (const auto& callee : r.at("callees")) {
            if (!callee.is_string()) return error_reply(400, "bad_request", "callees must be strings");
            callees.push_back(callee.get<std::string>());
        }
    }
    const std::string caller = text_or(r, "caller", "usr_123");
    const std::string room = "room_" + random_hex(6);
    const auto now = std::chrono::system_clock::now();

    // The shape of Kaleyra's push example (tests/data/kaleyra_on_call_incoming.json), with fresh ids and the current time.
    json body;
    if (event == "on_call_incoming") {
        json users = json::array({{{"user", {{"userAlias", caller}}}, {"status", "invited"}}});
        for (const auto& callee : callees) users.push_back({{"user", {{"userAlias", callee}}}, {"status", "invited"}});
        body = {{"event", event},
                {"room_id", room},
                {"data",
                 {{"initiator", caller},
                  {"users", users},
                  {"roomAlias", room},
                  {"options",
                   {{"duration", 0},
                    {"record", true},
                    {"recordingType", "automatic"},
                    {"recording", "automatic"},
                    {"creationDate", iso8601_millis(now)},
                    {"callType", "audio_upgradable"},
                    {"live", true}}}}}};
    } else {
        json called = json::array();
        for (const auto& callee : callees) called.push_back({{"user_id", callee}, {"status", "not_answered"}});
        body = {{"event", event}, {"room_id", room}, {"data", {{"caller_id", caller}, {"called_users", called}}}};
    }

    Reply reply{200, body};
    if (is_nonempty_string(r, "secret")) {
        const std::string key = r.at("secret").get<std::string>();
        if (scheme == "v0") {
            reply.headers.emplace_back("room-id-hmac", crypto::hex_encode(crypto::hmac_sha256(key, room)));
        } else {
            const auto since_epoch = now.time_since_epoch();
            const long long t = t_unit == "ms" ? std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count()
                                               : std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
            const std::string mac = crypto::hex_encode(crypto::hmac_sha256(key, fmt::format("{}.{}", t, body.dump())));
            reply.headers.emplace_back("bandyer-signature", fmt::format("t={},v0={}", t, mac));
        }
    }
    return reply;
}

}  // namespace callctl::sandbox
