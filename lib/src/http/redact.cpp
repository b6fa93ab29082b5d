// Redaction for every print and log path (-v, error messages) and the
// --dry-run curl command line, where secrets become shell variable references.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/http/http.hpp"
#include "callctl/util/strings.hpp"

namespace callctl::http {

namespace {

constexpr std::string_view kMask = "***";

// Lower-case, without '_' and '-', so accessToken, access_token and
// ACCESS-TOKEN all compare alike.
std::string squash(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    for (const char c : name) {
        if (c == '_' || c == '-') continue;
        out += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    return out;
}

bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Secret values sorted longest first, so that a secret containing another is
// masked whole rather than leaving its remainder visible.
std::vector<std::string> secret_values(const std::vector<Secret>& secrets) {
    std::vector<std::string> values;
    for (const auto& secret : secrets) {
        if (secret.value.empty()) continue;
        values.push_back(secret.value);
        // The same value as it appears inside a URL query.
        std::string encoded = percent_encode(secret.value);
        if (encoded != secret.value) values.push_back(std::move(encoded));
    }
    std::sort(values.begin(), values.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    return values;
}

void redact_json(nlohmann::ordered_json& node, const std::vector<Secret>& secrets) {
    if (node.is_object()) {
        for (auto& [key, value] : node.items()) {
            if (is_secret_name(key) && !value.is_structured() && !value.is_null()) {
                value = kMask;
            } else {
                redact_json(value, secrets);
            }
        }
    } else if (node.is_array()) {
        for (auto& item : node) redact_json(item, secrets);
    } else if (node.is_string()) {
        const auto& text = node.get_ref<const std::string&>();
        std::string masked = redact(text, secrets);
        if (masked != text) node = std::move(masked);
    }
}

// application/x-www-form-urlencoded: k=v&k=v, nothing that looks like prose.
bool looks_form_encoded(std::string_view body) {
    if (body.empty() || body.find('=') == std::string_view::npos) return false;
    return std::none_of(body.begin(), body.end(), [](char c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '{' || c == '[' || c == '"';
    });
}

// Masks the values of secret-named keys in "k=v&k=v" (a query or a form body).
std::string redact_pairs(std::string_view pairs) {
    std::string out;
    bool first = true;
    for (const auto& pair : util::split(pairs, '&')) {
        if (!first) out += '&';
        first = false;
        const auto equals = pair.find('=');
        if (equals != std::string::npos && is_secret_name(std::string_view(pair).substr(0, equals))) {
            out += pair.substr(0, equals + 1);
            out += kMask;
        } else {
            out += pair;
        }
    }
    return out;
}

// ---------------------------------------------------------------- shell quoting

bool is_identifier(std::string_view name) {
    if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

struct Piece {
    std::string text;
    bool is_variable = false;  // text is an env var name
};

// Splits `text` into literal runs and secret references, longest secret first
// at each position.
std::vector<Piece> split_secrets(std::string_view text, const std::vector<Secret>& secrets) {
    std::vector<const Secret*> ordered;
    for (const auto& secret : secrets) {
        if (!secret.value.empty()) ordered.push_back(&secret);
    }
    std::sort(ordered.begin(), ordered.end(),
              [](const Secret* a, const Secret* b) { return a->value.size() > b->value.size(); });
    std::vector<Piece> pieces;
    std::string literal;
    std::size_t i = 0;
    while (i < text.size()) {
        const Secret* match = nullptr;
        for (const Secret* secret : ordered) {
            if (text.substr(i, secret->value.size()) == secret->value) {
                match = secret;
                break;
            }
        }
        if (match == nullptr) {
            literal += text[i++];
            continue;
        }
        i += match->value.size();
        if (is_identifier(match->env_name)) {
            if (!literal.empty()) pieces.push_back({std::move(literal), false});
            literal.clear();
            pieces.push_back({match->env_name, true});
        } else {
            literal += kMask;  // no variable to stand in for it: never print the value
        }
    }
    if (!literal.empty() || pieces.empty()) pieces.push_back({std::move(literal), false});
    return pieces;
}

std::string single_quote(std::string_view text) {
    std::string out = "'";
    for (const char c : text) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    out += '\'';
    return out;
}

// One shell word that evaluates to `text` with each secret taken from its
// environment variable. Prefers one double-quoted word when the literal parts
// have nothing special to the shell ("Authorization: Bearer $CALLCTL_TOKEN"),
// else splices "$VAR" between single-quoted runs.
std::string shell_word(std::string_view text, const std::vector<Secret>& secrets) {
    const auto pieces = split_secrets(text, secrets);
    const bool has_variable = std::any_of(pieces.begin(), pieces.end(), [](const Piece& p) { return p.is_variable; });
    if (!has_variable) return single_quote(pieces.front().text);

    const bool double_quotable = std::none_of(pieces.begin(), pieces.end(), [](const Piece& p) {
        return !p.is_variable && p.text.find_first_of("$`\\\"!\n") != std::string::npos;
    });
    std::string out;
    if (double_quotable) {
        out = "\"";
        for (const auto& piece : pieces) out += piece.is_variable ? "${" + piece.text + "}" : piece.text;
        out += '"';
        // ${NAME} is only needed when a name character follows; keep the
        // common case readable.
        for (const auto& piece : pieces) {
            if (!piece.is_variable) continue;
            const std::string braced = "${" + piece.text + "}";
            std::size_t at = 0;
            while ((at = out.find(braced, at)) != std::string::npos) {
                const std::size_t after = at + braced.size();
                const char next = after < out.size() ? out[after] : '"';
                const bool name_char = (next >= 'A' && next <= 'Z') || (next >= 'a' && next <= 'z') ||
                                       (next >= '0' && next <= '9') || next == '_';
                if (!name_char) {
                    out.replace(at, braced.size(), "$" + piece.text);
                    at += piece.text.size() + 1;
                } else {
                    at = after;
                }
            }
        }
        return out;
    }
    for (const auto& piece : pieces) out += piece.is_variable ? "\"$" + piece.text + "\"" : single_quote(piece.text);
    return out;
}

}  // namespace

bool is_secret_name(std::string_view name) {
    const std::string key = squash(name);
    if (key.empty()) return false;
    // Names that contain a secret word but name something public.
    static constexpr std::array<std::string_view, 4> kPublic = {"tokentype", "tokenurl", "keyid", "publickey"};
    if (std::find(kPublic.begin(), kPublic.end(), key) != kPublic.end()) return false;
    static constexpr std::array<std::string_view, 9> kContains = {
        "token", "password", "passwd", "secret", "signature", "credential", "authorization", "cookie", "apikey"};
    for (const auto word : kContains) {
        if (key.find(word) != std::string::npos) return true;
    }
    // "key", "pushKey", "privateKey", "keys"; "code" and "authCode" but not
    // "zipCode" or "statusCode".
    static constexpr std::array<std::string_view, 8> kExact = {"key",  "keys", "code",    "authcode",
                                                               "pin",  "otp",  "session", "sig"};
    if (std::find(kExact.begin(), kExact.end(), key) != kExact.end()) return true;
    return ends_with(key, "key") || ends_with(key, "authcode") || ends_with(key, "sessionid");
}

std::string redact(std::string_view text, const std::vector<Secret>& secrets) {
    std::string out(text);
    for (const auto& value : secret_values(secrets)) {
        std::size_t at = 0;
        while ((at = out.find(value, at)) != std::string::npos) {
            out.replace(at, value.size(), kMask);
            at += kMask.size();
        }
    }
    return out;
}

std::string redact_header_value(std::string_view name, std::string_view value) {
    const std::string key = squash(name);
    const bool secret = key == "authorization" || key == "proxyauthorization" || key == "cookie" ||
                        key == "setcookie" || is_secret_name(name);
    if (!secret) return std::string(value);
    // Keep the scheme ("Bearer ***", "Basic ***"): it helps debugging and
    // reveals nothing.
    const auto space = value.find(' ');
    if ((key == "authorization" || key == "proxyauthorization") && space != std::string_view::npos && space > 0) {
        const auto scheme = value.substr(0, space);
        if (std::all_of(scheme.begin(), scheme.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })) {
            return std::string(scheme) + " " + std::string(kMask);
        }
    }
    return std::string(kMask);
}

std::string redact_body(std::string_view body, const std::vector<Secret>& secrets) {
    const auto trimmed = util::trim(body);
    if (!trimmed.empty() && (trimmed.front() == '{' || trimmed.front() == '[')) {
        auto json = nlohmann::ordered_json::parse(trimmed, nullptr, /*allow_exceptions=*/false);
        if (!json.is_discarded()) {
            redact_json(json, secrets);
            // dump() throws on invalid UTF-8; replace it rather than fail.
            return redact(json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace), secrets);
        }
    }
    if (looks_form_encoded(trimmed)) return redact(redact_pairs(trimmed), secrets);
    return redact(body, secrets);
}

std::string redact_url(std::string_view url, const std::vector<Secret>& secrets) {
    std::string out;
    // userinfo: scheme://user:password@host/...
    const auto scheme_end = url.find("://");
    std::string_view rest = url;
    if (scheme_end != std::string_view::npos) {
        const auto authority_start = scheme_end + 3;
        const auto authority_end = std::min(url.find_first_of("/?#", authority_start), url.size());
        const auto authority = url.substr(authority_start, authority_end - authority_start);
        const auto at = authority.rfind('@');
        out = std::string(url.substr(0, authority_start));
        if (at != std::string_view::npos) {
            const auto userinfo = authority.substr(0, at);
            const auto colon = userinfo.find(':');
            out += colon == std::string_view::npos ? std::string(userinfo)
                                                   : std::string(userinfo.substr(0, colon + 1)) + std::string(kMask);
            out += authority.substr(at);
        } else {
            out += authority;
        }
        rest = url.substr(authority_end);
    }
    const auto question = rest.find('?');
    if (question == std::string_view::npos) {
        out += rest;
    } else {
        const auto fragment = rest.find('#', question);
        out += rest.substr(0, question + 1);
        out += redact_pairs(rest.substr(question + 1, fragment == std::string_view::npos ? std::string_view::npos
                                                                                         : fragment - question - 1));
        if (fragment != std::string_view::npos) out += rest.substr(fragment);
    }
    return redact(out, secrets);
}

std::string to_curl_command(const Request& request, bool insecure, std::string_view cacert,
                            std::string_view user_agent) {
    std::string out = "curl -sS";
    if (request.method != Method::get) {
        out += " -X ";
        out += to_string(request.method);
    }
    out += ' ';
    out += shell_word(request.url, request.secrets);
    if (!user_agent.empty()) {
        out += " -A ";
        out += shell_word(user_agent, request.secrets);
    }
    for (const auto& header : request.headers) {
        out += " -H ";
        // "Name;" is curl's spelling of a header with an empty value.
        out += shell_word(header.value.empty() ? header.name + ";" : header.name + ": " + header.value, request.secrets);
    }
    if (!request.body.empty() || request.method == Method::post || request.method == Method::put) {
        // --data-binary would read a file for a body starting with '@';
        // --data-raw (curl >= 7.43) sends it as-is.
        out += request.body.starts_with('@') ? " --data-raw " : " --data-binary ";
        out += shell_word(request.body, request.secrets);
    }
    if (!cacert.empty()) {
        out += " --cacert ";
        out += single_quote(cacert);
    }
    if (insecure) out += " -k";
    return out;
}

}  // namespace callctl::http
