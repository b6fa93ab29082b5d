#include <doctest/doctest.h>

#include <map>
#include <string>

#include "callctl/flow/flow.hpp"

using namespace callctl::flow;
using callctl::ExitCode;

namespace {

FlowInputs inputs(std::map<std::string, std::string> overrides = {}) {
    FlowInputs in;
    in.overrides = std::move(overrides);
    in.environment = callctl::config::environment_from({{"HOME", "/home/ci"}, {"SANDBOX", "http://127.0.0.1:1"}});
    return in;
}

Flow parsed(const std::string& text, std::map<std::string, std::string> overrides = {}) {
    auto flow = parse_flow(text, "flow.yaml", inputs(std::move(overrides)));
    REQUIRE_MESSAGE(flow.has_value(), flow.error().message);
    return std::move(*flow);
}

std::string error_of(const std::string& text) {
    auto flow = parse_flow(text, "flow.yaml", inputs());
    REQUIRE_FALSE(flow.has_value());
    CHECK(flow.error().code == ExitCode::bad_input);
    return flow.error().message;
}

std::string expand_word(const Template& word, const std::map<std::string, std::string>& values) {
    auto text = expand(word, [&](std::string_view name) -> std::optional<std::string> {
        auto it = values.find(std::string(name));
        if (it == values.end()) return std::nullopt;
        return it->second;
    });
    REQUIRE(text.has_value());
    return *text;
}

}  // namespace

TEST_CASE("flow: the example of callctl(1) parses") {
    const Flow flow = parsed(R"(name: smoke
vars: {title: Smoke test}
steps:
  - name: create
    run: create-call --title "${title}" --invite alice:8 --invite bob:9
    save: {call: .callId}
  - name: started
    run: call-log ${call} --wait-for started --wait-timeout 30
    expect: {exit: 0, jq: '.callStatus == "Started"'}
    timeout: 40
)");
    CHECK(flow.name == "smoke");
    CHECK(flow.vars.at("title") == "Smoke test");
    REQUIRE(flow.steps.size() == 2);
    const Step& create = flow.steps[0];
    CHECK(create.name == "create");
    CHECK(create.line == 4);
    REQUIRE(create.argv.size() == 7);
    CHECK(expand_word(create.argv[2], {{"title", "Smoke test"}}) == "Smoke test");
    REQUIRE(create.saves.size() == 1);
    CHECK(create.saves[0].name == "call");
    CHECK(create.saves[0].expression.compiled.has_value());
    CHECK(create.timeout == std::chrono::seconds(60));  // the default
    const Step& started = flow.steps[1];
    CHECK(started.timeout == std::chrono::seconds(40));
    REQUIRE(started.expect.jq.size() == 1);
    CHECK(started.expect.jq[0].source == R"(.callStatus == "Started")");
    CHECK(started.expect.jq[0].line == 9);
    CHECK(started.attempts == 1);
}

TEST_CASE("flow: a JSON file is a flow too") {
    const Flow flow = parsed("{\n\t\"name\": \"j\",\n\t\"steps\": [\n\t\t{\"run\": [\"call-log\", \"${id}\"], \"retry\": {\"times\": 3, \"interval\": 0.5}}\n\t]\n}\n",
                             {{"id", "c-9"}});
    REQUIRE(flow.steps.size() == 1);
    CHECK(flow.steps[0].name == "call-log ${id}");  // no name: the run as written
    CHECK(expand_word(flow.steps[0].argv[1], {{"id", "c-9"}}) == "c-9");
    CHECK(flow.steps[0].attempts == 3);
    CHECK(flow.steps[0].retry_interval == std::chrono::milliseconds(500));
}

TEST_CASE("flow: defaults, a leading callctl, lists, env and stdin") {
    const Flow flow = parsed(R"(steps:
  - run: callctl token config
    env: {CALLCTL_OUTPUT: json, BASE: "${env.SANDBOX}"}
    stdin: "${env.HOME}"
    expect:
      exit: 6
      jq: [.a, .b]
      stdout_contains: x
      stderr_contains: [y, z]
)");
    CHECK(flow.name == "flow");  // from flow.yaml
    const Step& step = flow.steps[0];
    REQUIRE(step.argv.size() == 2);  // "callctl" dropped
    CHECK(expand_word(step.argv[0], {}) == "token");
    REQUIRE(step.env.size() == 2);
    CHECK(step.env[1].first == "BASE");
    CHECK(step.stdin_text.has_value());
    CHECK(step.expect.exit == 6);
    CHECK(step.expect.jq.size() == 2);
    CHECK(step.expect.jq[1].line == 7);
    CHECK(step.expect.stdout_contains.size() == 1);
    CHECK(step.expect.stderr_contains.size() == 2);
}

TEST_CASE("flow: --var overrides vars and defines new names") {
    const Flow flow = parsed("vars: {a: 1}\nsteps:\n  - run: x ${a} ${b}\n", {{"a", "2"}, {"b", "3"}});
    CHECK(flow.vars.at("a") == "2");
    CHECK(flow.vars.at("b") == "3");
}

TEST_CASE("flow: saves are names for the later steps only") {
    CHECK(parsed("steps:\n  - run: a\n    save: {id: .id}\n  - run: b ${id}\n").steps.size() == 2);
    CHECK(error_of("steps:\n  - run: a ${id}\n    save: {id: .id}\n") ==
          "flow.yaml:2: step 1: run: unknown name ${id} (not a var, a --var, or a save of an earlier step)");
    CHECK(error_of("steps:\n  - run: b ${id}\n  - run: a\n    save: {id: .id}\n") ==
          "flow.yaml:2: step 1: run: unknown name ${id} (not a var, a --var, or a save of an earlier step)");
    // A jq expression with a ${name} waits for its step to compile.
    const Flow later = parsed("steps:\n  - run: a\n    save: {id: .id}\n  - run: b\n    expect: {jq: '.id == \"${id}\"'}\n");
    CHECK_FALSE(later.steps[1].expect.jq[0].compiled.has_value());
}

TEST_CASE("flow: every malformed file is one error with its line") {
    struct Case {
        const char* text;
        const char* message;
    };
    const Case cases[] = {
        {"steps: [\n  {run: a}\n", "flow.yaml:3: not valid YAML: end of sequence flow not found (column 1)"},
        {"name: x\n  bad: indent\n", "flow.yaml:2: not valid YAML: illegal map value (column 6)"},
        {"", "flow.yaml: the flow is empty: it needs `steps`"},
        {"# only a comment\n", "flow.yaml: the flow is empty: it needs `steps`"},
        {"- run: a\n", "flow.yaml:1: a flow is a map with `steps` (and optionally name, vars, env)"},
        {"steps:\n  - run: a\n---\nsteps: []\n", "flow.yaml:4: a flow file holds one YAML document, not several"},
        {"name: x\nstep:\n  - run: a\n", "flow.yaml:2: unknown key 'step' (known: name, vars, env and steps)"},
        {"name: x\n", "flow.yaml:1: `steps` is missing: a flow runs a list of steps"},
        {"steps: []\n", "flow.yaml:1: steps must be a list of steps, at least one"},
        {"steps: {run: a}\n", "flow.yaml:1: steps must be a list of steps, at least one"},
        {"name: [a]\nsteps:\n  - run: a\n", "flow.yaml:1: name must be a string"},
        {"vars: [a]\nsteps:\n  - run: a\n", "flow.yaml:1: vars must be a map of name: value"},
        {"vars:\n  a-b: 1\nsteps:\n  - run: a\n", "flow.yaml:2: vars: 'a-b' is not a name (letters, digits and _)"},
        {"vars:\n  a: {x: 1}\nsteps:\n  - run: a\n", "flow.yaml:2: vars.a must be a string"},
        {"steps:\n  - a\n", "flow.yaml:2: step 1 must be a map with at least `run`"},
        {"steps:\n  - name: one\n    expect: {exit: 0}\n", "flow.yaml:2: step 'one': `run` is missing (the callctl command line to run)"},
        {"steps:\n  - name: one\n    run: a\n    expcet: {exit: 0}\n",
         "flow.yaml:4: step 'one': unknown key 'expcet' (known: name, run, env, stdin, expect, save, timeout and retry)"},
        {"steps:\n  - run: a\n    run: b\n", "flow.yaml:3: step 1: 'run' is given twice"},
        {"steps:\n  - run: {a: b}\n", "flow.yaml:2: step 1: run must be a command line (a string) or a list of arguments"},
        {"steps:\n  - run: ''\n", "flow.yaml:2: step 1: run is empty: give a callctl command, e.g. run: token config"},
        {"steps:\n  - run: callctl\n", "flow.yaml:2: step 1: run is empty: give a callctl command, e.g. run: token config"},
        {"steps:\n  - run: [a, [b]]\n", "flow.yaml:2: step 1: run: each argument must be a string"},
        {"steps:\n  - name: q\n    run: x \"open\n", "flow.yaml:3: step 'q': run: unterminated double quote at column 3"},
        {"steps:\n  - name: q\n    run: a | b\n",
         "flow.yaml:3: step 'q': run: '|' is a shell operator, and a step runs one callctl command (quote it to pass it as text) at column 3"},
        {"steps:\n  - name: q\n    run: a ${nope}\n",
         "flow.yaml:3: step 'q': run: unknown name ${nope} (not a var, a --var, or a save of an earlier step)"},
        {"steps:\n  - name: q\n    run: a ${env.NOT_SET_ANYWHERE}\n",
         "flow.yaml:3: step 'q': run: ${env.NOT_SET_ANYWHERE}: NOT_SET_ANYWHERE is not set in the environment"},
        {"steps:\n  - name: q\n    run: a\n    env: [A]\n", "flow.yaml:4: step 'q': env must be a map of NAME: value"},
        {"steps:\n  - name: q\n    run: a\n    env:\n      1A: x\n", "flow.yaml:5: step 'q': env: '1A' is not an environment variable name"},
        {"steps:\n  - name: q\n    run: a\n    env:\n      A: ${x}\n",
         "flow.yaml:5: step 'q': env.A: unknown name ${x} (not a var, a --var, or a save of an earlier step)"},
        {"env:\n  A: ${nope}\nsteps:\n  - run: a\n", "flow.yaml:2: env.A: unknown name ${nope} (not a var, a --var, or a save of an earlier step)"},
        {"steps:\n  - name: q\n    run: a\n    stdin: [x]\n", "flow.yaml:4: step 'q': stdin must be a string"},
        {"steps:\n  - name: q\n    run: a\n    expect: 0\n",
         "flow.yaml:4: step 'q': expect must be a map (exit, jq, stdout_contains, stderr_contains)"},
        {"steps:\n  - name: q\n    run: a\n    expect: {exits: 0}\n",
         "flow.yaml:4: step 'q': expect: unknown key 'exits' (known: exit, jq, stdout_contains and stderr_contains)"},
        {"steps:\n  - name: q\n    run: a\n    expect:\n      exit: zero\n", "flow.yaml:5: step 'q': expect.exit must be a number from 0 to 255"},
        {"steps:\n  - name: q\n    run: a\n    expect:\n      exit: 256\n", "flow.yaml:5: step 'q': expect.exit must be a number from 0 to 255"},
        {"steps:\n  - name: q\n    run: a\n    expect:\n      exit: \"0\"\n", "flow.yaml:5: step 'q': expect.exit must be a number from 0 to 255"},
        {"steps:\n  - name: q\n    run: a\n    expect:\n      exit: 1.5\n", "flow.yaml:5: step 'q': expect.exit must be a whole number from 0 to 255"},
        {"steps:\n  - name: q\n    run: a\n    expect:\n      jq: {a: b}\n", "flow.yaml:5: step 'q': expect.jq must be a string or a list of strings"},
        {"steps:\n  - name: q\n    run: a\n    expect:\n      jq: []\n", "flow.yaml:5: step 'q': expect.jq must be a string or a list of strings"},
        {"steps:\n  - name: q\n    run: a\n    expect:\n      jq:\n        - .ok\n        - .[\n",
         "flow.yaml:7: step 'q': expect.jq: syntax error, unexpected $end (Unix shell quoting issues?) at <top-level>, line 1: .["},
        {"steps:\n  - name: q\n    run: a\n    expect:\n      stdout_contains: [[x]]\n",
         "flow.yaml:5: step 'q': expect.stdout_contains must be a string or a list of strings"},
        {"steps:\n  - name: q\n    run: a\n    save: .id\n", "flow.yaml:4: step 'q': save must be a map of name: jq expression"},
        {"steps:\n  - name: q\n    run: a\n    save:\n      env.X: .id\n", "flow.yaml:5: step 'q': save: 'env.X' is not a name (letters, digits and _)"},
        {"vars: {id: 1}\nsteps:\n  - name: q\n    run: a\n    save:\n      id: .id\n", "flow.yaml:6: step 'q': save: 'id' is already a var"},
        {"steps:\n  - name: q\n    run: a\n    save:\n      id: nosuch(1)\n",
         "flow.yaml:5: step 'q': save.id: nosuch/1 is not defined at <top-level>, line 1: nosuch(1)"},
        {"steps:\n  - name: q\n    run: a\n    timeout: soon\n", "flow.yaml:4: step 'q': timeout (seconds) must be a number from 0.001 to 86400"},
        {"steps:\n  - name: q\n    run: a\n    timeout: 0\n", "flow.yaml:4: step 'q': timeout (seconds) must be a number from 0.001 to 86400"},
        {"steps:\n  - name: q\n    run: a\n    timeout: -5\n", "flow.yaml:4: step 'q': timeout (seconds) must be a number from 0.001 to 86400"},
        {"steps:\n  - name: q\n    run: a\n    retry: 3\n", "flow.yaml:4: step 'q': retry must be a map (times, interval)"},
        {"steps:\n  - name: q\n    run: a\n    retry: {time: 3}\n",
         "flow.yaml:4: step 'q': retry: unknown key 'time' (known: times and interval)"},
        {"steps:\n  - name: q\n    run: a\n    retry: {times: 0}\n", "flow.yaml:4: step 'q': retry.times must be a number from 1 to 1000"},
        {"steps:\n  - name: q\n    run: a\n    retry: {times: 2, interval: x}\n",
         "flow.yaml:4: step 'q': retry.interval (seconds) must be a number from 0 to 3600"},
        {"steps:\n  - name: q\n    run: a\n    retry: {times: 2, interval: 0.0004}\n",
         "flow.yaml:4: step 'q': retry.interval (seconds) must be 0 (at once) or at least 0.001 (1 ms)"},
        {"steps:\n  - name: q\n    run: a\n    name: r\n", "flow.yaml:4: step 'q': 'name' is given twice"},
        {"x: &a [1]\ny: *b\n", "flow.yaml:2: not valid YAML: the referenced anchor is not defined (column 4)"},
    };
    for (const auto& c : cases) {
        const std::string text = c.text;
        CAPTURE(text);
        CHECK(error_of(text) == std::string(c.message));
    }
}

TEST_CASE("flow: hostile files are errors, not crashes") {
    CHECK(error_of("steps: " + std::string(100000, '[') + std::string(100000, ']') + "\n") ==
          "flow.yaml:1: nested too deeply for a flow file");
    auto odd = parse_flow("steps:\n  - run: \"\\xff\\x00\"\n", "flow.yaml", inputs());
    CHECK((odd.has_value() || odd.error().code == ExitCode::bad_input));
    const Flow binary = parsed("steps:\n  - run: \"a\\u0001b\"\n");
    CHECK(binary.steps.size() == 1);
}

TEST_CASE("flow: --var NAME=VALUE") {
    auto ok = parse_var_assignment("title=a=b");
    REQUIRE(ok.has_value());
    CHECK(ok->first == "title");
    CHECK(ok->second == "a=b");
    auto empty = parse_var_assignment("x=");
    REQUIRE(empty.has_value());
    CHECK(empty->second.empty());
    for (const char* bad : {"novalue", "=x", "a-b=1", "env.X=1"}) {
        auto parsed_var = parse_var_assignment(bad);
        REQUIRE_FALSE(parsed_var.has_value());
        CHECK(parsed_var.error().code == ExitCode::usage);
    }
}
