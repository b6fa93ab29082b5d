// What callctl needs to know about a GraphQL document (GraphQL spec, October
// 2021): which operations it holds, the variables each declares (with their
// required-ness) and uses. The parser reads the whole executable grammar and
// applies the validation rules that need no schema, so a document it accepts
// fails on a server only for what the server's schema says; it keeps no
// selections or values (the sandbox builds those through syntax.hpp).
// callctl(1), WIRE FORMATS, says what it accepts and how it sends documents.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "callctl/error.hpp"

namespace callctl::graphql {

struct Variable {
    std::string name;  // without the '$'
    std::string type;  // as written, normalised: "ID!", "[IotDeviceStateInput!]!"
    bool has_default = false;

    // A request must give it a value: its type is non-null and it has no default.
    bool required() const;
};

struct Operation {
    std::string kind;  // query | mutation | subscription
    std::string name;  // empty for an anonymous operation
    std::vector<Variable> variables;  // as declared
    // Every variable the operation uses, through fragments too, each once, in
    // order of first use. (Each is declared, and each declared one is used:
    // the parser rejects the document otherwise.)
    std::vector<std::string> used_variables;

    const Variable* variable(std::string_view var_name) const;
};

struct Document {
    std::vector<Operation> operations;
    std::vector<std::string> fragments;  // names, as defined

    // The operation with that name; an empty name finds the only operation of
    // a single-operation document (what a server does without operationName).
    const Operation* find(std::string_view name) const;
    // "Q, M, (anonymous)": for messages.
    std::string operation_names() const;
};

// Where and why a document was refused. Line and column count from 1
// (columns in bytes).
struct ParseError {
    std::string message;  // e.g. `Expected Name, found "}"`
    int line = 0;
    int column = 0;
};

// Documents nest (selections, lists, objects, list types) at most this deep:
// hostile input must not exhaust the stack.
inline constexpr int max_nesting = 256;

Expected<Document, ParseError> parse(std::string_view text);

// "GraphQL syntax error at L:C: <message>".
std::string describe(const ParseError& error);

// The document as callctl sends it (Apollo's form): outside string literals,
// each run of ignored text (whitespace, line ends, comments, byte order marks)
// becomes one space, none at the start or the end; commas are kept as
// written; strings and block strings are copied byte for byte; nothing else
// changes. Refuses what does not lex (the same errors as parse()).
Expected<std::string, ParseError> minify(std::string_view text);

}  // namespace callctl::graphql
