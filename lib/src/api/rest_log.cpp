// Reading CallLogs: URLs, statuses and their order, table summaries, and the
// --wait-for schedule. Pure functions over the server's JSON.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "callctl/api/rest.hpp"
#include "callctl/util/strings.hpp"

namespace callctl::api {

using nlohmann::ordered_json;
using std::chrono::milliseconds;

namespace {

std::string string_field(const ordered_json& object, const char* key) {
    if (!object.is_object()) return {};
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return {};
    return it->is_string() ? it->get<std::string>() : it->dump();
}

// Who an event is about, as a key that stays the same across their events.
std::string contact_key(const ordered_json& contact) {
    for (const char* key : {"userDbId", "userId", "id"}) {
        const std::string value = string_field(contact, key);
        if (!value.empty()) return std::string(key) + "=" + value;
    }
    return contact.dump();
}

bool is_type(const std::string& type, std::initializer_list<std::string_view> names) {
    return std::any_of(names.begin(), names.end(), [&](std::string_view name) { return util::iequals(type, name); });
}

}  // namespace

std::string call_log_url(std::string_view rest_url, std::string_view call_id) {
    return http::join_url(rest_url, "/rtc/getCallLogById", {{"callId", std::string(call_id)}});
}

std::vector<std::string> parse_id_lines(std::string_view text) {
    std::vector<std::string> ids;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view line = util::trim(text.substr(start, end - start));
        if (!line.empty() && line.front() != '#') ids.emplace_back(line);
        start = end + 1;
    }
    return ids;
}

std::optional<CallStatus> parse_call_status(std::string_view text) {
    const std::string value = util::normalize_enum(text);
    if (value == "planned") return CallStatus::planned;
    if (value == "started") return CallStatus::started;
    if (value == "ended") return CallStatus::ended;
    return std::nullopt;
}

Result<CallStatus> parse_wait_target(std::string_view text) {
    if (auto status = parse_call_status(text)) return *status;
    return make_error(ExitCode::usage, fmt::format("--wait-for: '{}' is not a call status", text),
                      "use planned, started or ended");
}

std::string_view to_string(CallStatus status) {
    switch (status) {
    case CallStatus::planned: return "Planned";
    case CallStatus::started: return "Started";
    case CallStatus::ended: return "Ended";
    }
    return "Planned";
}

bool status_reached(std::string_view status, CallStatus target) {
    const auto known = parse_call_status(status);
    return known && static_cast<int>(*known) >= static_cast<int>(target);
}

std::string call_status_of(const CallLog& log) { return string_field(log, "callStatus"); }

std::string contact_label(const ordered_json& contact) {
    if (!contact.is_object()) return contact.is_null() ? "-" : contact.dump();
    const std::string name = string_field(contact, "displayName");
    const std::string user = string_field(contact, "userId");
    if (!name.empty() && !user.empty() && name != user) return fmt::format("{} ({})", name, user);
    if (!name.empty()) return name;
    if (!user.empty()) return user;
    const std::string db_id = string_field(contact, "userDbId");
    if (!db_id.empty()) return "#" + db_id;
    const std::string id = string_field(contact, "id");
    return id.empty() ? "-" : "#" + id;
}

std::string event_time(const ordered_json& event) {
    for (const char* key : {"timestamp", "time", "eventTime", "date", "createdAt", "created"}) {
        const std::string value = string_field(event, key);
        if (!value.empty()) return value;
    }
    return {};
}

CallSummary summarize_call(const CallLog& log) {
    CallSummary summary;
    const std::string id = string_field(log, "id");
    summary.id = id.empty() ? "-" : id;
    summary.call_id = string_field(log, "callId");
    summary.title = string_field(log, "callTitle");
    summary.status = call_status_of(log);
    summary.type = string_field(log, "callType");
    summary.creator = log.is_object() && log.contains("creatorContact") ? contact_label(log["creatorContact"]) : "-";
    if (log.is_object() && log.contains("invitedContacts") && log["invitedContacts"].is_array()) {
        summary.invitees = log["invitedContacts"].size();
    }

    std::map<std::string, long> net_joins;  // contact -> Joins minus Leaves
    std::string created_event_time;
    if (log.is_object() && log.contains("callEvents") && log["callEvents"].is_array()) {
        for (const auto& event : log["callEvents"]) {
            const std::string when = event_time(event);
            if (!when.empty()) {
                if (summary.first_event.empty()) summary.first_event = when;
                summary.last_event = when;
            }
            const std::string type = string_field(event, "type");
            const ordered_json contact = event.is_object() && event.contains("contact") ? event["contact"] : ordered_json();
            if (is_type(type, {"Join", "Joined"})) {
                ++net_joins[contact_key(contact)];
            } else if (is_type(type, {"Leave", "Left"})) {
                --net_joins[contact_key(contact)];
            } else if (is_type(type, {"Created"}) && created_event_time.empty()) {
                created_event_time = when;
            }
        }
    }
    summary.joined_now = static_cast<std::size_t>(
        std::count_if(net_joins.begin(), net_joins.end(), [](const auto& entry) { return entry.second > 0; }));

    const std::string created_at = string_field(log, "createdAt");
    summary.created = !created_at.empty() ? created_at : created_event_time;
    for (std::string* text : {&summary.first_event, &summary.last_event, &summary.created, &summary.status,
                              &summary.type, &summary.title, &summary.call_id}) {
        // push_back, not = "-": GCC 12 warns falsely (-Wrestrict) on that assignment.
        if (text->empty()) text->push_back('-');
    }
    return summary;
}

WaitStep next_wait_step(std::size_t pending, milliseconds elapsed, milliseconds interval, milliseconds timeout) {
    if (pending == 0) return {WaitStep::Kind::done, milliseconds{0}};
    if (elapsed >= timeout) return {WaitStep::Kind::timed_out, milliseconds{0}};
    const milliseconds left = timeout - elapsed;
    return {WaitStep::Kind::poll_again, std::min(std::max(interval, milliseconds{0}), left)};
}

ordered_json error_object(std::string_view call_id, const Error& error) {
    ordered_json object;
    object["callId"] = std::string(call_id);
    // Redacted once more (the message already was where it was made): this
    // goes to stdout, where no secret of the run may appear.
    object["error"] = ordered_json{{"code", to_int(error.code)}, {"message", http::redact(error.message, {})}};
    return object;
}

}  // namespace callctl::api
