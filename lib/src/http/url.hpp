// What redaction needs from curl_url beyond parse_url (http.hpp): putting a
// URL back together with some of its parts replaced.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace callctl::http::detail {

// `url` with its userinfo password and/or its query replaced, as curl
// reassembles it; nullopt when curl cannot parse `url`.
std::optional<std::string> replace_url_parts(std::string_view url, const std::optional<std::string>& password,
                                             const std::optional<std::string>& query);

}  // namespace callctl::http::detail
