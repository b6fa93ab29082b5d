// Intercom control over GraphQL (callctl(1), "answer" and WIRE FORMATS):
// answer an incoming call, open the door, end the call. The operations and
// their built-in documents live in one table (graphql_operations()); a
// document may be replaced for one run (--query-file) or per profile
// (graphql.<Operation>). Every document is checked, then sent minified.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/api/graphql.hpp"
#include "callctl/api/session.hpp"
#include "callctl/config/settings.hpp"
#include "callctl/error.hpp"

namespace callctl::api {

// A GraphQL operation callctl sends: its name, the built-in document, and the
// variables callctl fills in (a replacement must declare all of them).
struct GraphqlOperationSpec {
    std::string_view name;
    std::string_view document;
    std::vector<std::string> variables;
};

// The single table of operations (SetIoTDeviceState, AnswerIncomingCall).
const std::vector<GraphqlOperationSpec>& graphql_operations();
const GraphqlOperationSpec* find_graphql_operation(std::string_view name);

enum class IntercomAction { answer, open_door, hangup };

struct IntercomActionSpec {
    IntercomAction action;
    std::string_view command;       // "open-door": the subcommand
    std::string_view operation;     // "SetIoTDeviceState"
    std::string_view confirmation;  // "door opened": the table-mode line starts with it
    std::string_view summary;       // --help text
    nlohmann::json state_input;     // stateInput for SetIoTDeviceState; null for AnswerIncomingCall
};

const std::vector<IntercomActionSpec>& intercom_actions();
const IntercomActionSpec& intercom_action(IntercomAction action);

// The variables sent for `action` on `device_id`:
// {"iotDeviceId":…} or {"iotDeviceId":…,"stateInput":[{"action":…,"value":…}]}.
nlohmann::json intercom_variables(IntercomAction action, const std::string& device_id);

// A document given for this run only (--query-file): its text and where it came from.
struct DocumentOverride {
    std::string text;
    std::string origin;  // "--query-file answer.graphql"
};

// What the command line says about the document: --query-file, --operation.
struct DocumentOptions {
    std::optional<DocumentOverride> query_file;
    std::optional<std::string> operation;
};

// The document that will be sent, and where it came from: --query-file >
// the profile's graphql.<Operation> > built-in. Every one is checked
// (check_graphql_document): a bad one is an Error (3, or 2 for the choice of
// operation) and nothing is sent.
struct ChosenDocument {
    std::string text;            // as written
    std::string origin;          // "built-in", "--query-file FILE", "profile 'p' graphql.AnswerIncomingCall"
    std::string operation_name;  // the operation to send; "" for an anonymous one
};
Result<ChosenDocument> choose_document(const GraphqlOperationSpec& operation, const config::Settings& settings,
                                       const DocumentOptions& options);

// The complete request for `action`: the document chosen and checked as
// above, minified (graphql::minify), its operation's name as operationName.
Result<GraphqlRequest> intercom_request(IntercomAction action, const std::string& device_id,
                                        const config::Settings& settings, const DocumentOptions& options);

// A hint for a failed response: when the server rejected the document itself
// (errors without a path), point at the ways to replace it.
std::string replacement_hint(std::string_view operation, const GraphqlResponse& response);

// The device's display name from a mutation's `data`, when the selection asked
// for one (SetIoTDeviceState selects `name`).
std::optional<std::string> device_name(const nlohmann::json& data);

}  // namespace callctl::api
