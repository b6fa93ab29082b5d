// The text of `callctl run` flow files (callctl(1), FLOW FILES): a step's
// `run` string split into words the way a shell splits them, and `${name}`
// references in any string, parsed once and expanded when the step runs.
//
// Splitting follows sh(1) for quotes and backslashes and stops there: no
// globbing, no variables but `${name}`, no operators (`|`, `;`, `&`, `<`,
// `>`, `(`, `)`, backquotes and `$(` are errors, so a pipeline cannot pass for
// one command). A `${name}` is replaced inside its word and never splits it
// or disappears, quoted or not; `$$` is a literal `$`.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callctl/error.hpp"

namespace callctl::flow {

// Literal text, or the name inside a `${...}` ("call", "env.HOME").
struct Part {
    bool reference = false;
    std::string text;
    bool operator==(const Part&) const = default;
};

// A string with references, e.g. a word of a command line or an env value.
struct Template {
    std::vector<Part> parts;

    bool has_references() const;
    std::vector<std::string> references() const;  // names, in order, repeats kept
    bool operator==(const Template&) const = default;
};

// A name may be a var, a save, or `env.` + an environment variable name:
// [A-Za-z_][A-Za-z0-9_]* each.
bool valid_name(std::string_view name);
inline constexpr std::string_view env_prefix = "env.";

// `${name}` references and `$$` in `text`, nothing else special. Errors
// (ExitCode::bad_input) name the column: "unterminated ${ at column 5".
Result<Template> parse_template(std::string_view text);

// A command line as sh(1) would split it into words (see above). An empty
// quoted word ("" or '') is kept as an empty argument.
Result<std::vector<Template>> split_words(std::string_view text);

// Looks a name up; nullopt when it is not defined.
using Lookup = std::function<std::optional<std::string>(std::string_view name)>;

// The text with every reference replaced. An undefined name is an error
// (flows check their names before running, so this is a bug guard).
Result<std::string> expand(const Template& text, const Lookup& lookup);

}  // namespace callctl::flow
