#include "callctl/api/graphql.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "callctl/graphql/document.hpp"

namespace callctl::api {

using nlohmann::json;

std::string graphql_body(const GraphqlRequest& request) {
    // nlohmann::json keeps keys sorted, which happens to be the conventional
    // order: operationName, query, variables.
    const json body = {
        {"operationName", request.operation_name.empty() ? json(nullptr) : json(request.operation_name)},
        {"query", request.document},
        {"variables", request.variables.is_null() ? json::object() : request.variables},
    };
    return body.dump();
}

namespace {

// Every string inside `value` redacted (http::redact), without recursion.
json with_strings_redacted(json value) {
    std::vector<json*> pending{&value};
    while (!pending.empty()) {
        json* node = pending.back();
        pending.pop_back();
        if (node->is_string()) {
            auto& text = node->get_ref<std::string&>();
            text = http::redact(text, {});
        } else if (node->is_structured()) {
            for (auto& child : *node) pending.push_back(&child);
        }
    }
    return value;
}

}  // namespace

// The errors are the server's words and may echo the request (our bearer
// token): redacted as the error lines are, since this goes to stdout.
json GraphqlResponse::to_json() const { return json{{"data", data}, {"errors", with_strings_redacted(errors)}}; }

std::string format_graphql_path(const json& path) {
    if (!path.is_array()) return {};
    std::string text;
    for (const auto& segment : path) {
        if (!text.empty()) text += '.';
        text += segment.is_string() ? segment.get<std::string>() : segment.dump();
    }
    return text;
}

std::string describe(const GraphqlError& error) {
    if (error.path.empty()) return "GraphQL: " + error.message;
    return fmt::format("GraphQL: {} (path: {})", error.message, error.path);
}

namespace {

GraphqlError read_error(const json& entry) {
    GraphqlError error;
    if (entry.is_object()) {
        if (entry.contains("message") && entry["message"].is_string()) error.message = entry["message"].get<std::string>();
        if (entry.contains("path")) error.path = format_graphql_path(entry["path"]);
    } else if (entry.is_string()) {
        error.message = entry.get<std::string>();  // not per spec, but seen in the wild
    }
    // One line per error: a multi-line message would break the stderr format.
    std::replace(error.message.begin(), error.message.end(), '\n', ' ');
    if (error.message.empty()) error.message = "(no message)";
    // It may echo the request (our bearer token): redacted before anyone shows it.
    error.message = http::redact(error.message, {});
    error.path = http::redact(error.path, {});
    return error;
}

}  // namespace

Result<GraphqlResponse> read_graphql_response(const http::Response& response, std::string_view what) {
    auto body = json_body(response, what);
    if (!body) return body.error();
    if (!body->is_object() || (!body->contains("data") && !body->contains("errors"))) {
        return make_error(ExitCode::http_server,
                          fmt::format("{}: the server answered HTTP {} with JSON that is not a GraphQL response "
                                      "(no \"data\" or \"errors\")",
                                      what, response.status),
                          "check --graphql-url: it must be the full URL of the GraphQL endpoint");
    }
    GraphqlResponse result;
    if (body->contains("data")) result.data = (*body)["data"];
    if (body->contains("errors")) {
        const json& errors = (*body)["errors"];
        if (errors.is_array()) {
            result.errors = errors;
        } else if (!errors.is_null()) {
            result.errors = json::array({errors});  // a lone error object: still a failure
        }
    }
    for (const auto& entry : result.errors) result.error_list.push_back(read_error(entry));
    return result;
}

Error failure_of(const GraphqlResponse& response, std::string hint) {
    if (response.error_list.empty()) return make_error(ExitCode::internal, "failure_of() on a successful GraphQL response");
    Error error = make_error(ExitCode::graphql, describe(response.error_list.front()), std::move(hint));
    for (std::size_t i = 1; i < response.error_list.size(); ++i) error.more.push_back(describe(response.error_list[i]));
    return error;
}

Result<std::string> check_graphql_document(std::string_view document, const DocumentCheck& check) {
    auto fail = [&](ExitCode code, std::string why, std::string hint = {}) -> Error {
        return make_error(code, fmt::format("{}: {}", check.origin, why), std::move(hint));
    };
    auto parsed = graphql::parse(document);
    if (!parsed) return fail(ExitCode::bad_input, graphql::describe(parsed.error()));

    // The document is the user's (often the vendor's own): its one operation
    // is sent whatever its name; only a choice among several needs --operation.
    const graphql::Operation* operation = nullptr;
    if (check.operation) {
        operation = check.operation->empty() ? nullptr : parsed->find(*check.operation);
        if (operation == nullptr) {
            return fail(ExitCode::usage,
                        fmt::format("no operation named '{}' (found: {})", *check.operation, parsed->operation_names()),
                        "--operation names one of the document's operations");
        }
    } else if (parsed->operations.size() == 1) {
        operation = &parsed->operations.front();
    } else {
        return fail(ExitCode::usage,
                    fmt::format("holds {} operations ({}): say which to send with --operation NAME", parsed->operations.size(),
                                parsed->operation_names()));
    }
    const std::string label = operation->name.empty() ? std::string("the anonymous operation") : "operation " + operation->name;

    std::vector<std::string> missing;
    for (const auto& name : check.sent_variables) {
        if (operation->variable(name) == nullptr) missing.push_back("$" + name);
    }
    if (!missing.empty()) {
        return fail(ExitCode::bad_input,
                    fmt::format("{} does not declare {} (callctl sends {})", label, fmt::join(missing, ", "),
                                missing.size() == 1 ? "it" : "them"),
                    check.example.empty() ? std::string() : fmt::format("the built-in document declares `{}`", check.example));
    }

    for (const auto& variable : operation->variables) {
        const bool sent = std::find(check.sent_variables.begin(), check.sent_variables.end(), variable.name) !=
                          check.sent_variables.end();
        if (!sent && variable.required()) {
            return fail(ExitCode::bad_input,
                        fmt::format("{} requires ${} ({}), which callctl does not send", label, variable.name, variable.type),
                        fmt::format("callctl sends only ${}; give ${} a default value or make it nullable",
                                    fmt::join(check.sent_variables, ", $"), variable.name));
        }
    }
    return operation->name;
}

Result<GraphqlResponse> execute_graphql(Session& session, const std::string& url, const GraphqlRequest& request) {
    return execute_graphql(session, url, request, session.bearer_renewal());
}

Result<GraphqlResponse> execute_graphql(Session& session, const std::string& url, const GraphqlRequest& request,
                                        RenewOn401& bearer) {
    http::Request http_request;
    http_request.method = http::Method::post;
    http_request.url = url;
    http_request.headers.push_back({"Content-Type", "application/json"});
    http_request.headers.push_back({"Accept", "application/json"});
    http_request.body = graphql_body(request);
    http_request.replay = request.replay;

    const std::string what = fmt::format("GraphQL {}", request.operation_name.empty() ? "operation" : request.operation_name);
    auto response = session.send_authorized(std::move(http_request), what, bearer);
    if (!response) return response.error();
    return read_graphql_response(*response, what);
}

}  // namespace callctl::api
