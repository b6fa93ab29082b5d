// The GraphQL tokenizer (spec October 2021, §2.1 and Appendix B.1). Private to
// lib/src/graphql: the parser reads the token stream, minify() the gaps
// between tokens.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "callctl/graphql/document.hpp"

namespace callctl::graphql::lexer {

enum class TokenKind { end, punctuator, name, int_number, float_number, string, block_string };

struct Token {
    TokenKind kind = TokenKind::end;
    std::string text;  // punctuator or name as written; decoded value for strings
    int line = 1;
    int column = 1;
    std::size_t begin = 0;  // the token's bytes in the source: [begin, end)
    std::size_t end = 0;
};

// Thrown inside the parser only, turned into a value by parse(): unwinding a
// deep recursive descent by hand would obscure the grammar.
struct SyntaxError {
    ParseError error;
};

std::string describe(const Token& token);
[[noreturn]] void fail(int line, int column, std::string message);

class Lexer {
public:
    explicit Lexer(std::string_view text) : text_(text) {}

    Token next();

private:
    int column() const;
    void new_line_at(std::size_t next_line_start);
    void skip_ignored();
    // The UTF-8 sequence at pos_ (lead byte >= 0x80): its length, or a failure.
    std::size_t utf8_length() const;

    Token number(Token& token);
    Token string(Token& token);
    Token block_string(Token& token);
    // After "\u": one code point, as UTF-8, from \uXXXX (a surrogate pair
    // takes two) or \u{X...}.
    void unicode_escape(const Token& token, std::string& out);

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t line_start_ = 0;
    int line_ = 1;
};

}  // namespace callctl::graphql::lexer
