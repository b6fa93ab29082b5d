// The sandbox's GraphQL execution tree (tests/sandbox/backends/graphql_tree.*),
// built from callctl's parser events: selections, arguments, values,
// fragments flattened, variables substituted.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "backends/graphql_tree.hpp"

namespace gql = callctl::sandbox::gql;
using nlohmann::json;

namespace {

gql::Tree tree_of(const std::string& text) {
    auto tree = gql::parse_tree(text);
    REQUIRE_MESSAGE(tree.has_value(), (tree ? "" : callctl::graphql::describe(tree.error())));
    return *tree;
}

std::vector<std::string> names(const std::vector<const gql::Field*>& fields) {
    std::vector<std::string> out;
    for (const auto* field : fields) out.push_back(field->name);
    return out;
}

}  // namespace

TEST_CASE("sandbox graphql: SetIoTDeviceState's root field, arguments and selections") {
    const auto tree = tree_of("mutation SetIoTDeviceState($iotDeviceId: ID!, $stateInput: [IotDeviceStateInput!]!) {\n"
                              "  iotDeviceSetTargetState(id: $iotDeviceId, targetState: $stateInput) { __typename name }\n}\n");
    const auto* op = tree.find("");
    REQUIRE(op != nullptr);
    CHECK(op->kind == "mutation");
    CHECK(op->name == "SetIoTDeviceState");
    CHECK(op->variable("stateInput")->type == "[IotDeviceStateInput!]!");
    CHECK(op->used_variables == std::vector<std::string>{"iotDeviceId", "stateInput"});
    const auto roots = gql::flatten(op->selections, tree);
    REQUIRE(names(roots) == std::vector<std::string>{"iotDeviceSetTargetState"});
    const gql::Field& field = *roots.front();
    REQUIRE(field.argument("id") != nullptr);
    CHECK(field.argument("id")->value.kind == gql::Value::Kind::variable);
    CHECK(field.argument("id")->value.text == "iotDeviceId");
    CHECK(field.argument("targetState")->value.text == "stateInput");
    CHECK(field.argument("nope") == nullptr);
    CHECK(names(gql::flatten(field.selections, tree)) == std::vector<std::string>{"__typename", "name"});
}

TEST_CASE("sandbox graphql: aliases, nested values, defaults and directives") {
    const auto tree = tree_of(R"(
query Q($a: Int = 3, $b: [String!] = ["x", "y"], $c: In = {k: 1.5e3, l: [true, null, ENUM]}) @dir(x: 1) {
  alias: field(arg: $a, obj: {nested: $c, list: [$b, [1, -2]]}, s: "esc\"\u00e9", bs: """
      block
  """) @include(if: true) { id }
  second @skip(if: false)
})");
    const auto& op = tree.operations.at(0);
    REQUIRE(op.variables.size() == 3);
    REQUIRE(op.variables[0].default_value.has_value());
    CHECK(gql::resolve_value(*op.variables[0].default_value, json::object()).value() == 3);
    CHECK(gql::resolve_value(*op.variables[1].default_value, json::object()).value() == json::parse(R"(["x","y"])"));
    CHECK(gql::resolve_value(*op.variables[2].default_value, json::object()).value() ==
          json::parse(R"({"k":1.5e3,"l":[true,null,"ENUM"]})"));

    const auto roots = gql::flatten(op.selections, tree);
    REQUIRE(names(roots) == std::vector<std::string>{"field", "second"});
    const gql::Field& field = *roots[0];
    CHECK(field.alias == "alias");
    CHECK(field.response_key() == "alias");
    CHECK(roots[1]->response_key() == "second");
    // Directive arguments are not the field's.
    REQUIRE(field.arguments.size() == 4);
    const json vars = {{"a", 7}, {"b", {"p", "q"}}, {"c", {{"z", 1}}}};
    CHECK(gql::resolve_value(field.argument("arg")->value, vars).value() == 7);
    CHECK(gql::resolve_value(field.argument("obj")->value, vars).value() ==
          json::parse(R"({"nested":{"z":1},"list":[["p","q"],[1,-2]]})"));
    CHECK(field.argument("s")->value.text == "esc\"\xC3\xA9");
    CHECK(field.argument("bs")->value.text == "block");
    auto missing = gql::resolve_value(field.argument("arg")->value, json::object());
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().message == "Variable \"$a\" was not provided");
}

TEST_CASE("sandbox graphql: fragments and inline fragments are flattened in order, each spread once") {
    const auto tree = tree_of("{ ...Roots ... on Query { c ...Roots } d }\nfragment Roots on Query { a b { x } }");
    const auto* op = tree.find("");
    REQUIRE(op != nullptr);
    const auto roots = gql::flatten(op->selections, tree);
    CHECK(names(roots) == std::vector<std::string>{"a", "b", "c", "d"});
    CHECK(names(gql::flatten(roots[1]->selections, tree)) == std::vector<std::string>{"x"});
}

TEST_CASE("sandbox graphql: several operations, found by name; what the parser refuses is refused") {
    const auto tree = tree_of("query A { a } mutation B { b }");
    CHECK(tree.find("") == nullptr);
    REQUIRE(tree.find("B") != nullptr);
    CHECK(tree.find("B")->kind == "mutation");
    CHECK(tree.find("C") == nullptr);

    auto refused = gql::parse_tree("mutation M { a(x: $undefined) }");
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().message == "Variable \"$undefined\" is not defined by operation \"M\"");
}
