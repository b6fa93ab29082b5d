// send-webhook --set a.b.c=VALUE: see callctl/webhook/send_webhook.hpp.
#include <fmt/format.h>

#include "callctl/webhook/send_webhook.hpp"
#include "push/push_internal.hpp"

namespace callctl::webhook {

namespace {

Error bad_assignment(std::string_view text, std::string_view why) {
    return make_error(ExitCode::usage, fmt::format("--set '{}': {}", text, why),
                      "write --set PATH=VALUE, PATH as keys joined by dots (a.b.c), VALUE as JSON or plain text");
}

std::string_view type_name(const Json& value) {
    switch (value.type()) {
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "an object";
    default: return "a number";
    }
}

std::string joined(const std::vector<std::string>& path, std::size_t count) {
    std::string text;
    for (std::size_t i = 0; i < count; ++i) text += (i == 0 ? "" : ".") + path[i];
    return text;
}

}  // namespace

Result<FieldAssignment> parse_assignment(std::string_view text) {
    FieldAssignment assignment;
    assignment.path_text = std::string(text);
    std::string key;
    std::size_t i = 0;
    bool found_equals = false;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\\' && i + 1 < text.size() && (text[i + 1] == '.' || text[i + 1] == '\\' || text[i + 1] == '=')) {
            key += text[++i];
        } else if (c == '.') {
            if (key.empty()) return bad_assignment(text, "a key in the path is empty");
            assignment.path.push_back(std::move(key));
            key.clear();
        } else if (c == '=') {
            found_equals = true;
            break;
        } else {
            key += c;
        }
    }
    if (!found_equals) return bad_assignment(text, "no '=' between the path and the value");
    if (key.empty()) return bad_assignment(text, assignment.path.empty() ? "the path is empty" : "a key in the path is empty");
    assignment.path.push_back(std::move(key));
    assignment.path_text = std::string(text.substr(0, i));

    const std::string_view value_text = text.substr(i + 1);
    // JSON where it parses (true, 3, null, {"a":1}, "quoted"), else the text itself.
    Json value = push::detail::parse_embedded(value_text);
    assignment.value = value.is_discarded() ? Json(std::string(value_text)) : std::move(value);
    return assignment;
}

Status apply_assignment(Json& body, const FieldAssignment& assignment) {
    if (!body.is_object()) {
        return make_error(ExitCode::usage,
                          fmt::format("--set {}: the body is {}, not a JSON object", assignment.path_text, type_name(body)));
    }
    Json* node = &body;
    const auto& path = assignment.path;
    for (std::size_t i = 0; i + 1 < path.size(); ++i) {
        auto it = node->find(path[i]);
        if (it == node->end()) {
            node = &((*node)[path[i]] = Json::object());
        } else if (it->is_object()) {
            node = &*it;
        } else {
            return make_error(ExitCode::usage, fmt::format("--set {}: {} is {}, not an object", assignment.path_text,
                                                           joined(path, i + 1), type_name(*it)));
        }
    }
    (*node)[path.back()] = assignment.value;
    return {};
}

}  // namespace callctl::webhook
