// The GraphQL tokenizer (spec October 2021, §2.1 and Appendix B.1). Private to
// lib/src/api: graphql_document.cpp parses the token stream it yields.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "callctl/api/graphql_document.hpp"

namespace callctl::api::graphql_lexer {

enum class TokenKind { end, punctuator, name, int_number, float_number, string, block_string };

struct Token {
    TokenKind kind = TokenKind::end;
    std::string text;  // punctuator or name as written; decoded value for strings
    int line = 1;
    int column = 1;
};

// Thrown inside the parser only, turned into a value by parse_graphql_detailed:
// unwinding a deep recursive descent by hand would obscure the grammar.
struct SyntaxError {
    GraphqlParseError error;
};

std::string describe(const Token& token);
[[noreturn]] void fail(int line, int column, std::string message);
bool is_name_start(char c);
bool is_digit(char c);
bool is_name_continue(char c);

class Lexer {
public:
    explicit Lexer(std::string_view text);

    Token next();

private:
    int column() const;

    void advance(std::size_t count);

    void new_line_at(std::size_t next_line_start);

    void skip_ignored();

    Token number(Token& token);

    Token string(Token& token);

    Token block_string(Token& token);

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t line_start_ = 0;
    int line_ = 1;
};

}  // namespace callctl::api::graphql_lexer
