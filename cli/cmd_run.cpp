// callctl run FLOW [--var NAME=VALUE ...] [--junit FILE]: a CI smoke test as
// a file (callctl(1), FLOW FILES). The flow is parsed and checked whole
// before its first step runs; each step is this same binary as a child
// process, so it sees exactly what the command line in the file would.
#include <csignal>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app.hpp"
#include "callctl/flow/flow.hpp"
#include "callctl/flow/runner.hpp"
#include "callctl/output/table.hpp"
#include "callctl/util/fs.hpp"
#include "callctl/util/interrupt.hpp"
#include "choices.hpp"

extern char** environ;  // NOLINT: POSIX

namespace callctl::cli {

namespace {

constexpr std::uintmax_t max_flow_bytes = std::uintmax_t{4} << 20;
constexpr std::size_t max_stderr_lines_shown = 20;

struct RunOptions {
    std::string file;
    std::vector<std::string> vars;
    std::string junit;
};

Result<std::string> read_flow(const std::string& path) { return util::read_file(path, max_flow_bytes); }

std::vector<std::string> process_environment() {
    std::vector<std::string> out;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) out.emplace_back(*entry);
    return out;
}

// The signal to pass on to a running step: the one we were stopped by.
int stop_signal() {
    switch (util::stop_reason()) {
    case util::StopReason::none: return 0;
    case util::StopReason::sigint: return SIGINT;
    default: return SIGTERM;
    }
}

std::string paint(std::string_view text, const char* code, output::Style style) {
    return style.color ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : std::string(text);
}

// Shows each step's result as it is known: a line each on a terminal (or
// -o table), a JSON line each for ndjson (and for --jq), one array at the end
// for json.
class StepPrinter {
public:
    StepPrinter(Printer& out, const flow::Flow& flow) : out_(out), flow_name_(flow.name) {
        for (const auto& step : flow.steps) name_width_ = std::max(name_width_, output::display_width(step.name));
        name_width_ = std::min<std::size_t>(name_width_, 40);
    }

    void step(const flow::StepResult& result) {
        if (out_.is_table()) {
            out_.text(line(result));
        } else if (out_.format() == config::OutputFormat::ndjson || out_.filtering()) {
            out_.json(flow::step_json(result));
        } else {
            array_.push_back(flow::step_json(result));
            return;
        }
        out_.flush();
    }

    void finish(const flow::FlowReport& report) {
        if (out_.is_table()) {
            const std::size_t failed = report.failures(), skipped = report.skipped();
            const std::size_t passed = report.steps.size() - failed - skipped;
            out_.text(fmt::format("{}: {} passed, {} failed, {} skipped in {:.2f} s\n", flow_name_, passed, failed, skipped,
                                  report.time_s));
        } else if (out_.format() == config::OutputFormat::json && !out_.filtering()) {
            out_.json(array_);
        }
    }

private:
    std::string line(const flow::StepResult& result) const {
        const output::Style style = out_.style();
        // A step's name and message, and what its command wrote to stderr, may
        // hold anything: shown escaped, as every report's text is.
        std::string name = output::truncate_to_width(output::escape_controls(result.name), name_width_);
        name += std::string(name_width_ - std::min(name_width_, output::display_width(name)), ' ');
        if (result.skipped) return fmt::format("{} {}  {}\n", paint("-", "2", style), name, paint("skipped", "2", style));
        const std::string time = fmt::format("{:.2f} s", result.time_s);
        if (result.ok) return fmt::format("{} {}  {}\n", paint("\u2713", "32", style), name, time);
        std::string text = fmt::format("{} {}  {}  {}\n", paint("\u2717", "31", style), name, time,
                                       output::escape_controls(result.message));
        std::size_t shown = 0, start = 0;
        const std::string& err = result.stderr_text;
        while (start < err.size() && shown < max_stderr_lines_shown) {
            std::size_t end = err.find('\n', start);
            if (end == std::string::npos) end = err.size();
            text += "    " + output::escape_controls(err.substr(start, end - start)) + "\n";
            ++shown;
            start = end + 1;
        }
        if (start < err.size()) text += "    ...\n";
        return text;
    }

    Printer& out_;
    std::string flow_name_;
    std::size_t name_width_ = 0;
    nlohmann::ordered_json array_ = nlohmann::ordered_json::array();
};

Status run_flow_file(const RunOptions& options, Context& context) {
    flow::FlowInputs inputs;
    inputs.environment = context.env();
    for (const auto& assignment : options.vars) {
        auto parsed = flow::parse_var_assignment(assignment);
        if (!parsed) return parsed.error();
        inputs.overrides[parsed->first] = parsed->second;
    }
    auto text = read_flow(options.file);
    if (!text) return text.error();
    auto parsed = flow::parse_flow(*text, options.file, inputs);
    if (!parsed) return parsed.error();
    flow::Flow& flow = *parsed;

    auto settings = context.settings();
    if (!settings) return settings.error();
    // A dry run cannot know what its steps would print, and a step would
    // send for real: the flow is checked, and nothing runs.
    if ((*settings)->dry_run) {
        context.verbose(fmt::format("dry run: {} is well-formed; its {} step(s) were not run", options.file, flow.steps.size()));
        return {};
    }
    StepPrinter printer(context.out(), flow);
    // A SIGCHLD ignored by whoever started us would be inherited, and the
    // steps' exit statuses lost with it.
    std::signal(SIGCHLD, SIG_DFL);
    flow::RunSettings run;
    run.environment = process_environment();
    run.stop_signal = stop_signal;
    run.on_step = [&printer](const flow::StepResult& result) { printer.step(result); };
    run.verbose = [&context](std::string_view line) { context.verbose(line); };
    const flow::FlowReport report = flow::run_flow(flow, run);
    printer.finish(report);

    if (!options.junit.empty()) {
        if (auto written = util::write_file_atomic(options.junit, flow::render_junit(flow.name, report), 0644); !written) {
            return written;
        }
    }
    if (report.stopped_by != 0) {
        const auto* step = report.first_failure();
        const std::string where = step != nullptr ? fmt::format(" at step '{}'", step->name) : std::string();
        return report.stopped_by == SIGTERM ? make_error(ExitCode::terminated, "terminated: the flow stopped" + where)
                                            : make_error(ExitCode::interrupted, "interrupted: the flow stopped" + where);
    }
    if (const auto* failed = report.first_failure()) {
        return make_error(ExitCode::expectation_failed, fmt::format("step '{}' failed: {}", failed->name, failed->message));
    }
    return {};
}

}  // namespace

void register_run(CLI::App& app, Context& context) {
    auto options = std::make_shared<RunOptions>();
    CLI::App* command = app.add_subcommand("run", "Run a flow file: callctl steps with expectations (a CI smoke test)");
    completes_files(command->add_option("FLOW", options->file, "The flow file, YAML or JSON ('-' = stdin)")->required())
        ->option_text("FLOW.yaml");
    command->add_option("--var", options->vars, "Set ${NAME} for the flow (overrides its vars); repeatable")
        ->type_name("NAME=VALUE");
    completes_files(command->add_option("--junit", options->junit, "Also write a JUnit XML report to FILE"))->type_name("FILE");
    command->footer(
        "Each step runs `callctl <run>` as its own process. Exit 0 when every step met its expectations,\n"
        "11 when one did not (the rest are skipped), 3 for a malformed flow file (nothing runs), 130/143\n"
        "when interrupted (the running step gets the signal). See FLOW FILES in callctl(1).");
    on_run(*command, context, [options](Context& c) { return run_flow_file(*options, c); });
}

}  // namespace callctl::cli
