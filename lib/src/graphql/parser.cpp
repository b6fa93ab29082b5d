// Recursive-descent parser for GraphQL executable documents, following the
// grammar of the GraphQL spec (October 2021), §2 and Appendix B, then the
// validation rules of §5 that need no schema: executable definitions only,
// unique and lone-anonymous operations, unique, known, used and acyclic
// fragments, unique, defined and used variables, unique argument and input
// field names. What it keeps is what callctl needs (document.hpp); a
// SyntaxSink sees the rest as it goes.
#include "callctl/graphql/syntax.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>

#include "lexer.hpp"

namespace callctl::graphql {

namespace {

using namespace lexer;

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

// ---------------------------------------------------------------- checks after parsing

// The checks that need the whole document. Every walk is iterative and
// visits each fragment once: a chain of 100,000 fragments, or one that
// spreads the next twice at each step, must not exhaust the stack or take
// exponential time.
class Checker {
public:
    explicit Checker(const ParsedDocument& doc) : doc_(doc) {
        for (std::size_t i = 0; i < doc_.fragments.size(); ++i) {
            const ParsedFragment& fragment = doc_.fragments[i];
            if (!by_name_.emplace(fragment.name, i).second) {
                fail(fragment.line, fragment.column, fmt::format("There can be only one fragment named \"{}\"", fragment.name));
            }
        }
        check_cycles();
    }

    // The variables `uses` refers to, directly and through the fragments it
    // spreads (transitively), in document order of first reach. `reached`
    // collects the fragments seen, across calls.
    std::vector<Reference> variables_of(const Uses& uses, std::set<std::string>& reached) const {
        std::vector<Reference> out;
        std::set<std::size_t> visited;
        std::vector<const Uses*> pending = {&uses};
        while (!pending.empty()) {
            const Uses* next = pending.back();
            pending.pop_back();
            out.insert(out.end(), next->variables.begin(), next->variables.end());
            // Reversed onto the stack, so the first spread is walked first.
            for (auto spread = next->fragments.rbegin(); spread != next->fragments.rend(); ++spread) {
                const std::size_t index = fragment_index(*spread);
                reached.insert(spread->name);
                if (visited.insert(index).second) pending.push_back(&doc_.fragments[index].uses);
            }
        }
        return out;
    }

private:
    std::size_t fragment_index(const Reference& spread) const {
        const auto it = by_name_.find(spread.name);
        if (it == by_name_.end()) fail(spread.line, spread.column, fmt::format("Unknown fragment \"{}\"", spread.name));
        return it->second;
    }

    // Depth-first over the spread graph with an explicit stack: a spread of
    // a fragment still on the stack closes a cycle.
    void check_cycles() const {
        enum class Mark { unseen, open, done };
        std::vector<Mark> marks(doc_.fragments.size(), Mark::unseen);
        struct Frame {
            std::size_t fragment;
            std::size_t next_spread;
        };
        for (std::size_t root = 0; root < doc_.fragments.size(); ++root) {
            if (marks[root] != Mark::unseen) continue;
            std::vector<Frame> stack = {{root, 0}};
            marks[root] = Mark::open;
            while (!stack.empty()) {
                Frame& top = stack.back();
                const auto& spreads = doc_.fragments[top.fragment].uses.fragments;
                if (top.next_spread == spreads.size()) {
                    marks[top.fragment] = Mark::done;
                    stack.pop_back();
                    continue;
                }
                const Reference& spread = spreads[top.next_spread++];
                const std::size_t index = fragment_index(spread);
                if (marks[index] == Mark::open) {
                    fail(spread.line, spread.column, fmt::format("Cannot spread fragment \"{}\" within itself", spread.name));
                }
                if (marks[index] == Mark::unseen) {
                    marks[index] = Mark::open;
                    stack.push_back({index, 0});
                }
            }
        }
    }

    const ParsedDocument& doc_;
    std::map<std::string, std::size_t, std::less<>> by_name_;
};

Document build_document(ParsedDocument parsed) {
    const Checker checker(parsed);

    Document doc;
    std::set<std::string> used_fragments;
    std::set<std::string> operation_names;
    for (auto& p : parsed.operations) {
        Operation& op = p.op;
        if (op.name.empty() && parsed.operations.size() > 1) {
            fail(p.line, p.column, "This anonymous operation must be the only defined operation");
        }
        if (!op.name.empty() && !operation_names.insert(op.name).second) {
            fail(p.line, p.column, fmt::format("There can be only one operation named \"{}\"", op.name));
        }

        std::set<std::string> declared;
        for (const auto& variable : op.variables) declared.insert(variable.name);
        std::set<std::string> used;
        for (const auto& use : checker.variables_of(p.uses, used_fragments)) {
            if (declared.count(use.name) == 0) {
                fail(use.line, use.column,
                     op.name.empty() ? fmt::format("Variable \"${}\" is not defined", use.name)
                                     : fmt::format("Variable \"${}\" is not defined by operation \"{}\"", use.name, op.name));
            }
            if (used.insert(use.name).second) op.used_variables.push_back(use.name);
        }
        for (const auto& variable : p.declared) {
            if (used.count(variable.name) == 0) {
                fail(variable.line, variable.column,
                     op.name.empty() ? fmt::format("Variable \"${}\" is never used", variable.name)
                                     : fmt::format("Variable \"${}\" is never used in operation \"{}\"", variable.name, op.name));
            }
        }
        doc.operations.push_back(std::move(op));
    }
    for (const auto& f : parsed.fragments) {
        if (used_fragments.count(f.name) == 0) fail(f.line, f.column, fmt::format("Fragment \"{}\" is never used", f.name));
        doc.fragments.push_back(f.name);
    }
    return doc;
}

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
