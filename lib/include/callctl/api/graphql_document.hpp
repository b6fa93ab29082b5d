// A minimal GraphQL parser for executable documents (operations and
// fragments, GraphQL spec §2). It does not know any schema: it tells which
// operations a document declares, their variables and root fields, and
// rejects text that is not GraphQL. callctl uses it to check a replacement
// document (--query-file) before sending it; the sandbox uses it to route a
// request to the right root field.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/error.hpp"

namespace callctl::api {

// A literal or a variable reference as written in the document.
struct GraphqlValue {
    // Declared here, defaulted in the .cpp: clang (with libstdc++) would
    // otherwise instantiate std::pair<std::string, GraphqlValue> from inside
    // the implicit constructor's checks while GraphqlValue is still incomplete,
    // and reject it (GCC accepts either way).
    GraphqlValue();
    enum class Kind { variable, int_number, float_number, string, boolean, null, enum_value, list, object };
    Kind kind = Kind::null;
    std::string text;  // variable name (no $), number text, decoded string, "true"/"false", enum name
    std::vector<GraphqlValue> items;                             // list
    std::vector<std::pair<std::string, GraphqlValue>> fields;    // object, in document order
};

struct GraphqlArgument {
    std::string name;
    GraphqlValue value;
};

struct GraphqlSelection;

struct GraphqlField {
    std::string alias;  // empty when none; response_key() is what a server answers under
    std::string name;
    std::vector<GraphqlArgument> arguments;
    std::vector<GraphqlSelection> selections;  // empty for a leaf
    int line = 0;
    int column = 0;

    const std::string& response_key() const { return alias.empty() ? name : alias; }
    const GraphqlArgument* argument(std::string_view arg_name) const;
};

struct GraphqlSelection {
    enum class Kind { field, fragment_spread, inline_fragment };
    Kind kind = Kind::field;
    GraphqlField field;                     // Kind::field
    std::string fragment_name;              // Kind::fragment_spread
    std::string type_condition;             // Kind::inline_fragment (may be empty)
    std::vector<GraphqlSelection> selections;  // Kind::inline_fragment
};

struct GraphqlVariable {
    std::string name;  // without the '$'
    std::string type;  // as written, normalised: "ID!", "[IotDeviceStateInput!]!"
    std::optional<GraphqlValue> default_value;
};

struct GraphqlOperation {
    std::string kind;  // query | mutation | subscription
    std::string name;  // empty for an anonymous operation
    std::vector<GraphqlVariable> variables;
    // Fields selected at the top level, fragments resolved, in document order.
    std::vector<std::string> root_fields;
    std::vector<GraphqlField> root_selections;  // the same fields, with arguments and sub-selections
    // Every variable the operation uses, through fragments too (each once).
    std::vector<std::string> referenced_variables;

    const GraphqlVariable* variable(std::string_view var_name) const;
};

struct GraphqlFragment {
    std::string name;
    std::string type_condition;
    std::vector<GraphqlSelection> selections;
};

struct GraphqlDocument {
    std::vector<GraphqlOperation> operations;
    std::vector<GraphqlFragment> fragments;

    // The operation with that name; an empty name finds the only operation of
    // a single-operation document (what a server does without operationName).
    const GraphqlOperation* find(std::string_view name) const;
};

// Where and why a document failed to parse. Line and column count from 1.
struct GraphqlParseError {
    std::string message;  // e.g. `Expected Name, found "}"`
    int line = 0;
    int column = 0;
};

Expected<GraphqlDocument, GraphqlParseError> parse_graphql_detailed(std::string_view text);

// The same as an Error: bad_input (3), "GraphQL syntax error at L:C: ...".
Result<GraphqlDocument> parse_graphql(std::string_view text);

// The JSON a value stands for, with variables substituted from `variables`.
// A variable missing from `variables` is bad_input.
Result<nlohmann::json> resolve_value(const GraphqlValue& value, const nlohmann::json& variables);

}  // namespace callctl::api
