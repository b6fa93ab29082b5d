#include "graphql_lexer.hpp"

#include <cstdint>
#include <vector>

#include <fmt/format.h>

namespace callctl::api::graphql_lexer {

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

[[noreturn]] void fail(int line, int column, std::string message) {
    throw SyntaxError{GraphqlParseError{std::move(message), line, column}};
}

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_name_continue(char c) { return is_name_start(c) || is_digit(c); }

namespace {

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

}  // namespace

Lexer::Lexer(std::string_view text) : text_(text) {
    // A UTF-8 byte order mark is ignored (spec "UnicodeBOM").
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
}

Token Lexer::next() {
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

int Lexer::column() const { return static_cast<int>(pos_ - line_start_) + 1; }

void Lexer::advance(std::size_t count) { pos_ += count; }

void Lexer::new_line_at(std::size_t next_line_start) {
    ++line_;
    line_start_ = next_line_start;
}

void Lexer::skip_ignored() {
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

Token Lexer::number(Token& token) {
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

Token Lexer::string(Token& token) {
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

Token Lexer::block_string(Token& token) {
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

}  // namespace callctl::api::graphql_lexer
