// The parser's record of a document, kept for the checks that need all of
// it (validate.cpp): what each definition declares and uses, and where.
// Internal to lib/src/graphql.
#pragma once

#include <string>
#include <vector>

#include "callctl/graphql/document.hpp"

namespace callctl::graphql::detail {

// Something a definition refers to, with where it was written, so that the
// checks done after parsing can still point at the right line and column.
struct Reference {
    std::string name;
    int line = 0;
    int column = 0;
};

// What a definition uses beyond its own text: variables and fragments.
struct Uses {
    std::vector<Reference> variables;
    std::vector<Reference> fragments;
};

struct ParsedDefinition {
    Uses uses;
    int line = 0;
    int column = 0;
};

struct ParsedOperation : ParsedDefinition {
    Operation op;
    std::vector<Reference> declared;  // the variables, where they were declared
};

struct ParsedFragment : ParsedDefinition {
    std::string name;
};

struct ParsedDocument {
    std::vector<ParsedOperation> operations;
    std::vector<ParsedFragment> fragments;
};

// Applies the validation rules that need the whole document (unique and
// lone-anonymous operations; unique, known, used and acyclic fragments;
// variables defined and used, through fragments too) and returns what callctl
// keeps. Throws lexer::SyntaxError, pointing at the offending definition or
// reference.
Document build_document(ParsedDocument parsed);

}  // namespace callctl::graphql::detail
