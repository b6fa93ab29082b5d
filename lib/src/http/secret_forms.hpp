// The other spellings a secret takes on the wire, so that redaction and
// --dry-run find it there too: percent-encoded inside a URL query, escaped
// inside a JSON string (a password holding '"' or '\' is sent as \" or \\).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace callctl::http::detail {

// What a secret becomes when shown.
inline constexpr std::string_view kMask = "***";

// Each form that differs from `value` itself, without duplicates: percent-
// encoded (upper- and lower-case hex, '+' for a space as forms write it) and
// JSON-escaped (as we write it, and with every non-ASCII character as \uXXXX
// as many servers write it).
std::vector<std::string> encoded_forms(std::string_view value);

// Secrets shorter than this are found only as whole words (callctl(1),
// SECURITY): a two-letter token must not turn "http" into "h***p".
inline constexpr std::size_t kShortSecret = 4;

// Whether the `length` bytes at `at` in `text`, one spelling of a secret
// `secret_length` bytes long, may stand for it: always for a long secret; for
// a short one only when no letter, digit, '_' or '-' (or a UTF-8 byte)
// continues a word across either edge (a percent escape before it, "%20",
// counts as the space it stands for).
bool stands_alone(std::string_view text, std::size_t at, std::size_t length, std::size_t secret_length);

}  // namespace callctl::http::detail
