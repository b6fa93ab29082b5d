// The other spellings a secret takes on the wire, so that redaction and
// --dry-run find it there too: percent-encoded inside a URL query, escaped
// inside a JSON string (a password holding '"' or '\' is sent as \" or \\).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace callctl::http::detail {

// Each form that differs from `value` itself, without duplicates.
std::vector<std::string> encoded_forms(std::string_view value);

}  // namespace callctl::http::detail
