#include "callctl/flow/runner.hpp"

#include <signal.h>

#include <cmath>
#include <map>
#include <thread>

#include <fmt/format.h>

namespace callctl::flow {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t max_kept_stderr = std::size_t{64} << 10;
constexpr std::size_t max_quoted_line = 300;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string seconds_text(milliseconds duration) { return fmt::format("{:g} s", static_cast<double>(duration.count()) / 1000.0); }

// A template as written (`${name}` kept): messages never show the values,
// which may be saved secrets.
std::string source_of(const Template& text) {
    std::string out;
    for (const auto& part : text.parts) out += part.reference ? "${" + part.text + "}" : part.text;
    return out;
}

// The line of stderr that says what went wrong: callctl's error line
// (without its "callctl: error: "), else the first line with text.
std::string telling_line(const std::string& err) {
    std::string first;
    std::size_t start = 0;
    while (start < err.size()) {
        std::size_t end = err.find('\n', start);
        if (end == std::string::npos) end = err.size();
        const std::string line = err.substr(start, end - start);
        if (line.rfind("callctl: error: ", 0) == 0) return line.substr(16, max_quoted_line);
        if (first.empty() && line.find_first_not_of(" \t\r") != std::string::npos) first = line.substr(0, max_quoted_line);
        start = end + 1;
    }
    return first;
}

std::string signal_name(int sig) { return sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : fmt::format("signal {}", sig); }

struct Attempt {
    bool ok = false;
    bool stopped = false;
    std::optional<int> exit;
    std::string message;
    std::string stderr_text;
    std::vector<std::pair<std::string, std::string>> saves;
};

class FlowRunner {
public:
    FlowRunner(Flow& flow, const RunSettings& settings) : flow_(flow), settings_(settings), values_(flow.vars) {
        for (const auto& entry : settings.environment) {
            const auto equals = entry.find('=');
            if (equals != std::string::npos) environment_[entry.substr(0, equals)] = entry.substr(equals + 1);
        }
    }

    FlowReport run() {
        FlowReport report;
        const auto start = Clock::now();
        std::optional<std::string> failed;  // the step that failed, once one has
        for (auto& step : flow_.steps) {
            if (report.stopped_by == 0 && settings_.stop_signal) report.stopped_by = settings_.stop_signal();
            StepResult result;
            if (report.stopped_by != 0 || failed) {
                result.name = step.name;
                result.skipped = true;
                result.message = report.stopped_by != 0
                                     ? fmt::format("skipped: the run was stopped by {}", signal_name(report.stopped_by))
                                     : fmt::format("skipped: step '{}' failed", *failed);
            } else {
                result = run_step(step, report);
                if (!result.ok) failed = result.name;
            }
            report.steps.push_back(std::move(result));
            if (settings_.on_step) settings_.on_step(report.steps.back());
        }
        report.time_s = seconds_since(start);
        return report;
    }

private:
    std::optional<std::string> lookup(std::string_view name) const {
        if (name.substr(0, env_prefix.size()) == env_prefix) {
            auto it = environment_.find(std::string(name.substr(env_prefix.size())));
            if (it == environment_.end()) return std::nullopt;
            return it->second;
        }
        auto it = values_.find(std::string(name));
        if (it == values_.end()) return std::nullopt;
        return it->second;
    }

    Result<std::string> expanded(const Template& text) const {
        return expand(text, [this](std::string_view name) { return lookup(name); });
    }

    Result<ProcessSpec> spec_for(const Step& step) const {
        ProcessSpec spec;
        spec.program = settings_.program;
        spec.argv.emplace_back("callctl");
        for (const auto& word : step.argv) {
            auto text = expanded(word);
            if (!text) return text.error();
            spec.argv.push_back(std::move(*text));
        }
        std::map<std::string, std::string> env = environment_;
        // expect.jq and save read a step's output as JSON: a CALLCTL_OUTPUT=table
        // inherited from the caller's shell must not turn it into a table. The
        // flow's or the step's own env (or -o in `run`) still decide.
        env["CALLCTL_OUTPUT"] = "json";
        using EnvList = std::vector<std::pair<std::string, Template>>;
        for (const EnvList* layer : {static_cast<const EnvList*>(&flow_.env), &step.env}) {
            for (const auto& [name, value] : *layer) {
                auto text = expanded(value);
                if (!text) return text.error();
                env[name] = std::move(*text);
            }
        }
        for (const auto& [name, value] : env) spec.environment.push_back(name + "=" + value);
        if (step.stdin_text) {
            auto text = expanded(*step.stdin_text);
            if (!text) return text.error();
            spec.stdin_text = std::move(*text);
        }
        spec.timeout = step.timeout;
        spec.kill_grace = settings_.kill_grace;
        return spec;
    }

    // Runs a jq expression of the file on the step's stdout.
    Result<std::vector<output::JqOutput>> evaluate(JqExpression& expression, const std::string& stdout_text) const {
        if (!expression.compiled) {
            auto source = expanded(expression.text);
            if (!source) return source.error();
            auto compiled = output::JqFilter::compile(*source);
            if (!compiled) return compiled.error();
            return compiled->run_text(stdout_text);
        }
        return expression.compiled->run_text(stdout_text);
    }

    // Checks one finished process against the step's expectations, in the
    // order a reader would: how it ended, its exit code, its text, jq.
    Attempt check(Step& step, const ProcessResult& process) const {
        Attempt attempt;
        attempt.exit = process.exit_code;
        attempt.stderr_text = process.err.substr(0, max_kept_stderr);
        if (process.err.size() > max_kept_stderr || process.err_truncated) attempt.stderr_text += "\n[stderr truncated]";
        auto fail = [&](std::string message) {
            attempt.message = std::move(message);
            return attempt;
        };
        if (process.forwarded_signal != 0) {
            attempt.stopped = true;
            return fail(fmt::format("stopped by {} (passed on to the step)", signal_name(process.forwarded_signal)));
        }
        if (process.timed_out) return fail(fmt::format("timed out after {} (killed)", seconds_text(step.timeout)));
        if (process.exit_code < 0) return fail("its exit status was lost (SIGCHLD is ignored in this process)");
        if (process.exit_code != step.expect.exit) {
            const std::string why = telling_line(process.err);
            return fail(fmt::format("exit {}, expected {}{}", process.exit_code, step.expect.exit, why.empty() ? "" : ": " + why));
        }
        for (const auto& [streams, text, label] : {std::tuple{&step.expect.stdout_contains, &process.out, "stdout"},
                                                  std::tuple{&step.expect.stderr_contains, &process.err, "stderr"}}) {
            for (const auto& wanted : *streams) {
                auto needle = expanded(wanted);
                if (!needle) return fail(needle.error().message);
                if (text->find(*needle) == std::string::npos) {
                    return fail(fmt::format("{} does not contain \"{}\"", label, source_of(wanted)));
                }
            }
        }
        if (process.out_truncated && (!step.expect.jq.empty() || !step.saves.empty())) {
            return fail("stdout is larger than 16 MiB: the jq expressions were not run");
        }
        for (auto& expression : step.expect.jq) {
            auto outputs = evaluate(expression, process.out);
            if (!outputs) return fail(fmt::format("expect.jq '{}': {}", expression.source, outputs.error().message));
            if (outputs->empty()) return fail(fmt::format("expect.jq '{}' yielded no output", expression.source));
            for (const auto& output : *outputs) {
                if (!output.truthy) return fail(fmt::format("expect.jq '{}' yielded {}", expression.source, output.text));
            }
        }
        for (auto& save : step.saves) {
            auto outputs = evaluate(save.expression, process.out);
            if (!outputs) return fail(fmt::format("save.{} '{}': {}", save.name, save.expression.source, outputs.error().message));
            if (outputs->empty()) return fail(fmt::format("save.{} '{}' yielded no output", save.name, save.expression.source));
            std::string value;
            for (const auto& output : *outputs) {
                if (output.text == "null") return fail(fmt::format("save.{} '{}' yielded null", save.name, save.expression.source));
                value += (value.empty() ? "" : "\n") + output.text;
            }
            attempt.saves.emplace_back(save.name, std::move(value));
        }
        attempt.ok = true;
        return attempt;
    }

    // Sleeps between attempts; false when a stop came first.
    bool pause(milliseconds duration) const {
        const auto until = Clock::now() + duration;
        while (Clock::now() < until) {
            if (settings_.stop_signal && settings_.stop_signal() != 0) return false;
            std::this_thread::sleep_for(std::min(milliseconds(20), std::chrono::duration_cast<milliseconds>(until - Clock::now()) + milliseconds(1)));
        }
        return !(settings_.stop_signal && settings_.stop_signal() != 0);
    }

    StepResult run_step(Step& step, FlowReport& report) {
        StepResult result;
        result.name = step.name;
        const auto start = Clock::now();
        for (int attempt_number = 1; attempt_number <= step.attempts; ++attempt_number) {
            result.attempts = attempt_number;
            if (settings_.verbose) {
                settings_.verbose(step.attempts > 1 ? fmt::format("step '{}' (try {} of {}): callctl {}", step.name, attempt_number,
                                                                  step.attempts, step.run_source)
                                                    : fmt::format("step '{}': callctl {}", step.name, step.run_source));
            }
            auto spec = spec_for(step);
            if (!spec) {
                result.message = spec.error().message;
                break;
            }
            auto process = run_process(*spec, settings_.stop_signal);
            if (!process) {
                result.message = process.error().message;
                break;
            }
            Attempt attempt = check(step, *process);
            result.exit = attempt.exit;
            result.message = attempt.message;
            result.stderr_text = std::move(attempt.stderr_text);
            if (attempt.stopped) {
                report.stopped_by = process->forwarded_signal;
                break;
            }
            if (attempt.ok) {
                result.ok = true;
                for (auto& [name, value] : attempt.saves) values_[name] = std::move(value);
                break;
            }
            if (attempt_number < step.attempts && !pause(step.retry_interval)) {
                report.stopped_by = settings_.stop_signal();
                result.message += fmt::format(" (then stopped by {} before try {})", signal_name(report.stopped_by), attempt_number + 1);
                break;
            }
        }
        if (!result.ok && result.attempts > 1 && report.stopped_by == 0) {
            result.message += fmt::format(" (on try {} of {})", result.attempts, step.attempts);
        }
        result.time_s = seconds_since(start);
        return result;
    }

    Flow& flow_;
    const RunSettings& settings_;
    std::map<std::string, std::string> values_;       // vars and saves
    std::map<std::string, std::string> environment_;  // ${env.X}, and the steps' base environment
};

}  // namespace

std::size_t FlowReport::failures() const {
    std::size_t count = 0;
    for (const auto& step : steps) count += !step.ok && !step.skipped ? 1 : 0;
    return count;
}

std::size_t FlowReport::skipped() const {
    std::size_t count = 0;
    for (const auto& step : steps) count += step.skipped ? 1 : 0;
    return count;
}

const StepResult* FlowReport::first_failure() const {
    for (const auto& step : steps) {
        if (!step.ok && !step.skipped) return &step;
    }
    return nullptr;
}

FlowReport run_flow(Flow& flow, const RunSettings& settings) { return FlowRunner(flow, settings).run(); }

nlohmann::ordered_json step_json(const StepResult& step) {
    nlohmann::ordered_json out;
    out["name"] = step.name;
    out["ok"] = step.ok;
    out["skipped"] = step.skipped;
    out["exit"] = step.exit ? nlohmann::ordered_json(*step.exit) : nlohmann::ordered_json(nullptr);
    out["time_s"] = std::round(step.time_s * 1000.0) / 1000.0;
    out["attempts"] = step.attempts;
    out["message"] = step.message;
    out["stderr"] = step.stderr_text;
    return out;
}

}  // namespace callctl::flow
