// Apollo sends a document with `\s *` replaced by one space; the vendor's
// app sends its documents that way (callctl(1), WIRE FORMATS). Done on
// tokens rather than with that regular expression, so that string literals
// keep their spaces and a comment cannot swallow the line after it.
#include <string>

#include "callctl/graphql/document.hpp"
#include "lexer.hpp"

namespace callctl::graphql {

namespace {

// The ignored text between two tokens, as it is sent: its commas, and one
// space for each stretch of anything else (whitespace, line ends, comments,
// byte order marks), except at the very start or end of the document. The
// lexer has already checked that the gap holds nothing else.
void append_gap(std::string& out, std::string_view gap, bool at_start, bool at_end) {
    bool pending_space = false;
    auto flush = [&] {
        if (pending_space && !at_start) out += ' ';
        pending_space = false;
    };
    for (std::size_t i = 0; i < gap.size(); ++i) {
        if (gap[i] == ',') {
            flush();
            out += ',';
            at_start = false;
        } else if (gap[i] == '#') {
            while (i + 1 < gap.size() && gap[i + 1] != '\n' && gap[i + 1] != '\r') ++i;
            pending_space = true;
        } else {
            pending_space = true;  // whitespace, a line end, or a byte of a BOM
        }
    }
    if (!at_end) flush();
}

}  // namespace

Expected<std::string, ParseError> minify(std::string_view text) {
    try {
        lexer::Lexer lexer(text);
        std::string out;
        out.reserve(text.size());
        std::size_t gap_start = 0;
        while (true) {
            const lexer::Token token = lexer.next();
            const bool at_end = token.kind == lexer::TokenKind::end;
            append_gap(out, text.substr(gap_start, token.begin - gap_start), out.empty(), at_end);
            if (at_end) return out;
            out += text.substr(token.begin, token.end - token.begin);
            gap_start = token.end;
        }
    } catch (const lexer::SyntaxError& e) {
        return e.error;
    }
}

}  // namespace callctl::graphql
