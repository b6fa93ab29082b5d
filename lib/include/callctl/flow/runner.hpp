// Running a parsed flow: each step as its own callctl process, in order,
// with its expectations checked and its saves taken; after a failed step the
// rest are skipped. The results are data; the CLI renders them (a line per
// step, JSON, JUnit XML).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/flow/flow.hpp"
#include "callctl/flow/process.hpp"

namespace callctl::flow {

struct StepResult {
    std::string name;
    bool ok = false;
    bool skipped = false;
    std::optional<int> exit;  // of the last attempt; none when skipped
    double time_s = 0;        // all attempts, the pauses between them included
    int attempts = 0;
    std::string message;      // what failed (the expectation, the timeout), empty when ok
    std::string stderr_text;  // the last attempt's stderr
};

struct FlowReport {
    std::vector<StepResult> steps;
    int stopped_by = 0;  // SIGINT/SIGTERM that stopped the run, or 0
    double time_s = 0;

    std::size_t failures() const;
    std::size_t skipped() const;
    bool ok() const { return failures() == 0 && stopped_by == 0; }
    const StepResult* first_failure() const;
};

struct RunSettings {
    std::string program = "/proc/self/exe";      // every step runs the same binary
    std::vector<std::string> environment;         // the steps' base environment ("NAME=value")
    StopCheck stop_signal;                        // 0, or the signal to pass on and stop at
    std::function<void(const StepResult&)> on_step;  // each result as soon as it is known
    std::function<void(std::string_view)> verbose;
    std::chrono::milliseconds kill_grace{3000};
};

FlowReport run_flow(Flow& flow, const RunSettings& settings);

// {"name","ok","skipped","exit","time_s","attempts","message","stderr"}
nlohmann::ordered_json step_json(const StepResult& step);

// The JUnit XML of a run: one <testsuite> named after the flow, one
// <testcase> per step with <failure> or <skipped/>.
std::string render_junit(const std::string& suite_name, const FlowReport& report);

// Text made safe for XML 1.0: markup characters as entities, control
// characters (which XML cannot carry at all) as visible \u00XX, invalid
// UTF-8 as U+FFFD; in an attribute, newlines and tabs as character references.
std::string xml_escape(std::string_view text, bool attribute);

}  // namespace callctl::flow
