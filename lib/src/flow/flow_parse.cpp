// Flow files: YAML (yaml-cpp 0.7; JSON is YAML too) into a checked Flow.
//
// Maps are walked with range-for and each key and value copied into a Node
// (a handle): `it->second` through yaml-cpp's iterator is a proxy that dies
// at the end of its expression, so a reference to it dangles.
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include "callctl/flow/flow.hpp"

namespace callctl::flow {

namespace {

using YAML::Node;

constexpr const char* top_keys[] = {"name", "vars", "env", "steps"};
constexpr const char* step_keys[] = {"name", "run", "env", "stdin", "expect", "save", "timeout", "retry"};
constexpr const char* expect_keys[] = {"exit", "jq", "stdout_contains", "stderr_contains"};
constexpr const char* retry_keys[] = {"times", "interval"};

int line_of(const Node& node) { return node.Mark().line >= 0 ? node.Mark().line + 1 : 0; }

template <std::size_t N>
std::string list(const char* const (&names)[N]) {
    std::string out;
    for (std::size_t i = 0; i < N; ++i) out += fmt::format("{}{}", i == 0 ? "" : (i + 1 == N ? " and " : ", "), names[i]);
    return out;
}

template <std::size_t N>
bool known(const char* const (&names)[N], std::string_view key) {
    for (const char* name : names) {
        if (key == name) return true;
    }
    return false;
}

bool env_name(std::string_view name) { return valid_name(name) && name.substr(0, env_prefix.size()) != env_prefix; }

std::string stem_of(const std::string& path) {
    std::string name = path.substr(path.find_last_of('/') + 1);
    if (const auto dot = name.find_last_of('.'); dot != std::string::npos && dot > 0) name.resize(dot);
    return name.empty() ? "flow" : name;
}

class Parser {
public:
    Parser(const std::string& path, const FlowInputs& inputs) : path_(path), inputs_(inputs) {}

    Result<Flow> parse(std::string_view text);

private:
    Error fail(int line, const std::string& message) const {
        return make_error(ExitCode::bad_input, line > 0 ? fmt::format("{}:{}: {}", path_, line, message)
                                                        : fmt::format("{}: {}", path_, message));
    }

    // Keys once each, all of them known.
    template <std::size_t N>
    Status check_keys(const Node& map, const char* const (&names)[N], const std::string& where) const {
        std::set<std::string> seen;
        for (const auto& entry : map) {
            const Node key_node = entry.first;
            if (!key_node.IsScalar()) return fail(line_of(key_node), where + "a key must be a plain name");
            const std::string key = key_node.Scalar();
            if (!known(names, key)) {
                return fail(line_of(key_node), fmt::format("{}unknown key '{}' (known: {})", where, key, list(names)));
            }
            if (!seen.insert(key).second) return fail(line_of(key_node), fmt::format("{}'{}' is given twice", where, key));
        }
        return {};
    }

    Result<std::string> scalar(const Node& value, int line, const std::string& what) const {
        if (!value.IsScalar()) return fail(line, what + " must be a string");
        return value.Scalar();
    }

    // One string or a list of them.
    Result<std::vector<std::pair<std::string, int>>> strings(const Node& value, int line, const std::string& what) const {
        std::vector<std::pair<std::string, int>> out;
        if (value.IsScalar()) {
            out.emplace_back(value.Scalar(), line_of(value));
            return out;
        }
        if (!value.IsSequence() || value.size() == 0) return fail(line, what + " must be a string or a list of strings");
        for (const auto& item : value) {
            if (!item.IsScalar()) return fail(line_of(item), what + " must be a string or a list of strings");
            out.emplace_back(item.Scalar(), line_of(item));
        }
        return out;
    }

    Result<double> number(const Node& value, int line, const std::string& what, double low, double high) const {
        const std::string range = fmt::format("{} must be a number from {} to {}", what, low, high);
        if (!value.IsScalar() || value.Tag() != "?") return fail(line, range);
        const std::string& text = value.Scalar();
        double parsed = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
        if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(parsed) || parsed < low || parsed > high) {
            return fail(line, range);
        }
        return parsed;
    }

    Result<int> integer(const Node& value, int line, const std::string& what, int low, int high) const {
        auto parsed = number(value, line, what, low, high);
        if (!parsed) return parsed.error();
        if (*parsed != std::floor(*parsed)) return fail(line, fmt::format("{} must be a whole number from {} to {}", what, low, high));
        return static_cast<int>(*parsed);
    }

    // A template whose every name is defined by now.
    Result<Template> checked_template(const std::string& text, int line, const std::string& what) const {
        auto parsed = parse_template(text);
        if (!parsed) return fail(line, fmt::format("{}: {}", what, parsed.error().message));
        if (auto names = check_names(*parsed, line, what); !names) return names.error();
        return parsed;
    }

    Status check_names(const Template& text, int line, const std::string& what) const {
        for (const auto& name : text.references()) {
            if (name.substr(0, env_prefix.size()) == env_prefix) {
                const std::string variable = name.substr(env_prefix.size());
                if (!inputs_.environment || !inputs_.environment(variable)) {
                    return fail(line, fmt::format("{}: ${{{}}}: {} is not set in the environment", what, name, variable));
                }
            } else if (defined_.count(name) == 0) {
                Error error = fail(line, fmt::format("{}: unknown name ${{{}}} (not a var, a --var, or a save of an earlier step)", what, name));
                error.hint = fmt::format("give it a value with --var {}=VALUE, or define it under vars", name);
                return error;
            }
        }
        return {};
    }

    Result<JqExpression> jq_expression(const std::string& source, int line, const std::string& what) const {
        JqExpression expression;
        expression.source = source;
        expression.line = line;
        auto text = checked_template(source, line, what);
        if (!text) return text.error();
        expression.text = std::move(*text);
        if (!expression.text.has_references()) {
            auto compiled = output::JqFilter::compile(source);
            if (!compiled) return fail(line, fmt::format("{}: {}", what, compiled.error().message));
            expression.compiled = std::move(*compiled);
        }
        return expression;
    }

    Result<std::vector<std::pair<std::string, Template>>> env_map(const Node& value, int line, const std::string& what) const {
        if (!value.IsMap()) return fail(line, what + " must be a map of NAME: value");
        std::vector<std::pair<std::string, Template>> env;
        std::set<std::string> seen;
        for (const auto& entry : value) {
            const Node key_node = entry.first, value_node = entry.second;
            const int key_line = line_of(key_node);
            const std::string name = key_node.IsScalar() ? key_node.Scalar() : std::string();
            if (!env_name(name)) return fail(key_line, fmt::format("{}: '{}' is not an environment variable name", what, name));
            if (!seen.insert(name).second) return fail(key_line, fmt::format("{}: '{}' is given twice", what, name));
            auto text = scalar(value_node, key_line, fmt::format("{}.{}", what, name));
            if (!text) return text.error();
            auto parsed = checked_template(*text, key_line, fmt::format("{}.{}", what, name));
            if (!parsed) return parsed.error();
            env.emplace_back(name, std::move(*parsed));
        }
        return env;
    }

    Status parse_vars(const Node& value, int line, Flow& flow);
    Result<Step> parse_step(const Node& node, std::size_t index);
    Status parse_run(const Node& value, int line, const std::string& where, Step& step) const;
    Status parse_expect(const Node& value, int line, const std::string& where, Step& step) const;
    Status parse_saves(const Node& value, int line, const std::string& where, Step& step, std::set<std::string>& saved) const;

    const std::string& path_;
    const FlowInputs& inputs_;
    std::set<std::string> defined_;  // vars, --vars, and the saves of the steps parsed so far
    std::set<std::string> var_names_;
};

Status Parser::parse_vars(const Node& value, int line, Flow& flow) {
    if (!value.IsMap()) return fail(line, "vars must be a map of name: value");
    for (const auto& entry : value) {
        const Node key_node = entry.first, value_node = entry.second;
        const int key_line = line_of(key_node);
        const std::string name = key_node.IsScalar() ? key_node.Scalar() : std::string();
        if (!env_name(name)) return fail(key_line, fmt::format("vars: '{}' is not a name (letters, digits and _)", name));
        if (flow.vars.count(name) != 0) return fail(key_line, fmt::format("vars: '{}' is given twice", name));
        auto text = scalar(value_node, key_line, "vars." + name);
        if (!text) return text.error();
        flow.vars[name] = *text;  // taken as written: a var holds no ${name} of its own
    }
    return {};
}

Status Parser::parse_run(const Node& value, int line, const std::string& where, Step& step) const {
    if (value.IsScalar()) {
        step.run_source = value.Scalar();
        auto words = split_words(value.Scalar());
        if (!words) return fail(line, fmt::format("{}run: {}", where, words.error().message));
        step.argv = std::move(*words);
    } else if (value.IsSequence()) {
        for (const auto& item : value) {
            if (!item.IsScalar()) return fail(line_of(item), where + "run: each argument must be a string");
            auto word = parse_template(item.Scalar());
            if (!word) return fail(line_of(item), fmt::format("{}run: {}", where, word.error().message));
            step.run_source += (step.run_source.empty() ? "" : " ") + item.Scalar();
            step.argv.push_back(std::move(*word));
        }
    } else {
        return fail(line, where + "run must be a command line (a string) or a list of arguments");
    }
    // A leading `callctl` is what a user would type; the step runs callctl anyway.
    if (!step.argv.empty() && step.argv.front() == Template{{{false, "callctl"}}}) step.argv.erase(step.argv.begin());
    if (step.argv.empty()) return fail(line, where + "run is empty: give a callctl command, e.g. run: token config");
    for (const auto& word : step.argv) {
        if (auto names = check_names(word, line, where + "run"); !names) return names;
    }
    return {};
}

Status Parser::parse_expect(const Node& value, int line, const std::string& where, Step& step) const {
    if (!value.IsMap()) return fail(line, where + "expect must be a map (exit, jq, stdout_contains, stderr_contains)");
    if (auto keys = check_keys(value, expect_keys, where + "expect: "); !keys) return keys;
    for (const auto& entry : value) {
        const Node key_node = entry.first, value_node = entry.second;
        const std::string key = key_node.Scalar();
        const int key_line = line_of(key_node);
        if (key == "exit") {
            auto code = integer(value_node, key_line, where + "expect.exit", 0, 255);
            if (!code) return code.error();
            step.expect.exit = *code;
        } else if (key == "jq") {
            auto sources = strings(value_node, key_line, where + "expect.jq");
            if (!sources) return sources.error();
            for (const auto& [source, source_line] : *sources) {
                auto expression = jq_expression(source, source_line, where + "expect.jq");
                if (!expression) return expression.error();
                step.expect.jq.push_back(std::move(*expression));
            }
        } else {
            auto texts = strings(value_node, key_line, where + "expect." + key);
            if (!texts) return texts.error();
            auto& into = key == "stdout_contains" ? step.expect.stdout_contains : step.expect.stderr_contains;
            for (const auto& [text, text_line] : *texts) {
                auto parsed = checked_template(text, text_line, where + "expect." + key);
                if (!parsed) return parsed.error();
                into.push_back(std::move(*parsed));
            }
        }
    }
    return {};
}

Status Parser::parse_saves(const Node& value, int line, const std::string& where, Step& step, std::set<std::string>& saved) const {
    if (!value.IsMap()) return fail(line, where + "save must be a map of name: jq expression");
    for (const auto& entry : value) {
        const Node key_node = entry.first, value_node = entry.second;
        const int key_line = line_of(key_node);
        const std::string name = key_node.IsScalar() ? key_node.Scalar() : std::string();
        if (!env_name(name)) return fail(key_line, fmt::format("{}save: '{}' is not a name (letters, digits and _)", where, name));
        if (var_names_.count(name) != 0) return fail(key_line, fmt::format("{}save: '{}' is already a var", where, name));
        if (!saved.insert(name).second) return fail(key_line, fmt::format("{}save: '{}' is given twice", where, name));
        auto source = scalar(value_node, key_line, fmt::format("{}save.{}", where, name));
        if (!source) return source.error();
        auto expression = jq_expression(*source, key_line, fmt::format("{}save.{}", where, name));
        if (!expression) return expression.error();
        step.saves.push_back(Save{name, std::move(*expression)});
    }
    return {};
}

Result<Step> Parser::parse_step(const Node& node, std::size_t index) {
    Step step;
    step.line = line_of(node);
    if (!node.IsMap()) return fail(step.line, fmt::format("step {} must be a map with at least `run`", index + 1));
    if (const Node name = node["name"]; name) {
        auto text = scalar(name, step.line, fmt::format("step {}: name", index + 1));
        if (!text) return text.error();
        step.name = *text;
    }
    const std::string where = step.name.empty() ? fmt::format("step {}: ", index + 1) : fmt::format("step '{}': ", step.name);
    if (auto keys = check_keys(node, step_keys, where); !keys) return keys.error();
    if (!node["run"]) return fail(step.line, where + "`run` is missing (the callctl command line to run)");

    std::set<std::string> saved;
    for (const auto& entry : node) {
        const Node key_node = entry.first, value_node = entry.second;
        const std::string key = key_node.Scalar();
        const int line = line_of(key_node);
        const Node& value = value_node;
        Status status;
        if (key == "run") {
            status = parse_run(value, line, where, step);
        } else if (key == "env") {
            auto env = env_map(value, line, where + "env");
            if (env) step.env = std::move(*env);
            else status = env.error();
        } else if (key == "stdin") {
            auto text = scalar(value, line, where + "stdin");
            if (!text) return text.error();
            auto parsed = checked_template(*text, line, where + "stdin");
            if (parsed) step.stdin_text = std::move(*parsed);
            else status = parsed.error();
        } else if (key == "expect") {
            status = parse_expect(value, line, where, step);
        } else if (key == "save") {
            status = parse_saves(value, line, where, step, saved);
        } else if (key == "timeout") {
            auto seconds = number(value, line, where + "timeout (seconds)", 0.001, 86400);
            if (seconds) step.timeout = std::chrono::milliseconds(std::llround(*seconds * 1000));
            else status = seconds.error();
        } else if (key == "retry") {
            if (!value.IsMap()) return fail(line, where + "retry must be a map (times, interval)");
            status = check_keys(value, retry_keys, where + "retry: ");
            if (status && value["times"]) {
                auto times = integer(value["times"], line, where + "retry.times", 1, 1000);
                if (times) step.attempts = *times;
                else status = times.error();
            }
            if (status && value["interval"]) {
                auto seconds = number(value["interval"], line, where + "retry.interval (seconds)", 0, 3600);
                if (!seconds) {
                    status = seconds.error();
                } else if (*seconds > 0 && *seconds < 0.001) {
                    // 0.0004 would round to 0 (retry at once): below the clock's
                    // millisecond it is refused, as the command line's durations are.
                    status = fail(line,
                                  where + "retry.interval (seconds) must be 0 (at once) or at least 0.001 (1 ms)");
                } else {
                    step.retry_interval = std::chrono::milliseconds(std::llround(*seconds * 1000));
                }
            }
        }
        if (!status) return status.error();
    }
    if (step.name.empty()) step.name = step.run_source;
    // What this step saves is there for the steps after it, not for itself.
    defined_.insert(saved.begin(), saved.end());
    return step;
}

Result<Flow> Parser::parse(std::string_view text) {
    std::vector<Node> documents;
    try {
        documents = YAML::LoadAll(std::string(text));
    } catch (const YAML::DeepRecursion& e) {
        return fail(e.mark.line + 1, "nested too deeply for a flow file");
    } catch (const YAML::Exception& e) {
        return fail(e.mark.line + 1, fmt::format("not valid YAML: {} (column {})", e.msg, e.mark.column + 1));
    }
    if (documents.empty() || documents.front().IsNull()) return fail(0, "the flow is empty: it needs `steps`");
    if (documents.size() > 1) return fail(line_of(documents[1]), "a flow file holds one YAML document, not several");
    const Node& root = documents.front();
    if (!root.IsMap()) return fail(line_of(root), "a flow is a map with `steps` (and optionally name, vars, env)");
    if (auto keys = check_keys(root, top_keys, ""); !keys) return keys.error();

    Flow flow;
    flow.path = path_;
    flow.name = stem_of(path_);
    if (const Node name = root["name"]; name) {
        auto value = scalar(name, line_of(name), "name");
        if (!value) return value.error();
        flow.name = *value;
    }
    if (const Node vars = root["vars"]; vars) {
        if (auto parsed = parse_vars(vars, line_of(vars), flow); !parsed) return parsed.error();
    }
    for (const auto& [name, value] : inputs_.overrides) flow.vars[name] = value;
    for (const auto& [name, value] : flow.vars) {
        defined_.insert(name);
        var_names_.insert(name);
    }
    if (const Node env = root["env"]; env) {
        auto parsed = env_map(env, line_of(env), "env");
        if (!parsed) return parsed.error();
        flow.env = std::move(*parsed);
    }

    const Node steps = root["steps"];
    if (!steps) return fail(line_of(root), "`steps` is missing: a flow runs a list of steps");
    if (!steps.IsSequence() || steps.size() == 0) return fail(line_of(steps), "steps must be a list of steps, at least one");
    for (std::size_t i = 0; i < steps.size(); ++i) {
        auto step = parse_step(steps[i], i);
        if (!step) return step.error();
        flow.steps.push_back(std::move(*step));
    }
    return flow;
}

}  // namespace

Result<Flow> parse_flow(std::string_view text, const std::string& path, const FlowInputs& inputs) {
    return Parser(path, inputs).parse(text);
}

Result<std::pair<std::string, std::string>> parse_var_assignment(std::string_view text) {
    const auto equals = text.find('=');
    const std::string name(text.substr(0, equals));
    if (equals == std::string_view::npos || !env_name(name)) {
        return make_error(ExitCode::usage, fmt::format("--var {}: give NAME=VALUE, NAME of letters, digits and _", text));
    }
    return std::pair{name, std::string(text.substr(equals + 1))};
}

}  // namespace callctl::flow
