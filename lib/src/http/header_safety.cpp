// Credentials that would break the request they go into: a token holding CR
// LF would add headers of its own choosing ("abc\r\nX-Injected: 1"), one
// holding a space would be two words where one is expected. Refused wherever
// a token comes from (callctl(1), SECURITY), and every header checked once
// more before a request leaves (request_defect), whatever built it.
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "callctl/http/http.hpp"

namespace callctl::http {

namespace {

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

std::string describe_byte(unsigned char c) {
    switch (c) {
    case '\r': return "a carriage return (CR)";
    case '\n': return "a line feed (LF)";
    case '\t': return "a tab";
    case '\0': return "a NUL byte";
    default: return fmt::format("a control character (0x{:02x})", c);
    }
}

}  // namespace

std::optional<std::string> token_defect(std::string_view token) {
    for (std::size_t i = 0; i < token.size(); ++i) {
        const auto c = static_cast<unsigned char>(token[i]);
        if (is_control(c)) return fmt::format("it holds {} at byte {}", describe_byte(c), i + 1);
        if (c == ' ') return fmt::format("it holds a space at byte {}", i + 1);
    }
    return std::nullopt;
}

Status check_token(std::string_view token, std::string_view whose, ExitCode code) {
    const auto defect = token_defect(token);
    if (!defect) return {};
    return make_error(code, fmt::format("{} cannot be used: {}", whose, *defect),
                      code == ExitCode::auth ? "a token is one word of printable characters: check where it came from"
                                             : "the server's answer is not a usable token; nothing was stored or sent");
}

std::optional<std::string> request_defect(const Request& request) {
    for (const auto& header : request.headers) {
        for (const char ch : header.name + header.value) {
            const auto c = static_cast<unsigned char>(ch);
            // A tab is legal inside a header value (RFC 9110 field-value).
            if (is_control(c) && c != '\t') {
                return fmt::format("refusing to send header {}: it holds {}", header.name, describe_byte(c));
            }
        }
    }
    return std::nullopt;
}

}  // namespace callctl::http
