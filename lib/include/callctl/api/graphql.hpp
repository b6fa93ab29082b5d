// A small GraphQL-over-HTTP client (protocols.md §3): POST <graphql_url> with
// {"operationName","query","variables"} and a bearer token. A 200 answer whose
// `errors` array is non-empty is a failure (exit 8), but its partial `data` is
// kept so that JSON output can still show it.
//
// Replacement documents (--query-file, a profile's graphql.<Operation>) are
// checked here before anything is sent: they must parse, contain the named
// operation, and declare every variable callctl sends.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/api/session.hpp"
#include "callctl/error.hpp"
#include "callctl/http/http.hpp"

namespace callctl::api {

struct GraphqlRequest {
    std::string operation_name;
    std::string document;  // the `query` member
    nlohmann::json variables = nlohmann::json::object();
    // State-setting mutations are idempotent (cli.md, "Retries").
    http::Replay replay = http::Replay::idempotent;
};

// {"operationName":…,"query":…,"variables":…}, in that order.
std::string graphql_body(const GraphqlRequest& request);

// One entry of a response's `errors` array.
struct GraphqlError {
    std::string message;  // "(no message)" when the server sent none
    std::string path;     // "a.b.0.c"; empty when the error has no path
};

struct GraphqlResponse {
    nlohmann::json data;  // null when absent
    nlohmann::json errors = nlohmann::json::array();  // as sent, for JSON output
    std::vector<GraphqlError> error_list;              // the same, readable

    bool failed() const { return !error_list.empty(); }
    // {"data":…,"errors":[…]}: what JSON mode prints on failure.
    nlohmann::json to_json() const;
};

// ["a", 0, "b"] -> "a.0.b"; anything that is not a list -> "".
std::string format_graphql_path(const nlohmann::json& path);

// "GraphQL: <message> (path: a.b)", the line each error is shown as.
std::string describe(const GraphqlError& error);

// Reads a 2xx answer. A body that is not JSON, or an object with neither
// `data` nor `errors`, is the server misbehaving (exit 7). A non-empty
// `errors` array is returned as data here; see failure_of().
Result<GraphqlResponse> read_graphql_response(const http::Response& response, std::string_view what);

// The exit-8 Error for a failed response: the last error's line (the CLI
// prints the others before it), with `hint` attached.
Error failure_of(const GraphqlResponse& response, std::string hint = {});

// What a replacement document must satisfy for one operation.
struct DocumentCheck {
    std::string_view operation_name;
    std::vector<std::string> sent_variables;  // names without '$'
    std::string origin;                       // "--query-file q.graphql", for messages
    std::string example;  // hint when variables are wrong: "mutation Op($iotDeviceId: ID!)"
};

// Parses `document` and checks it against `check`; bad_input (3) naming what
// is missing: a syntax error (with line:column; the parser also rejects a
// variable used but never declared), the operation, a variable callctl sends
// that is not declared, or a required variable callctl does not send.
Status check_graphql_document(std::string_view document, const DocumentCheck& check);

// Sends `request` to `url` through the session (bearer auth, refresh on 401,
// retries per request.replay). HTTP and transport failures are Errors (4, 5,
// 6, 7); a GraphQL-level failure is a GraphqlResponse with failed() true.
Result<GraphqlResponse> execute_graphql(Session& session, const std::string& url, const GraphqlRequest& request);
// The same, the bearer token sent through `bearer` (answer/open-door/hangup: IntercomBearer).
Result<GraphqlResponse> execute_graphql(Session& session, const std::string& url, const GraphqlRequest& request,
                                        RenewOn401& bearer);

}  // namespace callctl::api
