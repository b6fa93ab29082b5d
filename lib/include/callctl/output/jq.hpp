// --jq EXPR, and the jq conditions of `callctl run` flows: a jq filter
// compiled once by libjq (Debian's jq 1.6) and run on one JSON value at a
// time. Each output comes back the way `jq -r` prints it: a string raw,
// anything else as compact JSON (`jq -c`), so `callctl ... --jq F` prints what
// `callctl ... | jq -r F` would (callctl(1), --jq).
//
// libjq reports errors through a callback and as values; this wrapper turns
// both into Errors and never lets jq write to stderr itself.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/error.hpp"

namespace callctl::output {

struct JqOutput {
    std::string text;    // a string's bytes (jq -r), else compact JSON (jq -c); no trailing newline
    bool truthy = true;  // neither false nor null: what `jq -e` calls success
};

class JqFilter {
public:
    // A syntax or compile error is ExitCode::usage with jq's own message
    // (folded onto one line, without jq's "jq: error: " prefix).
    static Result<JqFilter> compile(std::string_view expression);

    JqFilter(JqFilter&& other) noexcept;
    JqFilter& operator=(JqFilter&& other) noexcept;
    JqFilter(const JqFilter&) = delete;
    JqFilter& operator=(const JqFilter&) = delete;
    ~JqFilter();

    // Every output of the filter on `input`, or the first runtime error
    // (ExitCode::bad_input with jq's message, e.g. `Cannot index number with
    // string "b"`; the outputs before it are dropped, so a caller
    // prints a complete result or none). jq 1.6 holds every number as a
    // double: integers beyond 2^53 come out rounded, as they do from jq.
    Result<std::vector<JqOutput>> run(const nlohmann::json& input);
    Result<std::vector<JqOutput>> run(const nlohmann::ordered_json& input);
    // The same over JSON text: a document, or several one after another (as
    // jq reads its input), each run in turn. Text that is not JSON is
    // ExitCode::bad_input with jq's parser message.
    Result<std::vector<JqOutput>> run_text(std::string_view text);

    const std::string& expression() const;

    // Input nested deeper than this is refused (bad_input) rather than risk
    // the stack in libjq's recursive destructor.
    static constexpr int max_input_depth = 10000;
    // jq 1.6 prints a value nested deeper than this as the text "<stripped:
    // exceeds max depth>", which is not JSON: such an output is an error.
    static constexpr int max_output_depth = 256;
    // Outputs of one input past this many bytes are an error: a filter like
    // `repeat(.)` must not eat all memory.
    static constexpr std::size_t max_output_bytes = std::size_t{256} << 20;

private:
    struct State;
    explicit JqFilter(std::unique_ptr<State> state);
    template <class Json>
    Result<std::vector<JqOutput>> run_value(const Json& input);  // defined in jq.cpp, for the two above
    std::unique_ptr<State> state_;
};

}  // namespace callctl::output
