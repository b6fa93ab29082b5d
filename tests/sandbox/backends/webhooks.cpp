#include "webhooks.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "callctl/push/signature.hpp"
#include "callctl/webhook/examples.hpp"
#include "support.hpp"

namespace callctl::sandbox {

using nlohmann::json;

namespace {

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

// The answer is the body's very dump, in its key order: the signatures are over those bytes.
Reply signed_reply(const webhook::Json& body, std::vector<std::pair<std::string, std::string>> headers) {
    Reply reply{200, json(), std::move(headers)};
    reply.text = body.dump();
    reply.text_type = "application/json";
    return reply;
}

}  // namespace

void WebhookBackend::install(Router& router) {
    // A receiver for webhooks callctl sends (send-webhook, listen --forward-to):
    // every POST is in the request log, and faults apply, like any backend route.
    router.route({"POST"}, prefix("/hooks/"), [](Exchange&) { return Reply{200, json{{"received", true}}}; });
    router.admin({"POST"}, exact("/_sandbox/push/webex"), [](const httplib::Request&, const json& body) { return webex(body); });
    router.admin({"POST"}, exact("/_sandbox/push/kaleyra"), [](const httplib::Request&, const json& body) { return kaleyra(body); });
}

Reply WebhookBackend::webex(const json& request) {
    if (auto bad = check_request(request, {"secret", "actorId", "createdBy", "personEmail", "name", "number", "targetUrl",
                                           "filter"})) {
        return *bad;
    }
    const json r = request.is_object() ? request : json::object();
    webhook::ExampleParams params;
    params.person_id = text_or(r, "actorId", "");
    if (is_nonempty_string(r, "createdBy")) params.created_by = r.at("createdBy").get<std::string>();
    params.person_email = text_or(r, "personEmail", "callee@sandbox.example");
    params.caller_name = text_or(r, "name", params.caller_name);
    params.caller_number = text_or(r, "number", params.caller_number);
    params.target_url = text_or(r, "targetUrl", params.target_url);
    if (is_nonempty_string(r, "filter")) params.filter = r.at("filter").get<std::string>();
    const webhook::Json body = *webhook::example_webhook("telephony_push", params);
    std::vector<std::pair<std::string, std::string>> headers;
    if (is_nonempty_string(r, "secret")) {
        headers.emplace_back(push::webex_signature_header, push::sign_webex(r.at("secret").get<std::string>(), body.dump()));
    }
    return signed_reply(body, std::move(headers));
}

Reply WebhookBackend::kaleyra(const json& request) {
    if (auto bad = check_request(request, {"secret", "event", "signature", "t", "caller", "callees", "envelope"})) return *bad;
    const json r = request.is_object() ? request : json::object();
    const std::string event = text_or(r, "event", "on_call_incoming");
    const std::string scheme = text_or(r, "signature", "v1");
    const std::string t_unit = text_or(r, "t", "s");
    const std::string envelope = text_or(r, "envelope", "v0");
    const auto* known = webhook::find_example_event(event);
    if (known == nullptr || known->vendor != push::Vendor::kaleyra) {
        return error_reply(400, "bad_request", "event must be on_call_incoming, on_missed_call, on_message_sent or on_room_deleted");
    }
    if (scheme != "v1" && scheme != "v0") return error_reply(400, "bad_request", "signature must be v1 or v0");
    if (t_unit != "s" && t_unit != "ms") return error_reply(400, "bad_request", "t must be s or ms");
    if (envelope != "v0" && envelope != "v1") return error_reply(400, "bad_request", "envelope must be v0 or v1");
    webhook::ExampleParams params;
    if (r.contains("callees")) {
        params.callees.clear();
        for (const auto& callee : r.at("callees")) {
            if (!callee.is_string()) return error_reply(400, "bad_request", "callees must be strings");
            params.callees.push_back(callee.get<std::string>());
        }
    }
    params.caller = text_or(r, "caller", params.caller);
    params.kaleyra_v1 = envelope == "v1";
    params.room_id = "room_" + random_hex(6);
    // The shape of Kaleyra's push example (tests/data/kaleyra_on_call_incoming.json), fresh ids, the current time.
    const webhook::Json body = *webhook::example_webhook(event, params);

    std::vector<std::pair<std::string, std::string>> headers;
    if (is_nonempty_string(r, "secret")) {
        const std::string key = r.at("secret").get<std::string>();
        if (scheme == "v0") {
            headers.emplace_back(push::kaleyra_room_hmac_header, push::sign_kaleyra_v0(key, params.room_id));
        } else {
            const auto since_epoch = params.now.time_since_epoch();
            const long long t = t_unit == "ms" ? std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count()
                                               : std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
            headers.emplace_back(push::kaleyra_signature_header, push::sign_kaleyra_v1(key, t, body.dump()));
        }
    }
    return signed_reply(body, std::move(headers));
}

}  // namespace callctl::sandbox
