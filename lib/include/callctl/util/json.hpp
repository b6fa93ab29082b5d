// The one way callctl parses JSON text (replies, files, payloads, lines):
// nlohmann's parser behind a depth limit. A document nested deeper than
// json_depth_limit is refused before nlohmann builds anything, so every walk
// over a parsed value (dump(), redaction, rendering, jq conversion) recurses
// at most that deep and cannot overflow the stack (callctl(1), EXIT STATUS:
// a reply too deep is 7, an input too deep 3; the caller picks the code).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "callctl/error.hpp"

namespace callctl::util {

// Levels of arrays and objects a document may nest: [[1]] is 2 levels.
inline constexpr std::size_t json_depth_limit = 256;

enum class JsonProblem {
    syntax,       // not JSON
    unsupported,  // valid syntax nlohmann refuses: a number past double's range (1e400)
    too_deep,     // nested deeper than json_depth_limit
};

struct JsonError {
    JsonProblem problem = JsonProblem::syntax;
    // nlohmann's what() ("[json.exception.parse_error.101] parse error at
    // line 1, column 5: ..."), or too_deep_text().
    std::string message;
    std::size_t byte = 0;  // syntax: 1-based offset of the offending byte (nlohmann's parse_error::byte)
};

// The deepest nesting of `text`, counting only brackets outside strings, but
// it stops counting at `stop_after` + 1 (so a hostile text costs one linear
// pass and no memory). Malformed text is measured as far as it goes.
std::size_t json_nesting_depth(std::string_view text, std::size_t stop_after = json_depth_limit);

// Parses one JSON document (surrounding whitespace allowed). Never throws.
Expected<nlohmann::json, JsonError> parse_json(std::string_view text);
// The same, keeping the object keys in the order they were written.
Expected<nlohmann::ordered_json, JsonError> parse_ordered_json(std::string_view text);

// "nested deeper than 256 levels", for messages that build their own wording.
std::string too_deep_text();

}  // namespace callctl::util
