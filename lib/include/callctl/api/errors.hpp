// Where failures become Errors: the one place a transport failure or an HTTP
// answer gets its exit code and its one-line message (EXIT STATUS in
// callctl(1)). http/ returns TransportError and Response and knows no exit
// codes; every api/ function that sends goes through here.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "callctl/error.hpp"
#include "callctl/http/http.hpp"

namespace callctl::api {

// A transport failure as the user sees it: exit 4 (network, TLS, timeout),
// 2 for a malformed URL (retrying can never help, so it must not look like a
// network failure to a script), stopped_error() when Ctrl-C, SIGTERM or a
// closed stdout stopped it, and dry_run_stop() for a --dry-run request.
// `what` names the action, e.g. "create the call" or "GET http://h/config".
Error to_error(const http::TransportError& error, std::string_view what);

bool is_success(long status);  // 2xx

// The server's own words from an error answer: error_description, message,
// error, errors[0].message, or the first line of a non-JSON body; every
// secret of the run in it redacted (http::redact), before it is cut to a line.
std::string server_message(const http::Response& response);
// A non-2xx answer as an Error, quoting the server: 401/403 -> 5, 3xx (not
// followed) and other 4xx -> 6, 5xx -> 7.
Error status_error(const http::Response& response, std::string_view what);
// The body as JSON; an unparsable body from a server that said 2xx is exit 7
// (the server misbehaved, not the user's input).
Result<nlohmann::json> json_body(const http::Response& response, std::string_view what);

// One send's outcome as a Result: the answer whatever its status (a 401 is
// still a Response, for RenewOn401), or to_error() of the transport failure.
Result<http::Response> answer_of(http::Outcome outcome, std::string_view what);
// The same, and a non-2xx answer is status_error().
Result<http::Response> success_of(http::Outcome outcome, std::string_view what);

}  // namespace callctl::api
