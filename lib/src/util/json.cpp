#include "callctl/util/json.hpp"

#include <fmt/format.h>

namespace callctl::util {

std::size_t json_nesting_depth(std::string_view text, std::size_t stop_after) {
    // One pass, no recursion: strings are skipped (a bracket inside one is
    // text), escapes inside strings skip the next byte.
    std::size_t depth = 0;
    std::size_t deepest = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        switch (c) {
        case '"':
            in_string = true;
            break;
        case '[':
        case '{':
            if (++depth > deepest) {
                deepest = depth;
                if (deepest > stop_after) return deepest;
            }
            break;
        case ']':
        case '}':
            if (depth > 0) --depth;
            break;
        default:
            break;
        }
    }
    return deepest;
}

std::string too_deep_text() { return fmt::format("nested deeper than {} levels", json_depth_limit); }

namespace {

template <class Json>
Expected<Json, JsonError> parse_limited(std::string_view text) {
    // The scan comes first: nlohmann's own parser keeps its stack on the heap,
    // but what it would build could not be walked (dump() recurses).
    if (json_nesting_depth(text) > json_depth_limit) return JsonError{JsonProblem::too_deep, too_deep_text()};
    try {
        return Json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        return JsonError{JsonProblem::syntax, e.what(), e.byte};
    } catch (const nlohmann::json::exception& e) {
        return JsonError{JsonProblem::unsupported, e.what(), 0};  // out_of_range.406: 1e400
    }
}

}  // namespace

Expected<nlohmann::json, JsonError> parse_json(std::string_view text) { return parse_limited<nlohmann::json>(text); }

Expected<nlohmann::ordered_json, JsonError> parse_ordered_json(std::string_view text) {
    return parse_limited<nlohmann::ordered_json>(text);
}

}  // namespace callctl::util
