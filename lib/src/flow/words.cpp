#include "callctl/flow/words.hpp"

#include <fmt/format.h>

namespace callctl::flow {

namespace {

Error at(std::size_t index, std::string message) {
    return make_error(ExitCode::bad_input, fmt::format("{} at column {}", message, index + 1));
}

bool name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }

bool identifier(std::string_view text) {
    if (text.empty() || !name_start(text.front())) return false;
    for (char c : text) {
        if (!name_char(c)) return false;
    }
    return true;
}

// Builds a Template, merging adjacent literal text.
class Builder {
public:
    void literal(char c) {
        if (template_.parts.empty() || template_.parts.back().reference) template_.parts.push_back({false, {}});
        template_.parts.back().text += c;
    }
    void reference(std::string name) { template_.parts.push_back({true, std::move(name)}); }
    Template take() { return std::move(template_); }

private:
    Template template_;
};

// At text[i] == '$': a `${name}` (appended to `out`), `$$` or a lone `$`.
// Returns the index of the last character consumed.
Result<std::size_t> dollar(std::string_view text, std::size_t i, Builder& out, bool in_command) {
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (next == '$') {
        out.literal('$');
        return i + 1;
    }
    if (next == '(' && in_command) return at(i, "command substitution $( is not supported: a step runs one callctl command");
    if (next != '{') {
        out.literal('$');
        return i;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) return at(i, "unterminated ${");
    const std::string_view name = text.substr(i + 2, close - i - 2);
    if (!valid_name(name)) {
        return at(i, fmt::format("'${{{}}}' is not a name: use letters, digits and _ (or env.NAME)", name));
    }
    out.reference(std::string(name));
    return close;
}

bool blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool shell_operator(char c) {
    return c == '|' || c == '&' || c == ';' || c == '<' || c == '>' || c == '(' || c == ')' || c == '`';
}

}  // namespace

bool Template::has_references() const {
    for (const auto& part : parts) {
        if (part.reference) return true;
    }
    return false;
}

std::vector<std::string> Template::references() const {
    std::vector<std::string> names;
    for (const auto& part : parts) {
        if (part.reference) names.push_back(part.text);
    }
    return names;
}

bool valid_name(std::string_view name) {
    if (name.substr(0, env_prefix.size()) == env_prefix) return identifier(name.substr(env_prefix.size()));
    return identifier(name);
}

Result<Template> parse_template(std::string_view text) {
    Builder out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '$') {
            out.literal(text[i]);
            continue;
        }
        auto last = dollar(text, i, out, false);
        if (!last) return last.error();
        i = *last;
    }
    return out.take();
}

Result<std::vector<Template>> split_words(std::string_view text) {
    std::vector<Template> words;
    Builder word;
    bool in_word = false;  // "" starts a word that stays empty
    auto end_word = [&] {
        if (in_word) words.push_back(word.take());
        word = Builder{};
        in_word = false;
    };

    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (blank(c)) {
            end_word();
            continue;
        }
        if (shell_operator(c)) {
            return at(i, fmt::format("'{}' is a shell operator, and a step runs one callctl command (quote it to pass it as text)", c));
        }
        in_word = true;
        if (c == '\\') {
            if (i + 1 == text.size()) return at(i, "the command ends in a backslash");
            ++i;
            if (text[i] != '\n') word.literal(text[i]);  // backslash-newline joins lines
        } else if (c == '\'') {
            const std::size_t close = text.find('\'', i + 1);
            if (close == std::string_view::npos) return at(i, "unterminated single quote");
            for (std::size_t k = i + 1; k < close; ++k) word.literal(text[k]);
            i = close;
        } else if (c == '"') {
            const std::size_t open = i;
            bool closed = false;
            for (++i; i < text.size(); ++i) {
                const char q = text[i];
                if (q == '"') {
                    closed = true;
                    break;
                }
                if (q == '\\' && i + 1 < text.size()) {
                    const char escaped = text[i + 1];
                    if (escaped == '$' || escaped == '"' || escaped == '\\' || escaped == '`') {
                        word.literal(escaped);
                        ++i;
                    } else if (escaped == '\n') {
                        ++i;
                    } else {
                        word.literal('\\');  // sh keeps other backslashes inside double quotes
                    }
                } else if (q == '$') {
                    auto last = dollar(text, i, word, true);
                    if (!last) return last.error();
                    i = *last;
                } else {
                    word.literal(q);
                }
            }
            if (!closed) return at(open, "unterminated double quote");
        } else if (c == '$') {
            auto last = dollar(text, i, word, true);
            if (!last) return last.error();
            i = *last;
        } else {
            word.literal(c);
        }
    }
    end_word();
    return words;
}

Result<std::string> expand(const Template& text, const Lookup& lookup) {
    std::string out;
    for (const auto& part : text.parts) {
        if (!part.reference) {
            out += part.text;
            continue;
        }
        auto value = lookup(part.text);
        if (!value) return make_error(ExitCode::bad_input, fmt::format("unknown name ${{{}}}", part.text));
        out += *value;
    }
    return out;
}

}  // namespace callctl::flow
