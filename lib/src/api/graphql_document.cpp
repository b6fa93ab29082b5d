// Tokenizer and recursive-descent parser for GraphQL executable documents,
// following the grammar of the GraphQL spec (October 2021), §2 and Appendix B.
// Type-system definitions (schema, type, ...) are rejected: callctl only ever
// sends operations.
#include "callctl/api/graphql_document.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <set>

#include <fmt/format.h>

namespace callctl::api {

GraphqlValue::GraphqlValue() = default;

namespace {

// ---------------------------------------------------------------- tokens

enum class TokenKind { end, punctuator, name, int_number, float_number, string, block_string };

struct Token {
    TokenKind kind = TokenKind::end;
    std::string text;  // punctuator or name as written; decoded value for strings
    int line = 1;
    int column = 1;
};

std::string describe(const Token& token) {
    switch (token.kind) {
    case TokenKind::end: return "<EOF>";
    case TokenKind::punctuator: return fmt::format("\"{}\"", token.text);
    case TokenKind::name: return fmt::format("Name \"{}\"", token.text);
    case TokenKind::int_number: return fmt::format("Int \"{}\"", token.text);
    case TokenKind::float_number: return fmt::format("Float \"{}\"", token.text);
    case TokenKind::string:
    case TokenKind::block_string: return "String";
    }
    return "token";
}

// Thrown inside the parser only, turned into a value by parse_graphql_detailed:
// unwinding a deep recursive descent by hand would obscure the grammar.
struct SyntaxError {
    GraphqlParseError error;
};

[[noreturn]] void fail(int line, int column, std::string message) {
    throw SyntaxError{GraphqlParseError{std::move(message), line, column}};
}

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_continue(char c) { return is_name_start(c) || is_digit(c); }

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// The spec's BlockStringValue(): strip the common indentation and the blank
// first and last lines.
std::string block_string_value(std::string_view raw) {
    std::vector<std::string> lines;
    std::string current;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '\r') {
            lines.push_back(std::move(current));
            current.clear();
            if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
        } else if (raw[i] == '\n') {
            lines.push_back(std::move(current));
            current.clear();
        } else {
            current += raw[i];
        }
    }
    lines.push_back(std::move(current));

    auto indent_of = [](const std::string& line) {
        return line.find_first_not_of(" \t");
    };
    std::size_t common = std::string::npos;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const auto indent = indent_of(lines[i]);
        if (indent == std::string::npos) continue;  // whitespace-only lines do not count
        common = std::min(common, indent);
    }
    if (common != std::string::npos) {
        for (std::size_t i = 1; i < lines.size(); ++i) lines[i].erase(0, std::min(common, lines[i].size()));
    }
    auto blank = [&](const std::string& line) { return indent_of(line) == std::string::npos; };
    while (!lines.empty() && blank(lines.front())) lines.erase(lines.begin());
    while (!lines.empty() && blank(lines.back())) lines.pop_back();

    std::string out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (i > 0) out += '\n';
        out += lines[i];
    }
    return out;
}

class Lexer {
public:
    explicit Lexer(std::string_view text) : text_(text) {
        // A UTF-8 byte order mark is ignored (spec "UnicodeBOM").
        if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    }

    Token next() {
        skip_ignored();
        Token token;
        token.line = line_;
        token.column = column();
        if (pos_ >= text_.size()) return token;

        const char c = text_[pos_];
        if (c == '.') {
            if (text_.substr(pos_, 3) != "...") fail(token.line, token.column, "Unexpected \".\", did you mean \"...\"?");
            advance(3);
            token.kind = TokenKind::punctuator;
            token.text = "...";
            return token;
        }
        if (std::string_view("!$&()*:=@[]{|}").find(c) != std::string_view::npos) {
            advance(1);
            token.kind = TokenKind::punctuator;
            token.text = std::string(1, c);
            return token;
        }
        if (is_name_start(c)) {
            const auto start = pos_;
            while (pos_ < text_.size() && is_name_continue(text_[pos_])) ++pos_;
            token.kind = TokenKind::name;
            token.text = std::string(text_.substr(start, pos_ - start));
            return token;
        }
        if (c == '-' || is_digit(c)) return number(token);
        if (c == '"') {
            if (text_.substr(pos_, 3) == "\"\"\"") return block_string(token);
            return string(token);
        }
        if (static_cast<unsigned char>(c) < 0x20) fail(token.line, token.column, fmt::format("Invalid character U+{:04X}", static_cast<unsigned>(c)));
        fail(token.line, token.column, fmt::format("Unexpected character \"{}\"", c));
    }

private:
    int column() const { return static_cast<int>(pos_ - line_start_) + 1; }

    void advance(std::size_t count) { pos_ += count; }

    void new_line_at(std::size_t next_line_start) {
        ++line_;
        line_start_ = next_line_start;
    }

    void skip_ignored() {
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c == ' ' || c == '\t' || c == ',') {
                ++pos_;
            } else if (c == '\n') {
                ++pos_;
                new_line_at(pos_);
            } else if (c == '\r') {
                ++pos_;
                if (pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
                new_line_at(pos_);
            } else if (c == '#') {
                while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
            } else {
                return;
            }
        }
    }

    Token number(Token& token) {
        const auto start = pos_;
        bool is_float = false;
        if (text_[pos_] == '-') ++pos_;
        if (pos_ >= text_.size() || !is_digit(text_[pos_])) fail(token.line, column(), "Invalid number, expected digit after \"-\"");
        if (text_[pos_] == '0') {
            ++pos_;
            if (pos_ < text_.size() && is_digit(text_[pos_])) fail(token.line, column(), "Invalid number, unexpected digit after 0");
        } else {
            while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
        }
        if (pos_ < text_.size() && text_[pos_] == '.') {
            is_float = true;
            ++pos_;
            if (pos_ >= text_.size() || !is_digit(text_[pos_])) fail(token.line, column(), "Invalid number, expected digit after \".\"");
            while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
        }
        if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
            is_float = true;
            ++pos_;
            if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
            if (pos_ >= text_.size() || !is_digit(text_[pos_])) fail(token.line, column(), "Invalid number, expected digit in exponent");
            while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
        }
        // "123abc" and "1.2.3" are one bad token, not a number and a name.
        if (pos_ < text_.size() && (is_name_start(text_[pos_]) || text_[pos_] == '.')) {
            fail(token.line, column(), fmt::format("Invalid number, unexpected \"{}\"", text_[pos_]));
        }
        token.kind = is_float ? TokenKind::float_number : TokenKind::int_number;
        token.text = std::string(text_.substr(start, pos_ - start));
        return token;
    }

    Token string(Token& token) {
        ++pos_;  // opening quote
        std::string value;
        while (true) {
            if (pos_ >= text_.size() || text_[pos_] == '\n' || text_[pos_] == '\r') {
                fail(token.line, column(), "Unterminated string");
            }
            const char c = text_[pos_];
            if (c == '"') {
                ++pos_;
                break;
            }
            if (c != '\\') {
                value += c;
                ++pos_;
                continue;
            }
            if (pos_ + 1 >= text_.size()) fail(token.line, column(), "Unterminated string");
            const char escape = text_[pos_ + 1];
            switch (escape) {
            case '"': value += '"'; break;
            case '\\': value += '\\'; break;
            case '/': value += '/'; break;
            case 'b': value += '\b'; break;
            case 'f': value += '\f'; break;
            case 'n': value += '\n'; break;
            case 'r': value += '\r'; break;
            case 't': value += '\t'; break;
            case 'u': {
                const auto hex = text_.substr(pos_ + 2, 4);
                if (hex.size() != 4 || !std::all_of(hex.begin(), hex.end(), [](char h) { return std::isxdigit(static_cast<unsigned char>(h)) != 0; })) {
                    fail(token.line, column(), "Invalid Unicode escape sequence");
                }
                append_utf8(value, static_cast<std::uint32_t>(std::stoul(std::string(hex), nullptr, 16)));
                pos_ += 4;
                break;
            }
            default: fail(token.line, column(), fmt::format("Invalid character escape sequence \"\\{}\"", escape));
            }
            pos_ += 2;
        }
        token.kind = TokenKind::string;
        token.text = std::move(value);
        return token;
    }

    Token block_string(Token& token) {
        pos_ += 3;
        std::string raw;
        while (true) {
            if (pos_ >= text_.size()) fail(token.line, token.column, "Unterminated block string");
            if (text_.substr(pos_, 3) == "\"\"\"") {
                pos_ += 3;
                break;
            }
            if (text_.substr(pos_, 4) == "\\\"\"\"") {
                raw += "\"\"\"";
                pos_ += 4;
                continue;
            }
            const char c = text_[pos_];
            raw += c;
            ++pos_;
            // Keep line/column right for tokens after a multi-line string.
            if (c == '\n' || (c == '\r' && (pos_ >= text_.size() || text_[pos_] != '\n'))) new_line_at(pos_);
        }
        token.kind = TokenKind::block_string;
        token.text = block_string_value(raw);
        return token;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t line_start_ = 0;
    int line_ = 1;
};

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
