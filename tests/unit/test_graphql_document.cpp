// The GraphQL document parser of lib/src/graphql: declarations, the
// validation rules that need no schema, hostile input, and minification.
// tests/e2e/test_graphql_conformance.py holds the same parser against
// graphql-core; this file pins callctl's own decisions.
#include <doctest/doctest.h>

#include <string>

#include <openssl/evp.h>

#include "callctl/crypto/crypto.hpp"
#include "callctl/graphql/document.hpp"

namespace graphql = callctl::graphql;

namespace {

// callctl(1), "answer": the documents callctl sends, as the vendor documents them.
constexpr const char* set_state_document = R"(mutation SetIoTDeviceState($iotDeviceId: ID!, $stateInput: [IotDeviceStateInput!]!) {
  iotDeviceSetTargetState(id: $iotDeviceId, targetState: $stateInput) { __typename name }
}
)";

constexpr const char* answer_document = R"(mutation AnswerIncomingCall($iotDeviceId: ID!) {
  answerIncomingCall(iotDeviceId: $iotDeviceId) { __typename }
}
)";

graphql::Document parsed(const std::string& text) {
    auto doc = graphql::parse(text);
    REQUIRE_MESSAGE(doc.has_value(), (doc ? "" : graphql::describe(doc.error())));
    return *doc;
}

graphql::ParseError parse_error(const std::string& text) {
    auto result = graphql::parse(text);
    REQUIRE_FALSE(result.has_value());
    return result.error();
}

std::string minified(const std::string& text) {
    auto out = graphql::minify(text);
    REQUIRE_MESSAGE(out.has_value(), (out ? "" : graphql::describe(out.error())));
    return *out;
}

std::string repeat(const std::string& text, std::size_t times) {
    std::string out;
    out.reserve(text.size() * times);
    for (std::size_t i = 0; i < times; ++i) out += text;
    return out;
}

std::string sha256_hex(const std::string& data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    REQUIRE(EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) == 1);
    return callctl::crypto::hex_encode(std::string(reinterpret_cast<const char*>(digest), size));
}

}  // namespace

TEST_CASE("graphql: SetIoTDeviceState has its name, typed variables and their uses") {
    const auto doc = parsed(set_state_document);
    REQUIRE(doc.operations.size() == 1);
    const auto& op = doc.operations.front();
    CHECK(op.kind == "mutation");
    CHECK(op.name == "SetIoTDeviceState");
    REQUIRE(op.variables.size() == 2);
    CHECK(op.variables[0].name == "iotDeviceId");
    CHECK(op.variables[0].type == "ID!");
    CHECK(op.variables[0].required());
    CHECK(op.variables[1].name == "stateInput");
    CHECK(op.variables[1].type == "[IotDeviceStateInput!]!");
    CHECK(op.used_variables == std::vector<std::string>{"iotDeviceId", "stateInput"});
    CHECK(doc.find("SetIoTDeviceState") == &op);
    CHECK(doc.find("") == &op);
    CHECK(doc.find("Other") == nullptr);
    CHECK(doc.operation_names() == "SetIoTDeviceState");
}

TEST_CASE("graphql: AnswerIncomingCall has its name and variable") {
    const auto doc = parsed(answer_document);
    const auto* op = doc.find("AnswerIncomingCall");
    REQUIRE(op != nullptr);
    CHECK(op->kind == "mutation");
    REQUIRE(op->variables.size() == 1);
    CHECK(op->variable("iotDeviceId")->type == "ID!");
    CHECK(op->variable("nope") == nullptr);
}

TEST_CASE("graphql: required-ness is a non-null type without a default") {
    const auto doc = parsed("query Q($a: ID!, $b: Int! = 1, $c: String, $d: [ID!]!, $e: [ID]) { f(a: $a, b: $b, c: $c, d: $d, e: $e) }");
    const auto& vars = doc.operations[0].variables;
    REQUIRE(vars.size() == 5);
    CHECK(vars[0].required());
    CHECK_FALSE(vars[1].required());
    CHECK(vars[1].has_default);
    CHECK_FALSE(vars[2].required());
    CHECK(vars[3].required());
    CHECK_FALSE(vars[4].required());
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
    const auto doc = parsed(text);
    REQUIRE(doc.operations.size() == 3);
    const auto& q = doc.operations[0];
    CHECK(q.kind == "query");
    CHECK(q.variables[1].type == "[String!]");
    CHECK(q.variables[0].has_default);
    CHECK(q.used_variables == std::vector<std::string>{"a", "c", "b"});
    CHECK(doc.operations[1].kind == "mutation");
    CHECK(doc.operations[2].kind == "subscription");
    CHECK(doc.fragments == std::vector<std::string>{"Frag"});
    CHECK(doc.operation_names() == "Q, M, S");
}

TEST_CASE("graphql: the query shorthand is an anonymous query") {
    const auto doc = parsed("{ ...Roots ... on Query { c } }\nfragment Roots on Query { a b }");
    CHECK(doc.operations[0].kind == "query");
    CHECK(doc.operations[0].name.empty());
    CHECK(doc.operation_names() == "(anonymous)");
}

TEST_CASE("graphql: variables used inside fragments count for the operation") {
    const auto doc = parsed("query Q($id: ID!) { ...F }\nfragment F on Query { node(id: $id) { id } }");
    CHECK(doc.operations[0].used_variables == std::vector<std::string>{"id"});
    // ... and in directives.
    CHECK(parsed("query Q($on: Boolean!) { a @include(if: $on) }").operations[0].used_variables == std::vector<std::string>{"on"});

    const auto undefined = parse_error("query Q { ...F }\nfragment F on Query { node(id: $id) { id } }");
    CHECK(undefined.message == "Variable \"$id\" is not defined by operation \"Q\"");
    CHECK(undefined.line == 2);
    CHECK(undefined.column == 32);
}

TEST_CASE("graphql: syntax errors carry line and column") {
    SUBCASE("unbalanced braces") {
        const auto e = parse_error("mutation M {\n  a {\n    b\n  }\n");
        CHECK(e.line == 5);
        CHECK(e.column == 1);
        CHECK(e.message == "Expected Name, found <EOF>");
        CHECK(graphql::describe(e) == "GraphQL syntax error at 5:1: Expected Name, found <EOF>");
    }
    SUBCASE("a variable without $") {
        const auto e = parse_error("mutation M(iotDeviceId: ID!) { a }");
        CHECK(e.line == 1);
        CHECK(e.column == 12);
        CHECK(e.message == "Expected \"$\", found Name \"iotDeviceId\"");
    }
    SUBCASE("an extra closing brace") {
        const auto e = parse_error("{ a }\n}");
        CHECK(e.line == 2);
        CHECK(e.column == 1);
    }
    SUBCASE("an unterminated string") {
        const auto e = parse_error("{ a(x: \"abc\n) }");
        CHECK(e.line == 1);
        CHECK(e.message == "Unterminated string");
    }
    SUBCASE("a bad character") { CHECK(parse_error("{ a ? }").column == 5); }
    SUBCASE("a bad escape points at the backslash") {
        const auto e = parse_error(R"({ a(x: "ab\qc") })");
        CHECK(e.column == 11);
        CHECK(e.message == "Invalid character escape sequence \"\\q\"");
    }
    SUBCASE("a block string moves the line count on") {
        const auto e = parse_error("{ a(x: \"\"\"one\ntwo\nthree\"\"\") ! }");
        CHECK(e.line == 3);
        CHECK(e.column == 11);
    }
    SUBCASE("a bad number") {
        CHECK(parse_error("{ a(x: 01) }").message == "Invalid number, unexpected digit after 0");
        CHECK(parse_error("{ a(x: 1.) }").column == 10);
        CHECK_FALSE(graphql::parse("{ a(x: 12abc) }").has_value());
        CHECK_FALSE(graphql::parse("{ a(x: [12abc]) }").has_value());  // not [12, abc]: a number is never followed by a name
    }
}

TEST_CASE("graphql: documents that are not executable or not valid fail") {
    for (const char* text : {
             "",                                              // empty
             "   # only a comment\n",                         // empty too
             "mutation M { }",                                // empty selection set
             "mutation M() { a }",                            // empty variable list
             "mutation M($a ID!) { a(x: $a) }",               // missing ':'
             "mutation M($a: ) { a(x: $a) }",                 // missing type
             "mutation M($a: [ID!) { a(x: $a) }",             // unclosed list type
             "mutation M($a: ID = $b) { a(x: $a) }",          // variable in a default value
             "mutation M { a(x:) }",                          // missing value
             "mutation M { a(x: [1, 2) }",                    // unclosed list
             "{ a } { b }",                                   // two anonymous operations
             "query Q { a } query Q { b }",                   // duplicate name
             "query Q { a } { b }",                           // anonymous among named
             "type Query { a: Int }",                         // schema, not executable
             "query Q { ...Missing }",                        // unknown fragment
             "query Q { ...A } fragment A on Q { ...A }",     // fragment cycle
             "query Q { ...A } fragment A on Q { ...B } fragment B on Q { ...A }",  // a longer cycle
             "fragment on on Q { a }",                        // a fragment named "on"
             "query Q { a } fragment F on Q { a } fragment F on Q { b }",  // duplicate fragment
             "query Q($a: ID, $a: ID) { x(a: $a) }",          // duplicate variable
             "mutation M { a(x: $undefined) }",               // undefined variable
             "mutation M($unused: ID) { a }",                 // declared, never used
             "query Q { a } fragment F on Q { b }",           // a fragment nobody spreads
             "query Q { a(x: 1, x: 2) }",                     // duplicate argument
             "query Q { a @d(x: 1, x: 2) }",                  // duplicate directive argument
             "query Q { a(o: {k: 1, k: 2}) }",                // duplicate input field
             "mutation M { a . b }",                          // a lone dot
             "query Q { a(x: \"\\uD83D\") }",                 // a leading surrogate alone
             "query Q { a(x: \"\\uDE00\") }",                 // a trailing surrogate alone
             "query Q { a(x: \"\\u{110000}\") }",             // past U+10FFFF
             "query Q { a(x: \"\\u{D800}\") }",               // a surrogate, braced
             "query Q { a(x: \"\\u{}\") }",                   // no digits
             "query Q { a(x: \"\\u{41\") }",                  // unclosed
             "query Q { a(x: \"\xFF\") }",                    // not UTF-8, in a string
             "query Q { a } # \xC3\x28",                      // not UTF-8, in a comment
             "query Q { a(x: \"\xED\xA0\x80\") }",            // a UTF-8-encoded surrogate
             "query Q { a(x: \"\xC0\xAF\") }",                // an overlong form
             "query Q { \xC3\xA9 }",                          // non-ASCII outside a string
             "query Q { a\x7F }",                             // DEL outside a string
         }) {
        CAPTURE(text);
        auto doc = graphql::parse(text);
        REQUIRE_FALSE(doc.has_value());
        CHECK(doc.error().line >= 1);
        CHECK(doc.error().column >= 1);
    }
}

TEST_CASE("graphql: the rules' messages") {
    CHECK(parse_error("mutation M($unused: ID) { a }").message == "Variable \"$unused\" is never used in operation \"M\"");
    CHECK(parse_error("query Q { a } fragment F on Q { b }").message == "Fragment \"F\" is never used");
    CHECK(parse_error("query Q { a(x: 1, x: 2) }").message == "There can be only one argument named \"x\"");
    CHECK(parse_error("query Q { a(o: {k: 1, k: 2}) }").message == "There can be only one input field named \"k\"");
    CHECK(parse_error("query Q { ...A } fragment A on Q { ...B } fragment B on Q { ...A }").message ==
          "Cannot spread fragment \"A\" within itself");
}

TEST_CASE("graphql: what the October 2021 spec allows") {
    // Unicode escapes: fixed width, surrogate pairs, braced.
    CHECK(graphql::parse(R"(query Q { a(x: "\u00e9 \uD83D\uDE00 \u{1F600} \u{0} \u{00000041} \u{10FFFF}") })").has_value());
    // UTF-8 in strings, block strings and comments; a byte order mark anywhere between tokens.
    CHECK(graphql::parse("\xEF\xBB\xBFquery Q { a(x: \"\xC3\xA9\xF0\x9F\x98\x80\", y: \"\"\"\xE2\x82\xAC\"\"\") } # \xC3\xA9").has_value());
    CHECK(graphql::parse("query Q {\xEF\xBB\xBF a }").has_value());
    // Control characters other than line ends are source characters, in strings too.
    CHECK(graphql::parse("query Q { a(x: \"\x01\x1F\") }").has_value());
    // Directives on variable definitions.
    CHECK(graphql::parse("query Q($a: Int @deprecated) { f(a: $a) }").has_value());
}

TEST_CASE("graphql: hostile documents are refused without a crash or a hang") {
    SUBCASE("nested 100,000 deep, in every nesting construct") {
        const std::size_t deep = 100000;
        for (const std::string& text :
             {"query Q { a(x: " + std::string(deep, '[') + std::string(deep, ']') + ") }",
              "query Q { a(x: " + repeat("{k: ", deep) + "1" + std::string(deep, '}') + ") }",
              "query Q { " + repeat("a { ", deep) + "b" + std::string(deep, '}') + " }",
              "query Q($v: " + std::string(deep, '[') + "ID" + std::string(deep, ']') + ") { a(x: $v) }"}) {
            auto doc = graphql::parse(text);
            REQUIRE_FALSE(doc.has_value());
            CHECK(doc.error().message.find("nested too deep") != std::string::npos);
        }
    }
    SUBCASE("the limit itself is fine") {
        const auto depth = static_cast<std::size_t>(graphql::max_nesting - 1);  // the selection set is one level
        CHECK(graphql::parse("query Q { a(x: " + std::string(depth, '[') + std::string(depth, ']') + ") }").has_value());
        CHECK_FALSE(graphql::parse("query Q { a(x: " + std::string(depth + 1, '[') + std::string(depth + 1, ']') + ") }").has_value());
    }
    SUBCASE("a chain of 100,000 fragments") {
        std::string text = "query Q { ...F0 }\n";
        for (int i = 0; i < 100000; ++i) text += "fragment F" + std::to_string(i) + " on Q { a ...F" + std::to_string(i + 1) + " }\n";
        text += "fragment F100000 on Q { a }\n";
        const auto doc = parsed(text);
        CHECK(doc.fragments.size() == 100001);
        text += "fragment Loop on Q { ...F0 } fragment Loop2 on Q { ...Loop ...Loop2 }";
        CHECK(parse_error(text).message == "Cannot spread fragment \"Loop2\" within itself");
    }
    SUBCASE("2^60 paths through 60 fragments, each spreading the next twice") {
        std::string text = "query Q($v: ID) { ...F0 }\n";
        for (int i = 0; i < 60; ++i) {
            const std::string next = std::to_string(i + 1);
            text += "fragment F" + std::to_string(i) + " on Q { ...F" + next + " ...F" + next + " }\n";
        }
        text += "fragment F60 on Q { a(x: $v) }\n";
        CHECK(parsed(text).operations[0].used_variables == std::vector<std::string>{"v"});
    }
}

TEST_CASE("graphql: the minified SetIoTDeviceState is the vendor app's, byte for byte") {
    // Apollo's QueryDocumentMinifier replaces `\s *` with one space in the
    // document its compiler prints (no trailing newline). The vendor's
    // document (callctl(1), "answer"), minified by hand:
    const std::string expected =
        "mutation SetIoTDeviceState($iotDeviceId: ID!, $stateInput: [IotDeviceStateInput!]!) "
        "{ iotDeviceSetTargetState(id: $iotDeviceId, targetState: $stateInput) { __typename name } }";
    CHECK(minified(set_state_document) == expected);
    // printf '%s' "$expected" | sha256sum: Apollo's operation id of the same text.
    CHECK(sha256_hex(minified(set_state_document)) == "87d568703e1e732eab7846f86c80f2be0b0b52e91129ec656d9b93082922b2b7");
    // The form Apollo's compiler prints, one selection a line, minifies the same.
    CHECK(minified("mutation SetIoTDeviceState($iotDeviceId: ID!, $stateInput: [IotDeviceStateInput!]!) {\n"
                   "  iotDeviceSetTargetState(id: $iotDeviceId, targetState: $stateInput) {\n"
                   "    __typename\n    name\n  }\n}") == expected);
    CHECK(minified(answer_document) ==
          "mutation AnswerIncomingCall($iotDeviceId: ID!) { answerIncomingCall(iotDeviceId: $iotDeviceId) { __typename } }");
}

TEST_CASE("graphql: minification rules") {
    // Every run of whitespace, line ends, tabs and comments is one space; none at either end.
    CHECK(minified("  query  Q\t\r\n{\n\n  a   b }\n\n") == "query Q { a b }");
    CHECK(minified("query Q { a # the a field, {not} a \"string\"\n  b }") == "query Q { a b }");
    CHECK(minified("# leading\nquery Q { a }# trailing") == "query Q { a }");
    CHECK(minified("query Q { a#glued\nb }") == "query Q { a b }");  // a comment between names stays a separator
    // Commas are kept as written, spaces around them as runs.
    CHECK(minified("query Q($a: ID,$b: ID ,  $c: ID) { f(a: $a, b: $b,c: $c) }") ==
          "query Q($a: ID,$b: ID , $c: ID) { f(a: $a, b: $b,c: $c) }");
    CHECK(minified(",query Q { a },") == ",query Q { a },");
    // No space is added or removed where the text has none.
    CHECK(minified("{a(x:1){b}}") == "{a(x:1){b}}");
    // Strings and block strings are kept byte for byte, escapes and all.
    CHECK(minified("query Q { a(x: \"  two  spaces \\t\\u00e9 # not a comment\") }") ==
          "query Q { a(x: \"  two  spaces \\t\\u00e9 # not a comment\") }");
    CHECK(minified("query Q { a(x: \"\"\"\n  line one\n\n    line two \\\"\"\"\n\"\"\") }") ==
          "query Q { a(x: \"\"\"\n  line one\n\n    line two \\\"\"\"\n\"\"\") }");
    // Byte order marks are ignored text, like whitespace.
    CHECK(minified("\xEF\xBB\xBFquery Q {\xEF\xBB\xBF a }") == "query Q { a }");
    // Idempotent.
    for (const char* text : {set_state_document, answer_document, "query Q { a(x: \"\"\"\n x\n\"\"\") }"}) {
        CHECK(minified(minified(text)) == minified(text));
    }
    // What does not lex is refused, with where.
    auto bad = graphql::minify("query Q { a(x: \"open) }");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().message == "Unterminated string");
    CHECK(bad.error().column == 24);
}
