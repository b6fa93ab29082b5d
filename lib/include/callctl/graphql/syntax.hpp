// The parser's view of a document as it reads it, for code that needs more
// than declarations: the sandbox builds its execution tree from these events
// (tests/sandbox/backends/graphql_tree.*). callctl itself never needs them.
//
// Events come in document order. A document that parse() then refuses (an
// undefined variable, say) has still produced events: discard what was built.
// Directives produce no events (their arguments are checked, not reported).
#pragma once

#include <string_view>

#include "callctl/graphql/document.hpp"

namespace callctl::graphql {

enum class ScalarKind { variable, int_number, float_number, string, boolean, null, enum_value };

class SyntaxSink {
public:
    SyntaxSink() = default;
    SyntaxSink(const SyntaxSink&) = delete;
    SyntaxSink& operator=(const SyntaxSink&) = delete;
    virtual ~SyntaxSink() = default;

    virtual void begin_operation(std::string_view kind, std::string_view name) = 0;
    virtual void end_operation() = 0;
    virtual void begin_fragment(std::string_view name, std::string_view type_condition) = 0;
    virtual void end_fragment() = 0;
    // With has_default, the default value's events follow.
    virtual void variable_definition(std::string_view name, std::string_view type, bool has_default) = 0;

    // A field's arguments, then its sub-selections, come before its end.
    virtual void begin_field(std::string_view alias, std::string_view name, int line, int column) = 0;
    virtual void end_field() = 0;
    virtual void argument(std::string_view name) = 0;  // the value's events follow
    virtual void fragment_spread(std::string_view name) = 0;
    virtual void begin_inline_fragment(std::string_view type_condition) = 0;  // "" when none
    virtual void end_inline_fragment() = 0;

    // Values. `text`: a variable's name (no '$'), a number as written, a
    // string's decoded value, "true"/"false", "null", an enum name.
    virtual void scalar(ScalarKind kind, std::string_view text) = 0;
    virtual void begin_list() = 0;
    virtual void end_list() = 0;
    virtual void begin_object() = 0;
    virtual void object_field(std::string_view name) = 0;  // the value's events follow
    virtual void end_object() = 0;
};

Expected<Document, ParseError> parse(std::string_view text, SyntaxSink& sink);

}  // namespace callctl::graphql
