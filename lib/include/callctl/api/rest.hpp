// The REST call API (callctl(1): create-call, call-log): createCall bodies, call-log
// URLs, call statuses, call summaries for tables, the --wait-for decisions,
// and a concurrent fetcher of call logs. Typed requests in, JSON out: nothing
// here prints. CallLogs stay the server's JSON (ordered_json keeps its key
// order and every field callctl does not know).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/api/session.hpp"
#include "callctl/error.hpp"
#include "callctl/http/http.hpp"

namespace callctl::api {

using CallLog = nlohmann::ordered_json;

// ---------------------------------------------------------------- createCall

enum class CallType { mesh, sfu };
enum class CallReason { standard, service_request };

// Case-insensitive, wire spelling accepted ("sfu", "SFU", "service-request",
// "SERVICE_REQUEST"). Unknown values are usage errors (exit 2).
Result<CallType> parse_call_type(std::string_view text);
Result<CallReason> parse_call_reason(std::string_view text);
std::string_view to_wire(CallType type);      // "MESH", "SFU"
std::string_view to_wire(CallReason reason);  // "STANDARD", "SERVICE_REQUEST"

// "tester:8" -> {"userId":"tester","userDbId":8}; "tester" -> {"userId":"tester"}.
// The part after the last ':' must be a database id (digits): exit 2 otherwise.
Result<nlohmann::ordered_json> parse_invite(std::string_view text);
// A JSON array of contact objects, each with a non-empty string userId; every
// field they carry is kept, in their order. `origin` names the file in errors
// (exit 3).
Result<std::vector<nlohmann::ordered_json>> parse_invite_file(std::string_view content, std::string_view origin);
// "7" -> {"id":7}; any other text -> {"id":"text"}.
nlohmann::ordered_json team_object(std::string_view id);

// ISO-8601 date-time as createCall accepts it: YYYY-MM-DDTHH:MM[:SS[.fff]]
// with an optional Z or ±HH[:]MM offset; fields range-checked (Feb 30 fails).
bool is_iso8601_datetime(std::string_view text);

struct CreateCallRequest {
    std::string title;
    std::vector<nlohmann::ordered_json> contacts;  // --invite, then --invite-file
    std::vector<nlohmann::ordered_json> teams;     // --team
    std::optional<CallType> type;                  // default: SFU for >1 invitee, else MESH
    CallReason reason = CallReason::standard;
    bool anonymous = false;                        // --anonymous
    bool notify = true;                            // --no-notify clears it
    std::optional<std::int64_t> creator;           // --creator DBID
    std::optional<std::string> planned;            // --planned ISO8601
};

// Checks what the command line cannot: a title, someone to invite, a valid
// planned time. Usage errors (exit 2).
Status validate(const CreateCallRequest& request);
// The exact body of protocols.md §2, keys in its order.
nlohmann::ordered_json create_call_body(const CreateCallRequest& request);
// POST <rest>/rtc/createCall; unsafe to replay (it creates a call).
http::Request create_call_request(std::string_view rest_url, const CreateCallRequest& request);

// Parses a 2xx createCall/getCallLogById answer; not an object is exit 7.
Result<CallLog> parse_call_log(const http::Response& response, std::string_view what);

// Validates, sends with the session's bearer token, returns the CallLog.
Result<CallLog> create_call(Session& session, const CreateCallRequest& request);

// ---------------------------------------------------------------- call logs

// <rest>/rtc/getCallLogById?callId=<percent-encoded id>
std::string call_log_url(std::string_view rest_url, std::string_view call_id);

// Ids from --ids-from content: one per line, blanks and surrounding spaces
// ignored, lines starting with '#' skipped.
std::vector<std::string> parse_id_lines(std::string_view text);

// Planned < Started < Ended. Anything else is unknown: never "reached".
enum class CallStatus { planned = 0, started = 1, ended = 2 };
std::optional<CallStatus> parse_call_status(std::string_view text);  // case-insensitive
Result<CallStatus> parse_wait_target(std::string_view text);          // --wait-for; exit 2 when unknown
std::string_view to_string(CallStatus status);                        // "Planned", ...
// True when `status` (as the server wrote it) is `target` or later.
bool status_reached(std::string_view status, CallStatus target);
// The log's callStatus, or "" when absent.
std::string call_status_of(const CallLog& log);

// One row of the call-log table.
struct CallSummary {
    std::string id;        // database id as text, "-" when absent
    std::string call_id;
    std::string title;
    std::string status;
    std::string type;
    std::string creator;   // displayName (userId), or "-"
    std::size_t invitees = 0;
    std::size_t joined_now = 0;  // contacts whose Joins outnumber their Leaves
    std::string first_event;     // time of the first event that has one, or "-"
    std::string last_event;
    std::string created;         // createdAt, else the Created event's time, else "-"
};
CallSummary summarize_call(const CallLog& log);

// "Tester (tester)", "tester", "#12", "-": a contact as a person reads it.
std::string contact_label(const nlohmann::ordered_json& contact);
// An event's time from the first of timestamp/time/eventTime/date/createdAt.
std::string event_time(const nlohmann::ordered_json& event);

// ---------------------------------------------------------------- --wait-for

struct WaitStep {
    enum class Kind { done, poll_again, timed_out } kind = Kind::done;
    std::chrono::milliseconds sleep{0};  // for poll_again: how long to wait first
};
// After a round of polls: `pending` calls have not reached the target yet,
// `elapsed` since the first poll. The sleep never overshoots the timeout, so
// the last poll happens at the deadline.
WaitStep next_wait_step(std::size_t pending, std::chrono::milliseconds elapsed, std::chrono::milliseconds interval,
                        std::chrono::milliseconds timeout);

// ---------------------------------------------------------------- fetching

// Fetches call logs concurrently over one client (connections reused), with
// one bearer token attached to all. Requests are built a window at a time, so
// 10k ids never mean 10k requests in memory. A 401 on a stored token that can
// be refreshed refreshes once and re-fetches the rejected ids (the session's
// RenewOn401).
class CallLogFetcher {
public:
    CallLogFetcher(Session& session, std::string rest_url, int parallel);

    // Calls `on_done(index, log-or-error)` on this thread as each id finishes
    // (completion order). Fails as a whole only when there is no token; a stop
    // (Ctrl-C, SIGTERM, stdout gone) ends the unfinished ones as
    // stopped_error()s. Under --dry-run each outcome is a dry_run_stop()
    // (Error::is_dry_run()).
    using OnDone = std::function<void(std::size_t, Result<CallLog>)>;
    Status fetch(const std::vector<std::string>& ids, const std::vector<std::size_t>& which, const OnDone& on_done);
    Status fetch_all(const std::vector<std::string>& ids, const OnDone& on_done);

    // Requests per send_all window.
    static std::size_t window_size(int parallel);

private:
    http::Request request_for(const std::string& call_id, const std::string& token) const;
    // One pass over `which` with `token`, each answer (any status) to `done`.
    void fetch_pass(const std::vector<std::string>& ids, const std::string& token, const std::vector<std::size_t>& which,
                    const RenewOn401::Done& done);

    Session& session_;
    std::string rest_url_;
    int parallel_;
};

// The JSON/NDJSON error object for an id that failed:
// {"callId":"...","error":{"code":6,"message":"..."}}.
nlohmann::ordered_json error_object(std::string_view call_id, const Error& error);

}  // namespace callctl::api
