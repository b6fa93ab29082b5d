// `callctl run FLOW`: a flow file (YAML, or JSON) parsed and checked before
// any step runs (callctl(1), FLOW FILES). Every mistake in the file (YAML
// syntax, an unknown key, a missing `run`, a wrong type, a `${name}` nothing
// defines, a jq expression that does not compile) is one ExitCode::bad_input
// error that begins "FILE:LINE: ".
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "callctl/config/settings.hpp"
#include "callctl/error.hpp"
#include "callctl/flow/words.hpp"
#include "callctl/output/jq.hpp"

namespace callctl::flow {

// A jq expression from the file. Compiled while parsing unless it holds a
// `${name}`: then it is compiled after expansion, when its step runs.
struct JqExpression {
    std::string source;  // as written
    Template text;
    std::optional<output::JqFilter> compiled;
    int line = 0;
};

struct Expectation {
    int exit = 0;
    std::vector<JqExpression> jq;  // each: at least one output, none false or null (jq -e)
    std::vector<Template> stdout_contains;
    std::vector<Template> stderr_contains;
};

struct Save {
    std::string name;
    JqExpression expression;
};

struct Step {
    std::string name;
    int line = 0;
    std::string run_source;      // the `run` as written, for -v and messages (never expanded: no secrets)
    std::vector<Template> argv;  // without a leading "callctl"
    std::vector<std::pair<std::string, Template>> env;
    std::optional<Template> stdin_text;
    Expectation expect;
    std::vector<Save> saves;
    std::chrono::milliseconds timeout{60000};
    int attempts = 1;  // retry.times: tries in all
    std::chrono::milliseconds retry_interval{1000};
};

struct Flow {
    std::string name;  // `name`, else the file name without its extension
    std::string path;  // as given, for messages
    std::map<std::string, std::string> vars;  // `vars`, then --var on top
    std::vector<std::pair<std::string, Template>> env;  // flow-wide `env`, under each step's own
    std::vector<Step> steps;
};

struct FlowInputs {
    std::map<std::string, std::string> overrides;  // --var NAME=VALUE
    config::Environment environment;               // for ${env.X}, checked while parsing
};

// Parses `text` (the content of `path`) and checks every name and expression.
Result<Flow> parse_flow(std::string_view text, const std::string& path, const FlowInputs& inputs);

// "NAME=VALUE" from --var; a bad NAME is ExitCode::usage.
Result<std::pair<std::string, std::string>> parse_var_assignment(std::string_view text);

}  // namespace callctl::flow
