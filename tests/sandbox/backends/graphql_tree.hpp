// The execution half of GraphQL, which only the sandbox needs: the document
// as a tree (selections, arguments, values), built from callctl's own parser
// (callctl/graphql/syntax.hpp), so that the sandbox accepts exactly what
// callctl's parser accepts (tests/e2e/test_graphql_conformance.py holds that
// parser against graphql-core), plus the helpers to execute it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/error.hpp"
#include "callctl/graphql/document.hpp"

namespace callctl::sandbox::gql {

// A literal or a variable reference as written in the document.
struct Value {
    // Declared here, defaulted in the .cpp: clang (with libstdc++) would
    // otherwise instantiate std::pair<std::string, Value> from inside the
    // implicit constructor's checks while Value is still incomplete, and
    // reject it (GCC accepts either way).
    Value();
    enum class Kind { variable, int_number, float_number, string, boolean, null, enum_value, list, object };
    Kind kind = Kind::null;
    std::string text;  // variable name (no $), number text, decoded string, "true"/"false", enum name
    std::vector<Value> items;                            // list
    std::vector<std::pair<std::string, Value>> fields;  // object, in document order
};

struct Argument {
    std::string name;
    Value value;
};

struct Selection;

struct Field {
    std::string alias;  // empty when none; response_key() is what a server answers under
    std::string name;
    std::vector<Argument> arguments;
    std::vector<Selection> selections;  // empty for a leaf

    const std::string& response_key() const { return alias.empty() ? name : alias; }
    const Argument* argument(std::string_view arg_name) const;
};

struct Selection {
    enum class Kind { field, fragment_spread, inline_fragment };
    Kind kind = Kind::field;
    Field field;                        // Kind::field
    std::string fragment_name;          // Kind::fragment_spread
    std::vector<Selection> selections;  // Kind::inline_fragment
};

struct VariableDefinition {
    std::string name;
    std::string type;
    std::optional<Value> default_value;
};

struct Operation {
    std::string kind;  // query | mutation | subscription
    std::string name;
    std::vector<VariableDefinition> variables;
    std::vector<std::string> used_variables;  // from the parser's declarations
    std::vector<Selection> selections;        // the top level, as written

    const VariableDefinition* variable(std::string_view var_name) const;
};

struct Fragment {
    std::string name;
    std::vector<Selection> selections;
};

struct Tree {
    std::vector<Operation> operations;
    std::vector<Fragment> fragments;

    // As graphql::Document::find: an empty name finds the only operation.
    const Operation* find(std::string_view name) const;
    const Fragment* fragment(std::string_view name) const;
};

Expected<Tree, graphql::ParseError> parse_tree(std::string_view text);

// The fields `selections` selects, with inline fragments and spreads
// flattened (the sandbox's result types have no interfaces to tell apart);
// each fragment is spread once.
std::vector<const Field*> flatten(const std::vector<Selection>& selections, const Tree& tree);

// The JSON a value stands for, with variables substituted from `variables`.
// A variable missing from `variables` is bad_input.
Result<nlohmann::json> resolve_value(const Value& value, const nlohmann::json& variables);

}  // namespace callctl::sandbox::gql
