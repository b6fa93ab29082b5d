// createCall: flags -> the exact body of protocols.md §2, and its validation.
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "callctl/api/rest.hpp"
#include "callctl/util/json.hpp"
#include "callctl/util/strings.hpp"
#include "callctl/util/time.hpp"

namespace callctl::api {

using nlohmann::ordered_json;

namespace {

}  // namespace

Result<CallType> parse_call_type(std::string_view text) {
    const std::string value = util::normalize_enum(text);
    if (value == "mesh") return CallType::mesh;
    if (value == "sfu") return CallType::sfu;
    return make_error(ExitCode::usage, fmt::format("--type: '{}' is not a call type", text),
                      "use mesh (1:1) or sfu (multi-party)");
}

Result<CallReason> parse_call_reason(std::string_view text) {
    const std::string value = util::normalize_enum(text);
    if (value == "standard") return CallReason::standard;
    if (value == "service-request") return CallReason::service_request;
    return make_error(ExitCode::usage, fmt::format("--reason: '{}' is not a call reason", text),
                      "use standard or service-request");
}

std::string_view to_wire(CallType type) { return type == CallType::sfu ? "SFU" : "MESH"; }
std::string_view to_wire(CallReason reason) {
    return reason == CallReason::service_request ? "SERVICE_REQUEST" : "STANDARD";
}

Result<ordered_json> parse_invite(std::string_view text) {
    const std::string_view trimmed = util::trim(text);
    const auto colon = trimmed.rfind(':');
    const std::string_view user = colon == std::string_view::npos ? trimmed : trimmed.substr(0, colon);
    if (user.empty()) {
        return make_error(ExitCode::usage, fmt::format("--invite '{}': no user id", text),
                          "write USER or USER:DBID, e.g. --invite tester:8");
    }
    ordered_json contact = {{"userId", std::string(user)}};
    if (colon != std::string_view::npos) {
        const std::string_view db_id = trimmed.substr(colon + 1);
        if (!util::all_digits(db_id) || db_id.size() > 18) {
            return make_error(ExitCode::usage,
                              fmt::format("--invite '{}': the database id after ':' must be a number", text),
                              "write USER or USER:DBID, e.g. --invite tester:8");
        }
        contact["userDbId"] = std::stoll(std::string(db_id));
    }
    return contact;
}

Result<std::vector<ordered_json>> parse_invite_file(std::string_view content, std::string_view origin) {
    auto parsed_or = util::parse_ordered_json(content);
    if (!parsed_or) {
        const bool deep = parsed_or.error().problem == util::JsonProblem::too_deep;
        return make_error(ExitCode::bad_input,
                          fmt::format("--invite-file {}: {}", origin, deep ? util::too_deep_text() : "not valid JSON"),
                          R"(it holds a JSON array of contacts: [{"userId":"tester","userDbId":8}, ...])");
    }
    const ordered_json& parsed = *parsed_or;
    if (!parsed.is_array()) {
        return make_error(ExitCode::bad_input, fmt::format("--invite-file {}: expected a JSON array of contacts", origin),
                          R"(e.g. [{"userId":"tester","userDbId":8,"displayName":"Tester"}])");
    }
    std::vector<ordered_json> contacts;
    contacts.reserve(parsed.size());
    for (std::size_t i = 0; i < parsed.size(); ++i) {
        const ordered_json& contact = parsed[i];
        if (!contact.is_object() || !contact.contains("userId") || !contact["userId"].is_string() ||
            contact["userId"].get<std::string>().empty()) {
            return make_error(ExitCode::bad_input,
                              fmt::format("--invite-file {}: contact {} needs a non-empty string \"userId\"", origin, i));
        }
        if (contact.contains("userDbId") && !contact["userDbId"].is_number_integer()) {
            return make_error(ExitCode::bad_input,
                              fmt::format("--invite-file {}: contact {}: \"userDbId\" must be an integer", origin, i));
        }
        contacts.push_back(contact);
    }
    return contacts;
}

ordered_json team_object(std::string_view id) {
    const std::string_view trimmed = util::trim(id);
    if (util::all_digits(trimmed) && trimmed.size() <= 18) return ordered_json{{"id", std::stoll(std::string(trimmed))}};
    return ordered_json{{"id", std::string(trimmed)}};
}

bool is_iso8601_datetime(std::string_view text) {
    // A date-time, not a date alone, and with the 'T' createCall expects.
    const auto parsed = util::parse_iso8601(text);
    return parsed && parsed->has_time && (text[10] == 'T' || text[10] == 't');
}

Status validate(const CreateCallRequest& request) {
    if (util::trim(request.title).empty()) {
        return make_error(ExitCode::usage, "create-call needs a title", "give --title \"Call title\"");
    }
    if (request.contacts.empty() && request.teams.empty()) {
        return make_error(ExitCode::usage, "create-call needs someone to invite",
                          "give --invite USER[:DBID] (repeatable), --invite-file FILE or --team ID");
    }
    if (request.planned && !is_iso8601_datetime(*request.planned)) {
        return make_error(ExitCode::usage, fmt::format("--planned '{}' is not an ISO-8601 date-time", *request.planned),
                          "e.g. --planned 2030-01-31T09:30:00Z or 2030-01-31T10:30:00+01:00");
    }
    return {};
}

ordered_json create_call_body(const CreateCallRequest& request) {
    const CallType type = request.type.value_or(request.contacts.size() > 1 ? CallType::sfu : CallType::mesh);
    ordered_json body;
    body["callTitle"] = request.title;
    body["callReason"] = to_wire(request.reason);
    body["callType"] = to_wire(type);
    body["invitedContacts"] = ordered_json::array();
    for (const auto& contact : request.contacts) body["invitedContacts"].push_back(contact);
    body["invitedTeams"] = ordered_json::array();
    for (const auto& team : request.teams) body["invitedTeams"].push_back(team);
    body["joinAnonymousAllowed"] = request.anonymous;
    body["informOthersDirectly"] = request.notify;
    if (request.creator) body["creatorUser"] = *request.creator;
    body["plannedDateTime"] = request.planned ? ordered_json(*request.planned) : ordered_json(nullptr);
    return body;
}

http::Request create_call_request(std::string_view rest_url, const CreateCallRequest& request) {
    http::Request out;
    out.method = http::Method::post;
    out.url = http::join_url(rest_url, "/rtc/createCall");
    out.headers.push_back({"Content-Type", "application/json"});
    out.headers.push_back({"Accept", "application/json"});
    out.body = create_call_body(request).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out.replay = http::Replay::unsafe;
    return out;
}

Result<CallLog> parse_call_log(const http::Response& response, std::string_view what) {
    auto log = util::parse_ordered_json(response.body);
    if (!log && log.error().problem == util::JsonProblem::too_deep) {
        return make_error(ExitCode::http_server, fmt::format("{}: the server answered HTTP {} with a body {} ({} bytes)",
                                                             what, response.status, util::too_deep_text(),
                                                             response.body.size()));
    }
    if (!log || !log->is_object()) {
        return make_error(ExitCode::http_server,
                          fmt::format("{}: the server answered HTTP {} with a body that is not a JSON object ({} bytes)",
                                      what, response.status, response.body.size()));
    }
    return std::move(*log);
}

Result<CallLog> create_call(Session& session, const CreateCallRequest& request) {
    if (auto valid = validate(request); !valid) return valid.error();
    auto url = endpoint_url(session.settings(), Endpoint::rest);
    if (!url) return url.error();
    auto response = session.send_authorized(create_call_request(*url, request), "create the call");
    if (!response) return response.error();
    return parse_call_log(*response, "create the call");
}

}  // namespace callctl::api
