#include "lexer.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#include <fmt/format.h>

namespace callctl::graphql::lexer {

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
    throw SyntaxError{ParseError{std::move(message), line, column}};
}

namespace {

constexpr std::string_view byte_order_mark = "\xEF\xBB\xBF";

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_continue(char c) { return is_name_start(c) || is_digit(c); }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
unsigned hex_value(char c) {
    if (is_digit(c)) return static_cast<unsigned>(c - '0');
    return static_cast<unsigned>((c | 0x20) - 'a' + 10);
}
bool is_surrogate(std::uint32_t cp) { return cp >= 0xD800 && cp <= 0xDFFF; }

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

    auto indent_of = [](const std::string& line) { return line.find_first_not_of(" \t"); };
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

Token Lexer::next() {
    skip_ignored();
    Token token;
    token.line = line_;
    token.column = column();
    token.begin = pos_;
    if (pos_ >= text_.size()) {
        token.end = pos_;
        return token;
    }

    const char c = text_[pos_];
    auto finish = [&](TokenKind kind, std::size_t length) {
        token.kind = kind;
        token.text = std::string(text_.substr(pos_, length));
        pos_ += length;
        token.end = pos_;
        return token;
    };
    if (c == '.') {
        if (text_.substr(pos_, 3) != "...") fail(token.line, token.column, "Unexpected \".\", did you mean \"...\"?");
        return finish(TokenKind::punctuator, 3);
    }
    if (std::string_view("!$&()*:=@[]{|}").find(c) != std::string_view::npos) return finish(TokenKind::punctuator, 1);
    if (is_name_start(c)) {
        std::size_t length = 1;
        while (pos_ + length < text_.size() && is_name_continue(text_[pos_ + length])) ++length;
        return finish(TokenKind::name, length);
    }
    if (c == '-' || is_digit(c)) return number(token);
    if (c == '"') return text_.substr(pos_, 3) == "\"\"\"" ? block_string(token) : string(token);
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) fail(token.line, token.column, fmt::format("Invalid character U+{:04X}", static_cast<unsigned>(byte)));
    if (byte >= 0x80) {
        utf8_length();  // fails on bytes that are not UTF-8
        fail(token.line, token.column, "Unexpected character outside a string or comment (not ASCII)");
    }
    fail(token.line, token.column, fmt::format("Unexpected character \"{}\"", c));
}

int Lexer::column() const { return static_cast<int>(pos_ - line_start_) + 1; }

void Lexer::new_line_at(std::size_t next_line_start) {
    ++line_;
    line_start_ = next_line_start;
}

std::size_t Lexer::utf8_length() const {
    const auto at = [&](std::size_t i) { return pos_ + i < text_.size() ? static_cast<unsigned char>(text_[pos_ + i]) : 0U; };
    const unsigned lead = at(0);
    std::size_t length = 0;
    std::uint32_t cp = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        cp = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        cp = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        cp = lead & 0x07;
    }
    for (std::size_t i = 1; i < length; ++i) {
        if ((at(i) & 0xC0) != 0x80) {
            length = 0;
            break;
        }
        cp = (cp << 6) | (at(i) & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    const bool overlong = (length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000);
    if (length == 0 || overlong || is_surrogate(cp) || cp > 0x10FFFF) {
        fail(line_, column(), fmt::format("Invalid UTF-8 (byte 0x{:02X})", lead));
    }
    return length;
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
        } else if (text_.substr(pos_, byte_order_mark.size()) == byte_order_mark) {
            pos_ += byte_order_mark.size();  // "UnicodeBOM" is ignored anywhere
        } else if (c == '#') {
            while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') {
                pos_ += static_cast<unsigned char>(text_[pos_]) >= 0x80 ? utf8_length() : 1;
            }
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
    token.end = pos_;
    return token;
}

void Lexer::unicode_escape(const Token& token, std::string& out) {
    // pos_ is at the 'u' of "\u".
    const auto bad = [&] { fail(token.line, column(), "Invalid Unicode escape sequence"); };
    auto fixed = [&](std::size_t at) -> std::uint32_t {  // \uXXXX starting at the 'u'
        if (at + 5 > text_.size() || !std::all_of(text_.begin() + static_cast<std::ptrdiff_t>(at + 1),
                                                  text_.begin() + static_cast<std::ptrdiff_t>(at + 5), is_hex)) {
            bad();
        }
        std::uint32_t value = 0;
        for (std::size_t i = at + 1; i < at + 5; ++i) value = value * 16 + hex_value(text_[i]);
        return value;
    };
    std::uint32_t cp = 0;
    if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '{') {
        std::size_t i = pos_ + 2;
        while (i < text_.size() && is_hex(text_[i]) && cp <= 0x10FFFF) cp = cp * 16 + hex_value(text_[i++]);
        if (i == pos_ + 2 || i >= text_.size() || text_[i] != '}' || cp > 0x10FFFF || is_surrogate(cp)) bad();
        pos_ = i + 1;
    } else {
        cp = fixed(pos_);
        pos_ += 5;
        if (cp >= 0xDC00 && cp <= 0xDFFF) bad();  // a trailing surrogate alone
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            // A leading surrogate must be followed by its trailing half: the
            // JSON way of writing a code point past U+FFFF.
            if (text_.substr(pos_, 2) != "\\u") bad();
            const std::uint32_t low = fixed(pos_ + 1);
            if (low < 0xDC00 || low > 0xDFFF) bad();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            pos_ += 6;
        }
    }
    append_utf8(out, cp);
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
            const std::size_t length = static_cast<unsigned char>(c) >= 0x80 ? utf8_length() : 1;
            value += text_.substr(pos_, length);
            pos_ += length;
            continue;
        }
        if (pos_ + 1 >= text_.size()) fail(token.line, column(), "Unterminated string");
        const char escape = text_[pos_ + 1];
        ++pos_;  // now at the escape letter
        switch (escape) {
        case '"': value += '"'; break;
        case '\\': value += '\\'; break;
        case '/': value += '/'; break;
        case 'b': value += '\b'; break;
        case 'f': value += '\f'; break;
        case 'n': value += '\n'; break;
        case 'r': value += '\r'; break;
        case 't': value += '\t'; break;
        case 'u': unicode_escape(token, value); continue;
        default: fail(token.line, column() - 1, fmt::format("Invalid character escape sequence \"\\{}\"", escape));
        }
        ++pos_;
    }
    token.kind = TokenKind::string;
    token.text = std::move(value);
    token.end = pos_;
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
        const std::size_t length = static_cast<unsigned char>(c) >= 0x80 ? utf8_length() : 1;
        raw += text_.substr(pos_, length);
        pos_ += length;
        // Keep line/column right for tokens after a multi-line string.
        if (c == '\n' || (c == '\r' && (pos_ >= text_.size() || text_[pos_] != '\n'))) new_line_at(pos_);
    }
    token.kind = TokenKind::block_string;
    token.text = block_string_value(raw);
    token.end = pos_;
    return token;
}

}  // namespace callctl::graphql::lexer
