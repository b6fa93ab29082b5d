// URL building: join_url and percent_encode (RFC 3986).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "callctl/http/http.hpp"

namespace callctl::http {

namespace {
bool is_unreserved(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}
}  // namespace

std::string percent_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        if (is_unreserved(c)) {
            out += c;
        } else {
            const auto byte = static_cast<unsigned char>(c);
            out += '%';
            out += hex[byte >> 4];
            out += hex[byte & 0x0F];
        }
    }
    return out;
}

std::string join_url(std::string_view base, std::string_view path,
                     const std::vector<std::pair<std::string, std::string>>& query) {
    std::string url(base);
    if (!path.empty()) {
        // Exactly one slash between a base (which may carry a path prefix such
        // as http://h/api/) and the path, whichever side brought one.
        while (!url.empty() && url.back() == '/') url.pop_back();
        while (path.size() > 1 && path.front() == '/' && path[1] == '/') path.remove_prefix(1);
        if (path.front() != '/' && path.front() != '?') url += '/';
        url += path;
    }
    if (!query.empty()) {
        char separator = url.find('?') == std::string::npos ? '?' : '&';
        if (!url.empty() && (url.back() == '?' || url.back() == '&')) separator = '\0';
        for (const auto& [key, value] : query) {
            if (separator != '\0') url += separator;
            separator = '&';
            url += percent_encode(key);
            url += '=';
            url += percent_encode(value);
        }
    }
    return url;
}

}  // namespace callctl::http
