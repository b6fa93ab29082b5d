// Recursive-descent parser for GraphQL executable documents, following the
// grammar of the GraphQL spec (October 2021), §2 and Appendix B. The rules of
// §5 that need the whole document are checked afterwards (validate.cpp);
// those that need only a definition (executable definitions only, unique
// argument, input field and variable names) here. What it keeps is what
// callctl needs (document.hpp); a SyntaxSink sees the rest as it goes.
#include "callctl/graphql/syntax.hpp"

#include <set>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "lexer.hpp"
#include "parsed.hpp"

namespace callctl::graphql {

namespace {

using namespace lexer;
using namespace detail;

// Forwards events to the caller's sink unless muted (inside directives).
class Events {
public:
    explicit Events(SyntaxSink* sink) : sink_(sink) {}

    SyntaxSink* operator->() const { return sink_; }
    explicit operator bool() const { return sink_ != nullptr && muted_ == 0; }

    void mute() { ++muted_; }
    void unmute() { --muted_; }

private:
    SyntaxSink* sink_;
    int muted_ = 0;
};

class Parser {
public:
    Parser(std::string_view text, SyntaxSink* sink) : lexer_(text), events_(sink) { current_ = lexer_.next(); }

    ParsedDocument document() {
        ParsedDocument doc;
        if (current_.kind == TokenKind::end) fail(current_.line, current_.column, "Unexpected <EOF>: the document is empty");
        while (current_.kind != TokenKind::end) {
            const bool is_operation_keyword =
                current_.kind == TokenKind::name &&
                (current_.text == "query" || current_.text == "mutation" || current_.text == "subscription");
            if (peek("{") || is_operation_keyword) {
                doc.operations.push_back(operation());
            } else if (current_.kind == TokenKind::name && current_.text == "fragment") {
                doc.fragments.push_back(fragment_definition());
            } else if (current_.kind == TokenKind::name) {
                fail(current_.line, current_.column,
                     fmt::format("Unexpected {}: an executable document holds only operations and fragments",
                                 describe(current_)));
            } else {
                unexpected();
            }
        }
        return doc;
    }

private:
    // ---- token helpers
    bool peek(std::string_view punctuator) const {
        return current_.kind == TokenKind::punctuator && current_.text == punctuator;
    }

    Token take() {
        Token token = std::move(current_);
        current_ = lexer_.next();
        return token;
    }

    [[noreturn]] void unexpected() const {
        fail(current_.line, current_.column, fmt::format("Unexpected {}", describe(current_)));
    }

    Token expect(std::string_view punctuator) {
        if (!peek(punctuator)) {
            fail(current_.line, current_.column, fmt::format("Expected \"{}\", found {}", punctuator, describe(current_)));
        }
        return take();
    }

    bool skip(std::string_view punctuator) {
        if (!peek(punctuator)) return false;
        take();
        return true;
    }

    Token expect_name() {
        if (current_.kind != TokenKind::name) {
            fail(current_.line, current_.column, fmt::format("Expected Name, found {}", describe(current_)));
        }
        return take();
    }

    // Entered at each level of nesting (selection sets, lists, objects, list
    // types); the guard leaves it.
    struct Nesting {
        explicit Nesting(Parser& p) : parser(p) {
            if (++parser.depth_ > max_nesting) {
                fail(parser.current_.line, parser.current_.column,
                     fmt::format("Document nested too deep (more than {} levels)", max_nesting));
            }
        }
        ~Nesting() { --parser.depth_; }
        Nesting(const Nesting&) = delete;
        Nesting& operator=(const Nesting&) = delete;
        Parser& parser;
    };

    // ---- definitions
    ParsedOperation operation() {
        ParsedOperation parsed;
        parsed.line = current_.line;
        parsed.column = current_.column;
        uses_ = {};
        if (peek("{")) {
            parsed.op.kind = "query";  // the query shorthand
            if (events_) events_->begin_operation(parsed.op.kind, "");
        } else {
            parsed.op.kind = take().text;
            if (current_.kind == TokenKind::name) parsed.op.name = take().text;
            if (events_) events_->begin_operation(parsed.op.kind, parsed.op.name);
            if (peek("(")) variable_definitions(parsed);
            directives(false);
        }
        selection_set();
        if (events_) events_->end_operation();
        parsed.uses = std::move(uses_);
        return parsed;
    }

    ParsedFragment fragment_definition() {
        ParsedFragment parsed;
        parsed.line = current_.line;
        parsed.column = current_.column;
        uses_ = {};
        take();  // "fragment"
        const Token name = expect_name();
        if (name.text == "on") fail(name.line, name.column, "Unexpected Name \"on\": a fragment cannot be named \"on\"");
        parsed.name = name.text;
        const Token on = expect_name();
        if (on.text != "on") fail(on.line, on.column, fmt::format("Expected \"on\", found {}", describe(on)));
        const Token type_condition = expect_name();
        if (events_) events_->begin_fragment(parsed.name, type_condition.text);
        directives(false);
        selection_set();
        if (events_) events_->end_fragment();
        parsed.uses = std::move(uses_);
        return parsed;
    }

    void variable_definitions(ParsedOperation& parsed) {
        expect("(");
        if (peek(")")) fail(current_.line, current_.column, "Expected \"$\", found \")\": empty variable list");
        std::set<std::string> names;
        while (!skip(")")) {
            const Token dollar = current_;
            if (!peek("$")) fail(dollar.line, dollar.column, fmt::format("Expected \"$\", found {}", describe(dollar)));
            take();
            Variable variable;
            variable.name = expect_name().text;
            if (!names.insert(variable.name).second) {
                fail(dollar.line, dollar.column, fmt::format("There can be only one variable named \"${}\"", variable.name));
            }
            expect(":");
            variable.type = type_reference();
            variable.has_default = skip("=");
            if (events_) events_->variable_definition(variable.name, variable.type, variable.has_default);
            if (variable.has_default) value(true);
            directives(true);
            parsed.declared.push_back({variable.name, dollar.line, dollar.column});
            parsed.op.variables.push_back(std::move(variable));
        }
    }

    std::string type_reference() {
        std::string type;
        if (peek("[")) {
            const Nesting nested(*this);
            take();
            type = "[" + type_reference() + "]";
            expect("]");
        } else {
            type = expect_name().text;
        }
        if (skip("!")) type += "!";
        return type;
    }

    void directives(bool is_const) {
        events_.mute();
        while (skip("@")) {
            expect_name();
            if (peek("(")) arguments(is_const);
        }
        events_.unmute();
    }

    void arguments(bool is_const) {
        expect("(");
        if (peek(")")) fail(current_.line, current_.column, "Expected Name, found \")\": empty argument list");
        std::set<std::string> names;
        while (!skip(")")) {
            const Token name = expect_name();
            if (!names.insert(name.text).second) {
                fail(name.line, name.column, fmt::format("There can be only one argument named \"{}\"", name.text));
            }
            expect(":");
            if (events_) events_->argument(name.text);
            value(is_const);
        }
    }

    void value(bool is_const) {
        if (peek("$")) {
            if (is_const) fail(current_.line, current_.column, "Unexpected variable \"$\" in a constant value");
            const Token dollar = take();
            const Token name = expect_name();
            uses_.variables.push_back({name.text, dollar.line, dollar.column});
            if (events_) events_->scalar(ScalarKind::variable, name.text);
            return;
        }
        if (peek("[")) {
            const Nesting nested(*this);
            take();
            if (events_) events_->begin_list();
            while (!skip("]")) value(is_const);
            if (events_) events_->end_list();
            return;
        }
        if (peek("{")) {
            const Nesting nested(*this);
            take();
            if (events_) events_->begin_object();
            std::set<std::string> names;
            while (!skip("}")) {
                const Token field = expect_name();
                if (!names.insert(field.text).second) {
                    fail(field.line, field.column, fmt::format("There can be only one input field named \"{}\"", field.text));
                }
                expect(":");
                if (events_) events_->object_field(field.text);
                value(is_const);
            }
            if (events_) events_->end_object();
            return;
        }
        ScalarKind kind = ScalarKind::null;
        switch (current_.kind) {
        case TokenKind::int_number: kind = ScalarKind::int_number; break;
        case TokenKind::float_number: kind = ScalarKind::float_number; break;
        case TokenKind::string:
        case TokenKind::block_string: kind = ScalarKind::string; break;
        case TokenKind::name:
            if (current_.text == "true" || current_.text == "false") {
                kind = ScalarKind::boolean;
            } else if (current_.text == "null") {
                kind = ScalarKind::null;
            } else {
                kind = ScalarKind::enum_value;
            }
            break;
        case TokenKind::end:
        case TokenKind::punctuator: unexpected();
        }
        const Token scalar = take();
        if (events_) events_->scalar(kind, scalar.text);
    }

    void selection_set() {
        const Nesting nested(*this);
        expect("{");
        if (peek("}")) fail(current_.line, current_.column, "Expected Name, found \"}\": a selection set cannot be empty");
        while (!skip("}")) selection();
    }

    void selection() {
        if (peek("...")) {
            const Token dots = take();
            if (current_.kind == TokenKind::name && current_.text != "on") {
                const Token name = take();
                uses_.fragments.push_back({name.text, dots.line, dots.column});
                if (events_) events_->fragment_spread(name.text);
                directives(false);
                return;
            }
            std::string type_condition;
            if (current_.kind == TokenKind::name) {  // "on"
                take();
                type_condition = expect_name().text;
            }
            if (events_) events_->begin_inline_fragment(type_condition);
            directives(false);
            selection_set();
            if (events_) events_->end_inline_fragment();
            return;
        }
        const Token first = expect_name();
        std::string alias;
        std::string name = first.text;
        if (skip(":")) {
            alias = first.text;
            name = expect_name().text;
        }
        if (events_) events_->begin_field(alias, name, first.line, first.column);
        if (peek("(")) arguments(false);
        directives(false);
        if (peek("{")) selection_set();
        if (events_) events_->end_field();
    }

    Lexer lexer_;
    Token current_;
    Events events_;
    Uses uses_;  // of the definition being parsed
    int depth_ = 0;
};

Expected<Document, ParseError> parse_with(std::string_view text, SyntaxSink* sink) {
    try {
        Parser parser(text, sink);
        return build_document(parser.document());
    } catch (const SyntaxError& e) {
        return e.error;
    }
}

}  // namespace

// ---------------------------------------------------------------- public API

bool Variable::required() const { return !type.empty() && type.back() == '!' && !has_default; }

const Variable* Operation::variable(std::string_view var_name) const {
    for (const auto& v : variables) {
        if (v.name == var_name) return &v;
    }
    return nullptr;
}

const Operation* Document::find(std::string_view name) const {
    if (name.empty()) return operations.size() == 1 ? &operations.front() : nullptr;
    for (const auto& op : operations) {
        if (op.name == name) return &op;
    }
    return nullptr;
}

std::string Document::operation_names() const {
    std::string names;
    for (const auto& op : operations) {
        if (!names.empty()) names += ", ";
        names += op.name.empty() ? "(anonymous)" : op.name;
    }
    return names;
}

Expected<Document, ParseError> parse(std::string_view text) { return parse_with(text, nullptr); }

Expected<Document, ParseError> parse(std::string_view text, SyntaxSink& sink) { return parse_with(text, &sink); }

std::string describe(const ParseError& error) {
    return fmt::format("GraphQL syntax error at {}:{}: {}", error.line, error.column, error.message);
}

}  // namespace callctl::graphql
