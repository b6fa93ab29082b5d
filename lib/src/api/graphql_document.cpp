// Tokenizer and recursive-descent parser for GraphQL executable documents,
// following the grammar of the GraphQL spec (October 2021), §2 and Appendix B.
// Type-system definitions (schema, type, ...) are rejected: callctl only ever
// sends operations.
#include "callctl/api/graphql_document.hpp"

#include "graphql_lexer.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <set>

#include <fmt/format.h>

namespace callctl::api {

GraphqlValue::GraphqlValue() = default;

namespace {

using namespace graphql_lexer;

// ---------------------------------------------------------------- parser

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

struct ParsedOperation {
    GraphqlOperation op;
    std::vector<GraphqlSelection> body;
    Uses uses;
    int line = 0;
    int column = 0;
};

struct ParsedFragment {
    GraphqlFragment fragment;
    Uses uses;
    int line = 0;
    int column = 0;
};

struct ParsedDocument {
    std::vector<ParsedOperation> operations;
    std::vector<ParsedFragment> fragments;
};

class Parser {
public:
    explicit Parser(std::string_view text) : lexer_(text) { current_ = lexer_.next(); }

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

    // ---- definitions
    ParsedOperation operation() {
        ParsedOperation parsed;
        parsed.line = current_.line;
        parsed.column = current_.column;
        uses_ = {};
        if (peek("{")) {
            parsed.op.kind = "query";  // the query shorthand
        } else {
            parsed.op.kind = take().text;
            if (current_.kind == TokenKind::name) parsed.op.name = take().text;
            if (peek("(")) variable_definitions(parsed.op);
            directives(false);
        }
        parsed.body = selection_set();
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
        parsed.fragment.name = name.text;
        const Token on = expect_name();
        if (on.text != "on") fail(on.line, on.column, fmt::format("Expected \"on\", found {}", describe(on)));
        parsed.fragment.type_condition = expect_name().text;
        directives(false);
        parsed.fragment.selections = selection_set();
        parsed.uses = std::move(uses_);
        return parsed;
    }

    void variable_definitions(GraphqlOperation& op) {
        expect("(");
        if (peek(")")) fail(current_.line, current_.column, "Expected \"$\", found \")\": empty variable list");
        while (!skip(")")) {
            const Token dollar = current_;
            if (!peek("$")) fail(dollar.line, dollar.column, fmt::format("Expected \"$\", found {}", describe(dollar)));
            take();
            GraphqlVariable variable;
            variable.name = expect_name().text;
            if (op.variable(variable.name) != nullptr) {
                fail(dollar.line, dollar.column, fmt::format("There can be only one variable named \"${}\"", variable.name));
            }
            expect(":");
            variable.type = type_reference();
            if (skip("=")) variable.default_value = value(true);
            directives(true);
            op.variables.push_back(std::move(variable));
        }
    }

    std::string type_reference() {
        std::string type;
        if (skip("[")) {
            type = "[" + type_reference() + "]";
            expect("]");
        } else {
            type = expect_name().text;
        }
        if (skip("!")) type += "!";
        return type;
    }

    void directives(bool is_const) {
        while (skip("@")) {
            expect_name();
            if (peek("(")) arguments(is_const);
        }
    }

    std::vector<GraphqlArgument> arguments(bool is_const) {
        std::vector<GraphqlArgument> args;
        expect("(");
        if (peek(")")) fail(current_.line, current_.column, "Expected Name, found \")\": empty argument list");
        while (!skip(")")) {
            GraphqlArgument arg;
            arg.name = expect_name().text;
            expect(":");
            arg.value = value(is_const);
            args.push_back(std::move(arg));
        }
        return args;
    }

    GraphqlValue value(bool is_const) {
        GraphqlValue v;
        if (peek("$")) {
            if (is_const) fail(current_.line, current_.column, "Unexpected variable \"$\" in a constant value");
            const Token dollar = take();
            v.kind = GraphqlValue::Kind::variable;
            v.text = expect_name().text;
            uses_.variables.push_back({v.text, dollar.line, dollar.column});
            return v;
        }
        if (skip("[")) {
            v.kind = GraphqlValue::Kind::list;
            while (!skip("]")) v.items.push_back(value(is_const));
            return v;
        }
        if (skip("{")) {
            v.kind = GraphqlValue::Kind::object;
            while (!skip("}")) {
                const Token field = expect_name();
                expect(":");
                v.fields.emplace_back(field.text, value(is_const));
            }
            return v;
        }
        switch (current_.kind) {
        case TokenKind::int_number: v.kind = GraphqlValue::Kind::int_number; break;
        case TokenKind::float_number: v.kind = GraphqlValue::Kind::float_number; break;
        case TokenKind::string:
        case TokenKind::block_string: v.kind = GraphqlValue::Kind::string; break;
        case TokenKind::name:
            if (current_.text == "true" || current_.text == "false") {
                v.kind = GraphqlValue::Kind::boolean;
            } else if (current_.text == "null") {
                v.kind = GraphqlValue::Kind::null;
            } else {
                v.kind = GraphqlValue::Kind::enum_value;
            }
            break;
        case TokenKind::end:
        case TokenKind::punctuator: unexpected();
        }
        v.text = take().text;
        return v;
    }

    std::vector<GraphqlSelection> selection_set() {
        expect("{");
        if (peek("}")) fail(current_.line, current_.column, "Expected Name, found \"}\": a selection set cannot be empty");
        std::vector<GraphqlSelection> selections;
        while (!skip("}")) selections.push_back(selection());
        return selections;
    }

    GraphqlSelection selection() {
        GraphqlSelection sel;
        if (peek("...")) {
            const Token dots = take();
            if (current_.kind == TokenKind::name && current_.text != "on") {
                sel.kind = GraphqlSelection::Kind::fragment_spread;
                sel.fragment_name = take().text;
                uses_.fragments.push_back({sel.fragment_name, dots.line, dots.column});
                directives(false);
                return sel;
            }
            sel.kind = GraphqlSelection::Kind::inline_fragment;
            if (current_.kind == TokenKind::name) {  // "on"
                take();
                sel.type_condition = expect_name().text;
            }
            directives(false);
            sel.selections = selection_set();
            return sel;
        }
        sel.kind = GraphqlSelection::Kind::field;
        const Token first = expect_name();
        sel.field.line = first.line;
        sel.field.column = first.column;
        if (skip(":")) {
            sel.field.alias = first.text;
            sel.field.name = expect_name().text;
        } else {
            sel.field.name = first.text;
        }
        if (peek("(")) sel.field.arguments = arguments(false);
        directives(false);
        if (peek("{")) sel.field.selections = selection_set();
        return sel;
    }

    Lexer lexer_;
    Token current_;
    Uses uses_;  // of the definition being parsed
};

// ---------------------------------------------------------------- checks after parsing

class Resolver {
public:
    explicit Resolver(const ParsedDocument& doc) : doc_(doc) {
        for (const auto& fragment : doc_.fragments) {
            if (find_fragment(fragment.fragment.name) != &fragment) {
                fail(fragment.line, fragment.column,
                     fmt::format("There can be only one fragment named \"{}\"", fragment.fragment.name));
            }
        }
    }

    const ParsedFragment* find_fragment(std::string_view name) const {
        for (const auto& fragment : doc_.fragments) {
            if (fragment.fragment.name == name) return &fragment;
        }
        return nullptr;
    }

    // Variables used by a definition and, transitively, the fragments it
    // spreads (each fragment visited once, so cycles terminate).
    void collect_variables(const Uses& uses, std::set<std::string>& visited, std::vector<Reference>& out) const {
        out.insert(out.end(), uses.variables.begin(), uses.variables.end());
        for (const auto& spread : uses.fragments) {
            const ParsedFragment* fragment = find_fragment(spread.name);
            if (fragment == nullptr) fail(spread.line, spread.column, fmt::format("Unknown fragment \"{}\"", spread.name));
            if (!visited.insert(spread.name).second) continue;
            collect_variables(fragment->uses, visited, out);
        }
    }

    // Top-level fields with inline fragments and spreads flattened.
    void collect_fields(const std::vector<GraphqlSelection>& selections, std::set<std::string>& visited,
                        std::vector<GraphqlField>& out) const {
        for (const auto& sel : selections) {
            switch (sel.kind) {
            case GraphqlSelection::Kind::field: out.push_back(sel.field); break;
            case GraphqlSelection::Kind::inline_fragment: collect_fields(sel.selections, visited, out); break;
            case GraphqlSelection::Kind::fragment_spread:
                if (!visited.insert(sel.fragment_name).second) break;
                if (const ParsedFragment* fragment = find_fragment(sel.fragment_name)) {
                    collect_fields(fragment->fragment.selections, visited, out);
                }
                break;
            }
        }
    }

    void check_fragment_cycles() const {
        for (const auto& fragment : doc_.fragments) {
            std::vector<std::string> path;
            check_cycle_from(fragment, path);
        }
    }

private:
    void check_cycle_from(const ParsedFragment& fragment, std::vector<std::string>& path) const {
        path.push_back(fragment.fragment.name);
        for (const auto& spread : fragment.uses.fragments) {
            if (std::find(path.begin(), path.end(), spread.name) != path.end()) {
                fail(spread.line, spread.column, fmt::format("Cannot spread fragment \"{}\" within itself", spread.name));
            }
            const ParsedFragment* next = find_fragment(spread.name);
            if (next == nullptr) fail(spread.line, spread.column, fmt::format("Unknown fragment \"{}\"", spread.name));
            check_cycle_from(*next, path);
        }
        path.pop_back();
    }

    const ParsedDocument& doc_;
};

GraphqlDocument build_document(ParsedDocument parsed) {
    const Resolver resolver(parsed);
    resolver.check_fragment_cycles();

    GraphqlDocument doc;
    for (auto& p : parsed.operations) {
        GraphqlOperation& op = p.op;
        if (op.name.empty() && parsed.operations.size() > 1) {
            fail(p.line, p.column, "This anonymous operation must be the only defined operation");
        }
        for (const auto& other : doc.operations) {
            if (!op.name.empty() && other.name == op.name) {
                fail(p.line, p.column, fmt::format("There can be only one operation named \"{}\"", op.name));
            }
        }

        std::set<std::string> visited;
        std::vector<Reference> variable_uses;
        resolver.collect_variables(p.uses, visited, variable_uses);
        for (const auto& use : variable_uses) {
            if (op.variable(use.name) == nullptr) {
                fail(use.line, use.column,
                     op.name.empty() ? fmt::format("Variable \"${}\" is not defined", use.name)
                                     : fmt::format("Variable \"${}\" is not defined by operation \"{}\"", use.name, op.name));
            }
            if (std::find(op.referenced_variables.begin(), op.referenced_variables.end(), use.name) ==
                op.referenced_variables.end()) {
                op.referenced_variables.push_back(use.name);
            }
        }

        visited.clear();
        resolver.collect_fields(p.body, visited, op.root_selections);
        for (const auto& field : op.root_selections) op.root_fields.push_back(field.name);
        doc.operations.push_back(std::move(op));
    }
    for (auto& f : parsed.fragments) doc.fragments.push_back(std::move(f.fragment));
    return doc;
}

}  // namespace

// ---------------------------------------------------------------- public API

const GraphqlArgument* GraphqlField::argument(std::string_view arg_name) const {
    for (const auto& arg : arguments) {
        if (arg.name == arg_name) return &arg;
    }
    return nullptr;
}

const GraphqlVariable* GraphqlOperation::variable(std::string_view var_name) const {
    for (const auto& v : variables) {
        if (v.name == var_name) return &v;
    }
    return nullptr;
}

const GraphqlOperation* GraphqlDocument::find(std::string_view name) const {
    if (name.empty()) return operations.size() == 1 ? &operations.front() : nullptr;
    for (const auto& op : operations) {
        if (op.name == name) return &op;
    }
    return nullptr;
}

Expected<GraphqlDocument, GraphqlParseError> parse_graphql_detailed(std::string_view text) {
    try {
        Parser parser(text);
        return build_document(parser.document());
    } catch (const SyntaxError& e) {
        return e.error;
    }
}

Result<GraphqlDocument> parse_graphql(std::string_view text) {
    auto parsed = parse_graphql_detailed(text);
    if (!parsed) {
        const auto& e = parsed.error();
        return make_error(ExitCode::bad_input, fmt::format("GraphQL syntax error at {}:{}: {}", e.line, e.column, e.message));
    }
    return std::move(parsed).value();
}

Result<nlohmann::json> resolve_value(const GraphqlValue& value, const nlohmann::json& variables) {
    using Kind = GraphqlValue::Kind;
    switch (value.kind) {
    case Kind::variable:
        if (!variables.is_object() || !variables.contains(value.text)) {
            return make_error(ExitCode::bad_input, fmt::format("Variable \"${}\" was not provided", value.text));
        }
        return variables.at(value.text);
    case Kind::int_number:
    case Kind::float_number: {
        auto number = nlohmann::json::parse(value.text, nullptr, false);
        if (number.is_discarded()) return make_error(ExitCode::bad_input, fmt::format("bad number {}", value.text));
        return number;
    }
    case Kind::string:
    case Kind::enum_value: return nlohmann::json(value.text);
    case Kind::boolean: return nlohmann::json(value.text == "true");
    case Kind::null: return nlohmann::json(nullptr);
    case Kind::list: {
        auto out = nlohmann::json::array();
        for (const auto& item : value.items) {
            auto resolved = resolve_value(item, variables);
            if (!resolved) return resolved.error();
            out.push_back(std::move(*resolved));
        }
        return out;
    }
    case Kind::object: {
        auto out = nlohmann::json::object();
        for (const auto& [name, field] : value.fields) {
            auto resolved = resolve_value(field, variables);
            if (!resolved) return resolved.error();
            out[name] = std::move(*resolved);
        }
        return out;
    }
    }
    return make_error(ExitCode::internal, "unknown GraphQL value kind");
}

}  // namespace callctl::api
