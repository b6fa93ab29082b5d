// The --dry-run form of a request: a runnable `curl` command line, every word
// shell-quoted, each secret replaced by a "$CALLCTL_..." reference to the
// environment variable that holds it (never its value).
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "callctl/http/http.hpp"
#include "http/secret_forms.hpp"

namespace callctl::http {

namespace {

using detail::kMask;

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

// One way a secret is spelled in the request: as itself, which a shell
// variable can stand in for, or encoded (in a URL query, in a JSON string),
// which it cannot: sh would expand the raw value.
struct Spelling {
    std::string text;
    const Secret* secret;
    bool replayable;
};

// Splits `text` into literal runs and secret references, longest spelling
// first at each position.
std::vector<Piece> split_secrets(std::string_view text, const std::vector<Secret>& secrets) {
    std::vector<Spelling> spellings;
    for (const auto& secret : secrets) {
        if (secret.value.empty()) continue;
        spellings.push_back({secret.value, &secret, true});
        for (auto& form : detail::encoded_forms(secret.value)) spellings.push_back({std::move(form), &secret, false});
    }
    // Of two spellings of one length, the encoded one first: when a secret's
    // escaped form is also registered as a secret of its own (the intercom
    // login registers the password as its JSON body spells it), no variable
    // holding the raw value can stand in for it, so it is masked.
    std::stable_sort(spellings.begin(), spellings.end(), [](const Spelling& a, const Spelling& b) {
        if (a.text.size() != b.text.size()) return a.text.size() > b.text.size();
        return !a.replayable && b.replayable;
    });
    std::vector<Piece> pieces;
    std::string literal;
    std::size_t i = 0;
    while (i < text.size()) {
        const Spelling* match = nullptr;
        for (const Spelling& spelling : spellings) {
            // A short secret only as a word of its own: a token "tt" is not
            // the "tt" of "http://".
            if (text.substr(i, spelling.text.size()) == spelling.text &&
                detail::stands_alone(text, i, spelling.text.size(), spelling.secret->value.size())) {
                match = &spelling;
                break;
            }
        }
        if (match == nullptr) {
            literal += text[i++];
            continue;
        }
        i += match->text.size();
        if (match->replayable && is_identifier(match->secret->env_name)) {
            if (!literal.empty()) pieces.push_back({std::move(literal), false});
            literal.clear();
            pieces.push_back({match->secret->env_name, true});
        } else {
            literal += kMask;  // no variable can stand in for it: never print the value
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
        // ${NAME} only where a name character follows (it would extend the
        // name); $NAME otherwise, the common case, readable. Decided while
        // appending: one pass, however many secrets a gigantic body holds.
        const auto is_name_char = [](char c) {
            return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        };
        out = "\"";
        for (std::size_t i = 0; i < pieces.size(); ++i) {
            const Piece& piece = pieces[i];
            if (!piece.is_variable) {
                out += piece.text;
                continue;
            }
            std::size_t j = i + 1;
            while (j < pieces.size() && !pieces[j].is_variable && pieces[j].text.empty()) ++j;
            const bool braced = j < pieces.size() && !pieces[j].is_variable && is_name_char(pieces[j].text.front());
            out += braced ? "${" + piece.text + "}" : "$" + piece.text;
        }
        out += '"';
        return out;
    }
    for (const auto& piece : pieces) out += piece.is_variable ? "\"$" + piece.text + "\"" : single_quote(piece.text);
    return out;
}

}  // namespace

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
