#include "callctl/api/intercom.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "callctl/graphql/document.hpp"

namespace callctl::api {

using nlohmann::json;

// The documents as callctl(1) prints them ("answer"); they are sent minified.
// SetIoTDeviceState is the one the vendor's Android app ships; AnswerIncomingCall
// is a convention (the vendor's document is not public), hence replacements.
const std::vector<GraphqlOperationSpec>& graphql_operations() {
    static const std::vector<GraphqlOperationSpec> operations = {
        {"SetIoTDeviceState",
         "mutation SetIoTDeviceState($iotDeviceId: ID!, $stateInput: [IotDeviceStateInput!]!) {\n"
         "  iotDeviceSetTargetState(id: $iotDeviceId, targetState: $stateInput) { __typename name }\n"
         "}\n",
         {"iotDeviceId", "stateInput"}},
        {"AnswerIncomingCall",
         "mutation AnswerIncomingCall($iotDeviceId: ID!) {\n"
         "  answerIncomingCall(iotDeviceId: $iotDeviceId) { __typename }\n"
         "}\n",
         {"iotDeviceId"}},
    };
    return operations;
}

const GraphqlOperationSpec* find_graphql_operation(std::string_view name) {
    for (const auto& operation : graphql_operations()) {
        if (operation.name == name) return &operation;
    }
    return nullptr;
}

const std::vector<IntercomActionSpec>& intercom_actions() {
    static const std::vector<IntercomActionSpec> actions = {
        {IntercomAction::answer, "answer", "AnswerIncomingCall", "call answered",
         "Answer an incoming intercom call (AnswerIncomingCall)", json()},
        {IntercomAction::open_door, "open-door", "SetIoTDeviceState", "door opened",
         "Open the door of an intercom device (SetIoTDeviceState open=true)",
         json::array({{{"action", "open"}, {"value", "true"}}})},
        {IntercomAction::hangup, "hangup", "SetIoTDeviceState", "call ended",
         "End the intercom call (SetIoTDeviceState call=false)",
         json::array({{{"action", "call"}, {"value", "false"}}})},
    };
    return actions;
}

const IntercomActionSpec& intercom_action(IntercomAction action) {
    for (const auto& spec : intercom_actions()) {
        if (spec.action == action) return spec;
    }
    return intercom_actions().front();  // unreachable: every enumerator has a row
}

json intercom_variables(IntercomAction action, const std::string& device_id) {
    const IntercomActionSpec& spec = intercom_action(action);
    json variables = {{"iotDeviceId", device_id}};
    if (!spec.state_input.is_null()) variables["stateInput"] = spec.state_input;
    return variables;
}

namespace {

// "mutation SetIoTDeviceState($iotDeviceId: ID!, $stateInput: [IotDeviceStateInput!]!)": the
// first line of the built-in document, shown when a replacement gets the variables wrong.
std::string declaration(const GraphqlOperationSpec& operation) {
    std::string_view text = operation.document;
    text = text.substr(0, text.find('{'));
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    return std::string(text);
}

}  // namespace

Result<ChosenDocument> choose_document(const GraphqlOperationSpec& operation, const config::Settings& settings,
                                       const DocumentOptions& options) {
    ChosenDocument chosen;
    if (options.query_file) {
        chosen = {options.query_file->text, options.query_file->origin, {}};
    } else if (auto it = settings.graphql_documents.find(std::string(operation.name)); it != settings.graphql_documents.end()) {
        chosen = {it->second, fmt::format("profile '{}' graphql.{}", settings.profile, operation.name), {}};
    } else {
        chosen = {std::string(operation.document), "built-in", {}};
    }
    const DocumentCheck check{operation.variables, chosen.origin, declaration(operation), options.operation};
    auto name = check_graphql_document(chosen.text, check);
    if (!name) return name.error();
    chosen.operation_name = std::move(*name);
    return chosen;
}

Result<GraphqlRequest> intercom_request(IntercomAction action, const std::string& device_id,
                                        const config::Settings& settings, const DocumentOptions& options) {
    const IntercomActionSpec& spec = intercom_action(action);
    const GraphqlOperationSpec* operation = find_graphql_operation(spec.operation);
    if (operation == nullptr) return make_error(ExitCode::internal, fmt::format("no GraphQL operation {}", spec.operation));
    auto document = choose_document(*operation, settings, options);
    if (!document) return document.error();
    // Sent the way the vendor's app sends its documents (callctl(1), WIRE FORMATS).
    auto minified = graphql::minify(document->text);
    if (!minified) return make_error(ExitCode::internal, fmt::format("{}: {}", document->origin, graphql::describe(minified.error())));

    GraphqlRequest request;
    request.operation_name = std::move(document->operation_name);
    request.document = std::move(*minified);
    request.variables = intercom_variables(action, device_id);
    request.replay = http::Replay::idempotent;  // each mutation sets a state: sending it twice is harmless
    return request;
}

std::string replacement_hint(std::string_view operation, const GraphqlResponse& response) {
    const bool document_rejected =
        std::any_of(response.error_list.begin(), response.error_list.end(), [](const GraphqlError& e) { return e.path.empty(); });
    if (!document_rejected) return {};
    return fmt::format("if the server does not accept the {} document, give it its own: --query-file FILE, or "
                       "`callctl profile set graphql.{} @FILE`",
                       operation, operation);
}

std::optional<std::string> device_name(const json& data) {
    if (!data.is_object()) return std::nullopt;
    for (const auto& [key, value] : data.items()) {
        if (value.is_object() && value.contains("name") && value["name"].is_string()) return value["name"].get<std::string>();
    }
    return std::nullopt;
}

}  // namespace callctl::api
