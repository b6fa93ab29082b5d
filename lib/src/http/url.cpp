// URLs through libcurl's own parser (curl_url) and escaper
// (curl_easy_escape): what callctl sends is parsed by curl anyway, so error
// messages and redaction see a URL exactly as the transfer will.
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <curl/curl.h>

#include "callctl/http/http.hpp"
#include "http/url.hpp"

namespace callctl::http {

namespace {

struct UrlDeleter {
    void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

// Any scheme (file:, ftp: are refused later, by the transfer, as bad_url),
// the path exactly as written ("/a/../b" is not folded).
constexpr unsigned int kParseFlags = CURLU_NON_SUPPORT_SCHEME | CURLU_PATH_AS_IS;

UrlHandle parse_handle(std::string_view url) {
    // curl reads a C string: a NUL inside would silently cut the URL short.
    if (url.empty() || url.find('\0') != std::string_view::npos) return nullptr;
    UrlHandle handle(curl_url());
    if (!handle) return nullptr;
    const std::string text(url);
    if (curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), kParseFlags) != CURLUE_OK) return nullptr;
    return handle;
}

std::string get_part(CURLU* url, CURLUPart part, unsigned int flags = 0) {
    char* value = nullptr;
    if (curl_url_get(url, part, &value, flags) != CURLUE_OK || value == nullptr) return {};
    std::string out(value);
    curl_free(value);
    return out;
}

}  // namespace

std::optional<UrlParts> parse_url(std::string_view url) {
    const UrlHandle handle = parse_handle(url);
    if (!handle) return std::nullopt;
    UrlParts parts;
    parts.scheme = get_part(handle.get(), CURLUPART_SCHEME);
    parts.user = get_part(handle.get(), CURLUPART_USER);
    parts.password = get_part(handle.get(), CURLUPART_PASSWORD);
    parts.host = get_part(handle.get(), CURLUPART_HOST);
    parts.port = get_part(handle.get(), CURLUPART_PORT);
    parts.effective_port = get_part(handle.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
    parts.path = get_part(handle.get(), CURLUPART_PATH);
    parts.query = get_part(handle.get(), CURLUPART_QUERY);
    parts.fragment = get_part(handle.get(), CURLUPART_FRAGMENT);
    return parts;
}

std::string percent_encode(std::string_view text) {
    // Since curl 7.82 the handle argument is unused; the output keeps exactly
    // RFC 3986's unreserved characters (A-Z a-z 0-9 - . _ ~). curl takes an
    // int length, so a text past 2 GiB goes in pieces.
    constexpr std::size_t kPiece = std::size_t{1} << 30;
    std::string out;
    for (std::size_t at = 0; at < text.size(); at += kPiece) {
        const std::string_view piece = text.substr(at, kPiece);
        char* escaped = curl_easy_escape(nullptr, piece.data(), static_cast<int>(piece.size()));
        if (escaped == nullptr) throw std::bad_alloc();
        out += escaped;
        curl_free(escaped);
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

namespace detail {

std::optional<std::string> replace_url_parts(std::string_view url, const std::optional<std::string>& password,
                                             const std::optional<std::string>& query) {
    const UrlHandle handle = parse_handle(url);
    if (!handle) return std::nullopt;
    if (password && curl_url_set(handle.get(), CURLUPART_PASSWORD, password->c_str(), 0) != CURLUE_OK) {
        return std::nullopt;
    }
    if (query && curl_url_set(handle.get(), CURLUPART_QUERY, query->c_str(), 0) != CURLUE_OK) return std::nullopt;
    std::string out = get_part(handle.get(), CURLUPART_URL);
    if (out.empty()) return std::nullopt;
    return out;
}

}  // namespace detail

}  // namespace callctl::http
