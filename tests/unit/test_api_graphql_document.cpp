#include <doctest/doctest.h>

#include <string>

#include "callctl/api/graphql_document.hpp"

using callctl::ExitCode;
using callctl::api::GraphqlParseError;
using callctl::api::GraphqlValue;
using callctl::api::parse_graphql;
using callctl::api::parse_graphql_detailed;

namespace {

// The documents of protocols.md §3, as callctl sends them.
constexpr const char* set_state_document = R"(mutation SetIoTDeviceState($iotDeviceId: ID!, $stateInput: [IotDeviceStateInput!]!) {
  iotDeviceSetTargetState(id: $iotDeviceId, targetState: $stateInput) { __typename name }
}
)";

constexpr const char* answer_document = R"(mutation AnswerIncomingCall($iotDeviceId: ID!) {
  answerIncomingCall(iotDeviceId: $iotDeviceId) { __typename }
}
)";

GraphqlParseError parse_error(const std::string& text) {
    auto result = parse_graphql_detailed(text);
    REQUIRE_FALSE(result.has_value());
    return result.error();
}

}  // namespace

TEST_CASE("graphql: SetIoTDeviceState has its name, typed variables and root field") {
    auto doc = parse_graphql(set_state_document);
    REQUIRE(doc.has_value());
    REQUIRE(doc->operations.size() == 1);
    const auto& op = doc->operations.front();
    CHECK(op.kind == "mutation");
    CHECK(op.name == "SetIoTDeviceState");
    REQUIRE(op.variables.size() == 2);
    CHECK(op.variables[0].name == "iotDeviceId");
    CHECK(op.variables[0].type == "ID!");
    CHECK(op.variables[1].name == "stateInput");
    CHECK(op.variables[1].type == "[IotDeviceStateInput!]!");
    REQUIRE(op.root_fields == std::vector<std::string>{"iotDeviceSetTargetState"});
    const auto& field = op.root_selections.front();
    REQUIRE(field.argument("id") != nullptr);
    CHECK(field.argument("id")->value.kind == GraphqlValue::Kind::variable);
    CHECK(field.argument("id")->value.text == "iotDeviceId");
    CHECK(field.argument("targetState")->value.text == "stateInput");
    CHECK(field.argument("nope") == nullptr);
    REQUIRE(field.selections.size() == 2);
    CHECK(field.selections[0].field.name == "__typename");
    CHECK(field.selections[1].field.name == "name");
    CHECK(op.referenced_variables == std::vector<std::string>{"iotDeviceId", "stateInput"});
    CHECK(doc->find("SetIoTDeviceState") == &op);
    CHECK(doc->find("") == &op);
    CHECK(doc->find("Other") == nullptr);
}

TEST_CASE("graphql: AnswerIncomingCall has its name, variable and root field") {
    auto doc = parse_graphql(answer_document);
    REQUIRE(doc.has_value());
    const auto* op = doc->find("AnswerIncomingCall");
    REQUIRE(op != nullptr);
    CHECK(op->kind == "mutation");
    REQUIRE(op->variables.size() == 1);
    CHECK(op->variables[0].name == "iotDeviceId");
    CHECK(op->variables[0].type == "ID!");
    CHECK(op->root_fields == std::vector<std::string>{"answerIncomingCall"});
}

TEST_CASE("graphql: the full executable grammar parses") {
    const char* text = R"(# leading comment
query Q($a: Int = 3, $b: [String!] = ["x", "y"], $c: In = {k: 1.5e3, l: [true, null, ENUM]}) @dir(x: 1) {
  alias: field(arg: $a, obj: {nested: $c}, list: [$b], s: "esc\"\u00e9\n", bs: """
      block "quoted" \"""
        indented
  """) @include(if: true) {
    ...Frag @skip(if: false)
    ... on Thing { id }
    ... @defer { other }
  }
  second, third
}
fragment Frag on Thing { name(first: -10) }
mutation M { doIt }
subscription S { events { id } }
)";
    auto doc = parse_graphql(text);
    REQUIRE_MESSAGE(doc.has_value(), (doc ? "" : doc.error().message));
    REQUIRE(doc->operations.size() == 3);
    const auto& q = doc->operations[0];
    CHECK(q.kind == "query");
    CHECK(q.root_fields == std::vector<std::string>{"field", "second", "third"});
    CHECK(q.root_selections[0].alias == "alias");
    CHECK(q.root_selections[0].response_key() == "alias");
    CHECK(q.variables[1].type == "[String!]");
    REQUIRE(q.variables[0].default_value.has_value());
    CHECK(q.variables[0].default_value->text == "3");
    const auto* s = q.root_selections[0].argument("s");
    REQUIRE(s != nullptr);
    CHECK(s->value.text == "esc\"\xC3\xA9\n");
    CHECK(q.root_selections[0].argument("bs")->value.text == "block \"quoted\" \"\"\"\n  indented");
    CHECK(q.referenced_variables == std::vector<std::string>{"a", "c", "b"});
    CHECK(doc->operations[1].kind == "mutation");
    CHECK(doc->operations[2].kind == "subscription");
    REQUIRE(doc->fragments.size() == 1);
    CHECK(doc->fragments[0].type_condition == "Thing");
}

TEST_CASE("graphql: the query shorthand and fragments at the root") {
    auto doc = parse_graphql("{ ...Roots ... on Query { c } }\nfragment Roots on Query { a b }");
    REQUIRE(doc.has_value());
    CHECK(doc->operations[0].kind == "query");
    CHECK(doc->operations[0].name.empty());
    CHECK(doc->operations[0].root_fields == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("graphql: variables used inside fragments count for the operation") {
    auto doc = parse_graphql("query Q($id: ID!) { ...F }\nfragment F on Query { node(id: $id) { id } }");
    REQUIRE(doc.has_value());
    CHECK(doc->operations[0].referenced_variables == std::vector<std::string>{"id"});

    auto undefined = parse_error("query Q { ...F }\nfragment F on Query { node(id: $id) { id } }");
    CHECK(undefined.message == "Variable \"$id\" is not defined by operation \"Q\"");
    CHECK(undefined.line == 2);
    CHECK(undefined.column == 32);
}

TEST_CASE("graphql: syntax errors carry line and column") {
    SUBCASE("unbalanced braces") {
        auto e = parse_error("mutation M {\n  a {\n    b\n  }\n");
        CHECK(e.line == 5);
        CHECK(e.column == 1);
        CHECK(e.message == "Expected Name, found <EOF>");
    }
    SUBCASE("a variable without $") {
        auto e = parse_error("mutation M(iotDeviceId: ID!) { a }");
        CHECK(e.line == 1);
        CHECK(e.column == 12);
        CHECK(e.message == "Expected \"$\", found Name \"iotDeviceId\"");
    }
    SUBCASE("an extra closing brace") {
        auto e = parse_error("{ a }\n}");
        CHECK(e.line == 2);
        CHECK(e.column == 1);
    }
    SUBCASE("an unterminated string") {
        auto e = parse_error("{ a(x: \"abc\n) }");
        CHECK(e.line == 1);
        CHECK(e.message == "Unterminated string");
    }
    SUBCASE("a bad character") {
        auto e = parse_error("{ a ? }");
        CHECK(e.column == 5);
    }
    SUBCASE("a block string moves the line count on") {
        auto e = parse_error("{ a(x: \"\"\"one\ntwo\nthree\"\"\") ! }");
        CHECK(e.line == 3);
        CHECK(e.column == 11);
    }
    SUBCASE("a bad number") {
        CHECK(parse_error("{ a(x: 01) }").message == "Invalid number, unexpected digit after 0");
        CHECK(parse_error("{ a(x: 1.) }").column == 10);
        CHECK_FALSE(parse_graphql("{ a(x: 12abc) }").has_value());
    }
}

TEST_CASE("graphql: documents that are not executable or not valid fail") {
    for (const char* text : {
             "",                                              // empty
             "   # only a comment\n",                         // empty too
             "mutation M { }",                                // empty selection set
             "mutation M() { a }",                            // empty variable list
             "mutation M($a ID!) { a }",                      // missing ':'
             "mutation M($a: ) { a }",                        // missing type
             "mutation M($a: [ID!) { a }",                    // unclosed list type
             "mutation M($a: ID = $b) { a }",                 // variable in a default value
             "mutation M { a(x:) }",                          // missing value
             "mutation M { a(x: [1, 2) }",                    // unclosed list
             "{ a } { b }",                                   // two anonymous operations
             "query Q { a } query Q { b }",                   // duplicate name
             "query Q { a } { b }",                           // anonymous among named
             "type Query { a: Int }",                         // schema, not executable
             "query Q { ...Missing }",                        // unknown fragment
             "query Q { ...A } fragment A on Q { ...A }",     // fragment cycle
             "fragment on on Q { a }",                        // a fragment named "on"
             "query Q($a: ID, $a: ID) { x(a: $a) }",          // duplicate variable
             "mutation M { a(x: $undefined) }",               // undefined variable
             "mutation M { a . b }",                          // a lone dot
         }) {
        CAPTURE(text);
        auto doc = parse_graphql(text);
        REQUIRE_FALSE(doc.has_value());
        CHECK(doc.error().code == ExitCode::bad_input);
        CHECK(doc.error().message.rfind("GraphQL syntax error at ", 0) == 0);
    }
}

TEST_CASE("graphql: resolve_value substitutes variables") {
    auto doc = parse_graphql(R"(mutation M($s: [IotDeviceStateInput!]!) { f(a: $s, b: {k: [1, 2.5, "x", true, null, E]}) })");
    REQUIRE(doc.has_value());
    const auto& field = doc->operations[0].root_selections[0];
    auto vars = nlohmann::json::parse(R"({"s":[{"action":"open","value":"true"}]})");
    auto a = callctl::api::resolve_value(field.argument("a")->value, vars);
    REQUIRE(a.has_value());
    CHECK(*a == vars["s"]);
    auto b = callctl::api::resolve_value(field.argument("b")->value, vars);
    REQUIRE(b.has_value());
    CHECK(*b == nlohmann::json::parse(R"({"k":[1,2.5,"x",true,null,"E"]})"));
    auto missing = callctl::api::resolve_value(field.argument("a")->value, nlohmann::json::object());
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().message == "Variable \"$s\" was not provided");
}
