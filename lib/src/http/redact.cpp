// Redaction for every print and log path (-v, error messages): secret values,
// secret-named JSON keys, headers, form fields and URL parts become "***".
// (The --dry-run command line, where secrets become shell variable
// references instead, is curl_command.cpp.)
#include <algorithm>
#include <array>
#include <cctype>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/http/http.hpp"
#include "http/secret_forms.hpp"
#include "http/url.hpp"
#include "callctl/util/json.hpp"
#include "callctl/util/strings.hpp"

namespace callctl::http {

namespace {

using detail::kMask;

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

// One spelling of a secret to mask, and the length of the secret itself
// (which decides whether it must stand alone: stands_alone).
struct MaskedSpelling {
    std::string text;
    std::size_t secret_length;
};

// Every spelling of a set of secrets, longest first, so that a secret
// containing another is masked whole rather than leaving its remainder
// visible; and the first bytes of them, which let most positions skip the
// search.
struct Masker {
    std::vector<MaskedSpelling> spellings;
    std::array<bool, 256> starts{};
};

std::shared_ptr<const Masker> build_masker(const std::vector<std::string>& values) {
    auto masker = std::make_shared<Masker>();
    for (const auto& value : values) {
        masker->spellings.push_back({value, value.size()});
        for (auto& form : detail::encoded_forms(value)) masker->spellings.push_back({std::move(form), value.size()});
    }
    std::stable_sort(masker->spellings.begin(), masker->spellings.end(),
                     [](const MaskedSpelling& a, const MaskedSpelling& b) { return a.text.size() > b.text.size(); });
    for (const MaskedSpelling& spelling : masker->spellings) masker->starts[static_cast<unsigned char>(spelling.text.front())] = true;
    return masker;
}

// The secrets seen so far in this process (remember_secret), and the last
// masker built with the values it was built for. send-push redacts every
// device's answer against the same tokens; the spellings of a secret (two JSON
// dumps and three percent forms) cost more than the search itself, so they
// are worked out once per set of values, not once per answer.
struct SecretState {
    std::mutex mutex;
    std::vector<std::string> remembered;
    std::vector<std::string> masked_values;  // what `masker` was built for
    std::shared_ptr<const Masker> masker;
};
SecretState& secret_state() {
    static SecretState state;
    return state;
}

// Null when there is nothing to mask (the common case: no secrets at all).
std::shared_ptr<const Masker> masker_for(const std::vector<Secret>& secrets) {
    auto& state = secret_state();
    const std::lock_guard lock(state.mutex);
    // The values to mask: those given and those remembered, sorted, once each.
    std::vector<std::string> values = state.remembered;
    for (const auto& secret : secrets) {
        if (!secret.value.empty()) values.push_back(secret.value);
    }
    if (values.empty()) return nullptr;
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    if (state.masker == nullptr || state.masked_values != values) {
        state.masker = build_masker(values);
        state.masked_values = std::move(values);
    }
    return state.masker;
}

std::string mask(std::string_view text, const Masker* masker) {
    if (masker == nullptr) return std::string(text);
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const MaskedSpelling* match = nullptr;
        if (masker->starts[static_cast<unsigned char>(text[i])]) {
            for (const MaskedSpelling& spelling : masker->spellings) {
                if (text.compare(i, spelling.text.size(), spelling.text) == 0 &&
                    detail::stands_alone(text, i, spelling.text.size(), spelling.secret_length)) {
                    match = &spelling;
                    break;
                }
            }
        }
        if (match == nullptr) {
            out += text[i++];
            continue;
        }
        out += kMask;
        i += match->text.size();
    }
    return out;
}

bool is_word_byte(char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) != 0 || c == '_' || c == '-' || u >= 0x80;
}

void redact_json(nlohmann::ordered_json& node, const Masker* masker) {
    if (node.is_object()) {
        for (auto& [key, value] : node.items()) {
            // A number named "code" is a status (FCM's {"error":{"code":401}}),
            // not an authorization code: those are strings.
            const bool status_number = value.is_number() && squash(key) == "code";
            if (is_secret_name(key) && !value.is_structured() && !value.is_null() && !status_number) {
                value = kMask;
            } else {
                redact_json(value, masker);
            }
        }
    } else if (node.is_array()) {
        for (auto& item : node) redact_json(item, masker);
    } else if (node.is_string()) {
        const auto& text = node.get_ref<const std::string&>();
        std::string masked = mask(text, masker);
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

namespace detail {

std::vector<std::string> encoded_forms(std::string_view value) {
    std::vector<std::string> forms;
    const auto add = [&](std::string form) {
        if (form != value && std::find(forms.begin(), forms.end(), form) == forms.end()) forms.push_back(std::move(form));
    };
    const std::string percent = percent_encode(value);
    add(percent);
    std::string lower = percent;  // %2f as some servers re-encode it
    for (std::size_t i = 0; i + 2 < lower.size(); ++i) {
        if (lower[i] != '%') continue;
        lower[i + 1] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower[i + 1])));
        lower[i + 2] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower[i + 2])));
        i += 2;
    }
    add(lower);
    std::string form_encoded = percent;  // application/x-www-form-urlencoded: a space is '+'
    for (std::size_t at = 0; (at = form_encoded.find("%20", at)) != std::string::npos;) form_encoded.replace(at, 3, "+");
    add(std::move(form_encoded));
    // dump() quotes and escapes; invalid UTF-8 is replaced rather than thrown.
    for (const bool ascii : {false, true}) {
        const std::string quoted =
            nlohmann::json(std::string(value)).dump(-1, ' ', ascii, nlohmann::json::error_handler_t::replace);
        add(quoted.substr(1, quoted.size() - 2));
    }
    return forms;
}

bool stands_alone(std::string_view text, std::size_t at, std::size_t length, std::size_t secret_length) {
    if (secret_length >= kShortSecret || length == 0) return true;
    // A percent escape ("%20tt") ends a word as the character it stands for does.
    const bool after_escape = at >= 3 && text[at - 3] == '%' && std::isxdigit(static_cast<unsigned char>(text[at - 2])) != 0 &&
                              std::isxdigit(static_cast<unsigned char>(text[at - 1])) != 0;
    const bool open_before = at == 0 || after_escape || !is_word_byte(text[at - 1]) || !is_word_byte(text[at]);
    const std::size_t end = at + length;
    const bool open_after = end >= text.size() || !is_word_byte(text[end]) || !is_word_byte(text[end - 1]);
    return open_before && open_after;
}

}  // namespace detail

void remember_secret(std::string_view value) {
    if (value.empty()) return;
    auto& state = secret_state();
    const std::lock_guard lock(state.mutex);
    auto& values = state.remembered;
    if (std::find(values.begin(), values.end(), value) == values.end()) values.emplace_back(value);
}

void remember_secrets(const std::vector<Secret>& secrets) {
    for (const auto& secret : secrets) remember_secret(secret.value);
}

void forget_remembered_secrets() {
    auto& state = secret_state();
    const std::lock_guard lock(state.mutex);
    state.remembered.clear();
    state.masked_values.clear();
    state.masker.reset();
}

std::string redact(std::string_view text, const std::vector<Secret>& secrets) {
    return mask(text, masker_for(secrets).get());
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
        auto json = util::parse_ordered_json(trimmed);
        if (json) {
            const auto masker = masker_for(secrets);
            redact_json(*json, masker.get());  // recurses at most util::json_depth_limit deep
            // dump() throws on invalid UTF-8; replace it rather than fail.
            return mask(json->dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace), masker.get());
        }
        // Too deep to walk for secret-named keys: shown as a size, never as text.
        if (json.error().problem == util::JsonProblem::too_deep) {
            return fmt::format("(JSON {}, {} bytes)", util::too_deep_text(), body.size());
        }
    }
    if (looks_form_encoded(trimmed)) return redact(redact_pairs(trimmed), secrets);
    return redact(body, secrets);
}

std::string redact_url(std::string_view url, const std::vector<Secret>& secrets) {
    const auto parts = parse_url(url);
    if (!parts) {
        // Not a URL curl can read (so it was never sent either): there is no
        // telling which part of it is a password or a query, so any text that
        // may hold one is not shown.
        if (url.find_first_of("@?#") != std::string_view::npos) return "<unparsable URL>";
        return redact(url, secrets);
    }
    std::optional<std::string> password;
    if (!parts->password.empty()) password = std::string(kMask);
    std::optional<std::string> query;
    if (!parts->query.empty()) {
        std::string masked = redact_pairs(parts->query);
        if (masked != parts->query) query = std::move(masked);
    }
    // Reassembled only when something was masked, so that a URL with nothing
    // to hide is shown exactly as given (curl would normalise it a little).
    if (!password && !query) return redact(url, secrets);
    const auto rebuilt = detail::replace_url_parts(url, password, query);
    return rebuilt ? redact(*rebuilt, secrets) : std::string("<unparsable URL>");
}

}  // namespace callctl::http
