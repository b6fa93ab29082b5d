#include "call_render.hpp"

#include <fmt/format.h>

namespace callctl::cli {

using nlohmann::ordered_json;

namespace {

std::string joined_labels(const ordered_json& contacts) {
    if (!contacts.is_array() || contacts.empty()) return "-";
    std::string text;
    for (const auto& contact : contacts) text += (text.empty() ? "" : ", ") + api::contact_label(contact);
    return text;
}

std::string field_or_dash(const ordered_json& object, const char* key) {
    if (!object.is_object() || !object.contains(key) || object[key].is_null()) return "-";
    const ordered_json& value = object[key];
    return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

std::string render_call_report(const api::CallLog& log, std::size_t width, output::Style style) {
    const api::CallSummary summary = api::summarize_call(log);
    const ordered_json no_contacts = ordered_json::array();
    const ordered_json& invited = log.contains("invitedContacts") ? log["invitedContacts"] : no_contacts;
    std::string out = output::render_fields({{"Title", summary.title},
                                             {"Call ID", summary.call_id},
                                             {"ID", summary.id},
                                             {"Status", summary.status},
                                             {"Type", summary.type},
                                             {"Reason", field_or_dash(log, "callReason")},
                                             {"Creator", summary.creator},
                                             {"Created", summary.created},
                                             {"Planned", field_or_dash(log, "plannedDateTime")},
                                             {"Invitees", joined_labels(invited)},
                                             {"Joined now", std::to_string(summary.joined_now)}},
                                            width, style);
    out += "\n";
    const bool has_events = log.contains("callEvents") && log["callEvents"].is_array() && !log["callEvents"].empty();
    if (!has_events) return out + "No events.\n";
    output::Table events({"TIME", "TYPE", "WHO"});
    for (const auto& event : log["callEvents"]) {
        const std::string when = api::event_time(event);
        // Unknown event types are shown exactly as the server sent them.
        const std::string type = field_or_dash(event, "type");
        const std::string who = event.is_object() && event.contains("contact") ? api::contact_label(event["contact"]) : "-";
        events.add_row({when.empty() ? "-" : when, type, who});
    }
    return out + events.render(width, style);
}

void CallSummaryTable::add(std::size_t index, const api::CallLog& log) {
    const api::CallSummary s = api::summarize_call(log);
    rows_[index] = {s.id, s.call_id, s.status, s.creator, std::to_string(s.invitees), std::to_string(s.joined_now),
                    s.first_event, s.last_event};
}

void CallSummaryTable::add_error(std::size_t index, const std::string& call_id, const Error& error) {
    // The row names the call already; drop the "call <id>: " the message starts with.
    std::string message = error.message;
    const std::string prefix = fmt::format("call {}: ", call_id);
    if (message.rfind(prefix, 0) == 0) message.erase(0, prefix.size());
    rows_[index] = {"-", call_id, "error: " + message, "-", "-", "-", "-", "-"};
}

std::string CallSummaryTable::render(std::size_t width, output::Style style) const {
    output::Table table({"ID", "CALL ID", "STATUS", "CREATOR", "INVITEES", "JOINED", "FIRST EVENT", "LAST EVENT"});
    table.set_keep(1);
    table.set_align(0, output::Align::right);
    table.set_align(4, output::Align::right);
    table.set_align(5, output::Align::right);
    for (const auto& [index, row] : rows_) table.add_row(row);
    return table.render(width, style);
}

}  // namespace callctl::cli
