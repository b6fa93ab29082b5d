#include "rest.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <string_view>

#include <fmt/format.h>

#include "callctl/util/time.hpp"
#include "support.hpp"

namespace callctl::sandbox {

using nlohmann::json;
using Clock = std::chrono::system_clock;

namespace {

// ISO-8601 as clients send it, as Unix seconds (not a system_clock time_point:
// its nanoseconds end in 2262).
std::optional<long long> parse_iso8601(std::string_view text) {
    const auto parsed = util::parse_iso8601(text);
    if (!parsed) return std::nullopt;
    return parsed->unix_seconds;
}

}  // namespace

void RestBackend::install(Router& router) {
    router.guard(prefix("/rtc/"), bearer_guard(tokens_));
    router.route({"POST"}, exact("/rtc/createCall"), [this](Exchange& x) {
        const auto body = x.json_body();
        if (!body) return error_reply(400, "bad_request", "the body is not valid JSON");
        return create_call(*body, x.subject);
    });
    router.route({"GET"}, exact("/rtc/getCallLogById"), [this](Exchange& x) {
        if (!x.request.has_param("callId") || x.request.get_param_value("callId").empty()) {
            return error_reply(400, "bad_request", "the callId query parameter is required");
        }
        return get_call(x.request.get_param_value("callId"));
    });

    router.admin({"POST"}, exact("/_sandbox/calls"),
                 [this](const httplib::Request&, const json& body) { return admin_create_calls(body.is_null() ? json::object() : body); });
    // /_sandbox/calls/<callId>[/<action>]; a callId may itself hold '/'.
    router.admin({"GET", "POST"}, prefix("/_sandbox/calls/"), [this](const httplib::Request& req, const json&) {
        const std::string rest = req.path.substr(std::string_view("/_sandbox/calls/").size());
        if (req.method == "GET") return admin_get_call(rest);
        const auto slash = rest.rfind('/');
        if (slash == std::string::npos) return no_admin_route(req);
        return admin_call_action(rest.substr(0, slash), rest.substr(slash + 1));
    });
}

void RestBackend::on_call_created(std::function<void(const json& log)> listener) {
    created_listeners_.push_back(std::move(listener));
}

json RestBackend::event(const std::string& type, const json& contact) {
    return json{{"id", next_event_id_++}, {"type", type}, {"timestamp", iso8601(Clock::now())}, {"contact", contact}};
}

json RestBackend::new_call_log(const json& body, json creator) {
    json log = {{"id", next_call_id_++},
                {"callId", uuid_v4()},
                {"callTitle", body.value("callTitle", "Sandbox call")},
                {"anonymousJoinAllow", body.value("joinAnonymousAllowed", false)},
                {"callStatus", "Planned"},
                {"callType", body.value("callType", "MESH")},
                {"callReason", body.value("callReason", "STANDARD")},
                {"informOthersDirectly", body.value("informOthersDirectly", true)},
                {"plannedDateTime", body.contains("plannedDateTime") ? body.at("plannedDateTime") : json(nullptr)},
                {"createdAt", iso8601(Clock::now())},
                {"creatorContact", creator},
                {"invitedContacts", body.value("invitedContacts", json::array())},
                {"invitedTeams", body.value("invitedTeams", json::array())},
                // A field no client knows: callctl must pass unknown fields through.
                {"serverRegion", "sandbox-1"}};
    log["callEvents"] = json::array({event("Created", creator)});
    return log;
}

Reply RestBackend::create_call(const json& body, const std::string& subject) {
    auto bad = [](std::string message) { return error_reply(400, "bad_request", std::move(message)); };
    if (!body.is_object()) return bad("the body must be a JSON object");
    if (!is_nonempty_string(body, "callTitle")) return bad("callTitle must be a non-empty string");
    if (!body.contains("callReason") || (body.at("callReason") != "STANDARD" && body.at("callReason") != "SERVICE_REQUEST")) {
        return bad("callReason must be STANDARD or SERVICE_REQUEST");
    }
    if (!body.contains("callType") || (body.at("callType") != "MESH" && body.at("callType") != "SFU")) {
        return bad("callType must be MESH or SFU");
    }
    if (!body.contains("invitedContacts") || !body.at("invitedContacts").is_array()) return bad("invitedContacts must be an array");
    for (const auto& contact : body.at("invitedContacts")) {
        if (!contact.is_object() || !is_nonempty_string(contact, "userId")) return bad("each invitedContacts entry needs a userId string");
        if (contact.contains("userDbId") && !contact.at("userDbId").is_number_integer()) return bad("userDbId must be an integer");
    }
    if (body.contains("invitedTeams") && !body.at("invitedTeams").is_array()) return bad("invitedTeams must be an array");
    for (const char* flag : {"joinAnonymousAllowed", "informOthersDirectly"}) {
        if (body.contains(flag) && !body.at(flag).is_boolean()) return bad(fmt::format("{} must be a boolean", flag));
    }
    if (body.contains("creatorUser") && !body.at("creatorUser").is_number_integer()) return bad("creatorUser must be an integer user id");
    std::optional<long long> planned;
    if (body.contains("plannedDateTime") && !body.at("plannedDateTime").is_null()) {
        if (!body.at("plannedDateTime").is_string()) return bad("plannedDateTime must be an ISO-8601 string or null");
        planned = parse_iso8601(body.at("plannedDateTime").get<std::string>());
        if (!planned) return bad("plannedDateTime is not ISO-8601 (e.g. 2030-01-31T09:30:00Z)");
    }

    json creator;
    if (body.contains("creatorUser")) {
        const auto id = body.at("creatorUser").get<long long>();
        creator = {{"id", id}, {"userId", fmt::format("user{}", id)}, {"userDbId", id}, {"displayName", fmt::format("User {}", id)}};
    } else {
        creator = {{"id", 12}, {"userId", subject}, {"userDbId", 12}, {"displayName", subject}};
    }

    json answer;
    {
        const std::lock_guard lock(mutex_);
        Call call;
        call.log = new_call_log(body, creator);
        call.planned = planned;
        for (const auto& contact : body.at("invitedContacts")) call.participants.push_back(contact);
        if (call.participants.empty()) call.participants.push_back(creator);  // someone must join for the call to start
        const std::string id = call.log.at("callId");
        answer = call.log;
        calls_.emplace(id, std::move(call));
    }
    for (const auto& listener : created_listeners_) listener(answer);
    return Reply{200, std::move(answer)};
}

void RestBackend::advance(Call& call) {
    if (call.planned && *call.planned > unix_now()) return;  // a future call waits for its time
    json& log = call.log;
    if (call.joined < call.participants.size()) {
        log["callEvents"].push_back(event("Join", call.participants[call.joined++]));
        log["callStatus"] = "Started";
    } else if (call.left < call.participants.size()) {
        log["callEvents"].push_back(event("Leave", call.participants[call.left++]));
        if (call.left == call.participants.size()) {
            log["callStatus"] = "Ended";
            log["endedAt"] = iso8601(Clock::now());
        }
    }
}

Reply RestBackend::get_call(const std::string& call_id) {
    const std::lock_guard lock(mutex_);
    const auto it = calls_.find(call_id);
    if (it == calls_.end()) return error_reply(404, "not_found", fmt::format("no call with id {}", call_id));
    // Answer what the call is now, then move on: successive polls see
    // Planned, Started (one Join per poll), then Ended.
    json answer = it->second.log;
    if (!it->second.frozen) advance(it->second);
    return Reply{200, std::move(answer)};
}

Reply RestBackend::admin_get_call(const std::string& call_id) {
    const std::lock_guard lock(mutex_);
    const auto it = calls_.find(call_id);
    if (it == calls_.end()) return error_reply(404, "not_found", fmt::format("no call with id {}", call_id));
    json answer = it->second.log;
    answer["_sandbox"] = {{"frozen", it->second.frozen}, {"joined", it->second.joined}, {"left", it->second.left}};
    return Reply{200, std::move(answer)};
}

Reply RestBackend::admin_call_action(const std::string& call_id, const std::string& action) {
    {
        const std::lock_guard lock(mutex_);
        const auto it = calls_.find(call_id);
        if (it == calls_.end()) return error_reply(404, "not_found", fmt::format("no call with id {}", call_id));
        Call& call = it->second;
        if (action == "advance") {
            const auto saved = call.planned;
            call.planned.reset();  // an explicit advance ignores the planned time
            advance(call);
            call.planned = saved;
        } else if (action == "freeze") {
            call.frozen = true;
        } else if (action == "unfreeze") {
            call.frozen = false;
        } else {
            return error_reply(404, "not_found", fmt::format("unknown call action '{}' (advance, freeze, unfreeze)", action));
        }
    }
    return admin_get_call(call_id);
}

Reply RestBackend::admin_create_calls(const json& body) {
    if (!body.is_object()) return error_reply(400, "bad_request", "the body must be a JSON object");
    std::vector<std::string> chosen_ids;
    if (body.contains("callIds")) {
        if (!body.at("callIds").is_array()) return error_reply(400, "bad_request", "callIds must be an array of strings");
        for (const auto& id : body.at("callIds")) {
            if (!id.is_string() || id.get<std::string>().empty()) return error_reply(400, "bad_request", "callIds must be non-empty strings");
            chosen_ids.push_back(id.get<std::string>());
        }
    }
    long long count = static_cast<long long>(chosen_ids.size());
    if (body.contains("count")) {
        if (!body.at("count").is_number_integer() || body.at("count").get<long long>() < 0 || body.at("count").get<long long>() > 100000) {
            return error_reply(400, "bad_request", "count must be 0..100000");
        }
        count = std::max(count, body.at("count").get<long long>());
    }
    const bool frozen = body.value("frozen", false);
    const json invitee = {{"displayName", "Tester"}, {"userId", "tester"}, {"userDbId", 8}};
    const json template_body = {{"callTitle", body.value("callTitle", "Bench call")},
                                {"callReason", "STANDARD"},
                                {"callType", "MESH"},
                                {"invitedContacts", json::array({invitee})}};
    const json creator = {{"id", 12}, {"userId", "bench"}, {"userDbId", 12}};

    const std::lock_guard lock(mutex_);
    json ids = json::array();
    for (long long i = 0; i < count; ++i) {
        Call call;
        call.log = new_call_log(template_body, creator);
        if (static_cast<std::size_t>(i) < chosen_ids.size()) call.log["callId"] = chosen_ids[static_cast<std::size_t>(i)];
        call.participants.push_back(invitee);
        call.frozen = frozen;
        const std::string id = call.log.at("callId");
        calls_[id] = std::move(call);
        ids.push_back(id);
    }
    return Reply{200, json{{"callIds", std::move(ids)}}};
}

}  // namespace callctl::sandbox
