// callctl call-log: GET /rtc/getCallLogById for one id or many (concurrently,
// streamed), optionally polling until every call reaches a status.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app.hpp"
#include "call_render.hpp"
#include "callctl/api/rest.hpp"
#include "callctl/config/duration.hpp"
#include "callctl/output/json.hpp"
#include "callctl/util/fs.hpp"
#include "callctl/util/interrupt.hpp"
#include "callctl/util/lines.hpp"
#include "choices.hpp"

namespace callctl::cli {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct CallLogOptions {
    std::vector<std::string> ids;
    std::string ids_from;
    int parallel = 8;
    std::optional<std::string> wait_for;
    double interval = 2;        // as given; checked into the two below
    double wait_timeout = 60;
    milliseconds interval_ms{};
    milliseconds wait_timeout_ms{};
};

// Where each outcome goes, by format. One id named on the command line is a
// single result (an object, a call report, or the error itself); otherwise
// ndjson streams lines as they arrive, json streams one array in the order
// asked (holding only what arrives early), and table collects summary rows.
// With --jq the filter runs on each element instead of the array: as it
// arrives for ndjson, in the order asked for json.
class CallLogSink {
public:
    CallLogSink(Context& context, const std::vector<std::string>& ids, bool single)
        : context_(context), out_(context.out()), ids_(ids), single_(single), pretty_(context.terminal().stdout_tty) {}

    void put(std::size_t index, Result<api::CallLog> outcome) {
        if (!outcome && outcome.error().is_dry_run()) return;  // --dry-run: nothing was sent
        out_.check_reader();  // `| head` went away: stop fetching now, not after the last id
        if (single_) {
            if (outcome) single_log_ = std::move(*outcome);
            else single_error_ = std::move(outcome.error());
            return;
        }
        if (!outcome) {
            context_.record_failure(outcome.error().code);
            // Ctrl-C ends every unfinished request at once: one line with
            // their count at the end (stopped_status), not one per call.
            if (is_stop(outcome.error())) ++not_fetched_;
            else context_.warn(outcome.error().message);
        }
        switch (out_.format()) {
        case config::OutputFormat::table:
            if (outcome) summaries_.add(index, *outcome);
            else summaries_.add_error(index, ids_[index], outcome.error());
            break;
        case config::OutputFormat::ndjson:
            out_.json(outcome ? *outcome : api::error_object(ids_[index], outcome.error()));
            out_.flush();  // each line as soon as it arrives, for `| while read`
            break;
        default:
            pending_.emplace(index, outcome ? std::move(*outcome) : api::error_object(ids_[index], outcome.error()));
            write_ready_elements();
            break;
        }
    }

    // Ends the array or renders the table; a single id's error is returned.
    Status finish() {
        if (single_) {
            if (single_error_) return *single_error_;
            if (!single_log_) return {};  // dry run
            if (out_.is_table()) out_.text(render_call_report(*single_log_, out_.width(), out_.style()));
            else out_.json(*single_log_);
            return {};
        }
        if (out_.is_table()) {
            out_.text(summaries_.render(out_.width(), out_.style()));
        } else if (out_.format() != config::OutputFormat::ndjson) {
            write_ready_elements();
            if (out_.filtering()) return {};  // --jq: each element was filtered on its own
            if (next_ == 0) out_.text("[]\n");
            else out_.text(pretty_ ? "\n]\n" : "]\n");
        }
        return {};
    }

    // After a stop (SIGINT, SIGTERM, a failed stdout): the run's one error,
    // "interrupted: 37 of 40 call logs not fetched". Nothing when none was cut.
    Status stopped_status() const {
        if (not_fetched_ == 0) return {};
        return stopped_error(fmt::format("{} of {} call logs not fetched", not_fetched_, ids_.size()));
    }

private:
    static bool is_stop(const Error& error) {
        if (!util::interrupted()) return false;
        const ExitCode code = error.code;
        return code == ExitCode::interrupted || code == ExitCode::terminated || code == ExitCode::broken_pipe ||
               code == ExitCode::output_failed;
    }

    void write_ready_elements() {
        while (!pending_.empty() && pending_.begin()->first == next_) {
            if (out_.filtering()) {  // --jq runs on each element, in the order asked
                out_.json(pending_.begin()->second);
                pending_.erase(pending_.begin());
                ++next_;
                continue;
            }
            std::string element = output::dump_json(pending_.begin()->second, pretty_);
            pending_.erase(pending_.begin());
            if (pretty_) {
                // Indent the element as dump(2) of the whole array would.
                std::string indented = "  ";
                for (char c : element) {
                    indented += c;
                    if (c == '\n') indented += "  ";
                }
                element = std::move(indented);
            }
            out_.text(next_ == 0 ? (pretty_ ? "[\n" : "[") : (pretty_ ? ",\n" : ","));
            out_.text(element);
            ++next_;
        }
    }

    Context& context_;
    Printer& out_;
    const std::vector<std::string>& ids_;
    bool single_;
    bool pretty_;
    std::map<std::size_t, api::CallLog> pending_;  // json: elements that arrived before their turn
    std::size_t next_ = 0;
    CallSummaryTable summaries_;
    std::optional<api::CallLog> single_log_;
    std::optional<Error> single_error_;
    std::size_t not_fetched_ = 0;  // ended by a stop, not by their own failure
};

// Sleeps in short slices so that Ctrl-C stops a poll loop promptly.
bool sleep_unless_interrupted(milliseconds duration) {
    const auto until = Clock::now() + duration;
    while (Clock::now() < until) {
        if (util::interrupted()) return false;
        std::this_thread::sleep_for(std::min<milliseconds>(
            milliseconds{50}, std::chrono::duration_cast<milliseconds>(until - Clock::now()) + milliseconds{1}));
    }
    return !util::interrupted();
}

std::string describe_status(const std::optional<api::CallLog>& log) {
    if (!log) return "not fetched";
    const std::string status = api::call_status_of(*log);
    return status.empty() ? "without a status" : status;
}

// Polls until every call has reached `target` (or failed), then hands the
// last log of each to the sink in the order asked.
Status wait_for_status(api::CallLogFetcher& fetcher, const std::vector<std::string>& ids, api::CallStatus target,
                       const CallLogOptions& options, Context& context, CallLogSink& sink) {
    std::vector<std::optional<api::CallLog>> last(ids.size());
    std::vector<std::optional<Error>> failed(ids.size());
    std::vector<std::size_t> pending(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) pending[i] = i;

    const auto start = Clock::now();
    const bool dry_run = context.flags.dry_run;
    api::WaitStep step;
    for (int round = 1;; ++round) {
        auto fetched = fetcher.fetch(ids, pending, [&](std::size_t index, Result<api::CallLog> outcome) {
            context.out().check_reader();  // nothing is written before the last round: ask
            if (outcome) last[index] = std::move(*outcome);
            else failed[index] = std::move(outcome.error());
        });
        if (!fetched) return fetched.error();
        if (util::interrupted()) return stopped_error("waiting for the calls");
        if (dry_run) return {};  // one round of requests shows what polling sends

        std::vector<std::size_t> still;
        for (std::size_t index : pending) {
            if (failed[index]) continue;  // reported below; polling it again would not help
            if (!api::status_reached(api::call_status_of(*last[index]), target)) still.push_back(index);
        }
        pending = std::move(still);
        const auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
        step = api::next_wait_step(pending.size(), elapsed, options.interval_ms, options.wait_timeout_ms);
        context.verbose(fmt::format("wait round {}: {} of {} call(s) not {} yet", round, pending.size(), ids.size(),
                                    api::to_string(target)));
        if (step.kind != api::WaitStep::Kind::poll_again) break;
        if (!sleep_unless_interrupted(step.sleep)) {
            return stopped_error("waiting for the calls");
        }
    }

    // Described before the logs are handed over (and moved from).
    std::string which;
    const std::size_t shown = std::min<std::size_t>(pending.size(), 5);
    for (std::size_t k = 0; k < shown; ++k) {
        which += fmt::format("{}{} is {}", k == 0 ? "" : ", ", ids[pending[k]], describe_status(last[pending[k]]));
    }
    if (pending.size() > shown) which += fmt::format(", and {} more", pending.size() - shown);

    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (failed[i]) sink.put(i, std::move(*failed[i]));
        else sink.put(i, std::move(*last[i]));
    }
    if (auto finished = sink.finish(); !finished) return finished;
    if (step.kind != api::WaitStep::Kind::timed_out) return {};
    return make_error(ExitCode::wait_timeout,
                      fmt::format("timed out after {} s waiting for {} of {} call(s) to be {}: {}", options.wait_timeout,
                                  pending.size(), ids.size(), api::to_string(target), which),
                      "raise --wait-timeout SEC, or check the call with `callctl call-log ID -o table`");
}

Status run_call_log(CallLogOptions options, Context& context) {
    std::vector<std::string> ids = options.ids;
    if (!options.ids_from.empty()) {
        if (auto settings = context.settings(); !settings) {
            return settings.error();
        } else if (auto once = config::check_one_stdin_reader(**settings, "--ids-from", options.ids_from); !once) {
            return once;
        }
        auto content = util::read_file(options.ids_from);
        if (!content) return content.error();
        if (const std::size_t line = util::first_long_line(*content)) {
            return make_error(ExitCode::bad_input, fmt::format("--ids-from {}: {}", options.ids_from, util::long_line_text(line)));
        }
        for (auto& id : api::parse_id_lines(*content)) ids.push_back(std::move(id));
    }
    if (ids.empty()) {
        return make_error(ExitCode::usage, "call-log needs at least one call id",
                          "give CALL_ID arguments or --ids-from FILE ('-' reads them from stdin, one per line)");
    }
    if (options.parallel < 1) return make_error(ExitCode::usage, "--parallel must be at least 1");
    // 0 is allowed: poll without a pause, or give up after the first round.
    const config::DurationRule rule{.zero_allowed = true};
    auto interval = config::to_duration(options.interval, rule, "--interval");
    if (!interval) return interval.error();
    auto wait_timeout = config::to_duration(options.wait_timeout, rule, "--wait-timeout");
    if (!wait_timeout) return wait_timeout.error();
    options.interval_ms = *interval;
    options.wait_timeout_ms = *wait_timeout;
    std::optional<api::CallStatus> target;
    if (options.wait_for) {
        auto parsed = api::parse_wait_target(*options.wait_for);
        if (!parsed) return parsed.error();
        target = *parsed;
    }

    auto session = context.session();
    if (!session) return session.error();
    auto rest_url = api::endpoint_url((*session)->settings(), api::Endpoint::rest);
    if (!rest_url) return rest_url.error();
    api::CallLogFetcher fetcher(**session, *rest_url, options.parallel);

    const bool single = options.ids.size() == 1 && options.ids_from.empty();
    CallLogSink sink(context, ids, single);
    if (target) return wait_for_status(fetcher, ids, *target, options, context, sink);

    auto fetched = fetcher.fetch_all(ids, [&](std::size_t index, Result<api::CallLog> outcome) {
        sink.put(index, std::move(outcome));
    });
    if (!fetched) return fetched.error();
    if (auto finished = sink.finish(); !finished) return finished;
    return sink.stopped_status();
}

}  // namespace

void register_call_log(CLI::App& app, Context& context) {
    auto options = std::make_shared<CallLogOptions>();
    CLI::App* command = app.add_subcommand("call-log", "Fetch call logs (GET /rtc/getCallLogById), many concurrently");
    command->add_option("CALL_ID", options->ids, "Call ids (callId); one id prints one object or a call report");
    completes_files(command->add_option("--ids-from", options->ids_from, "Read call ids from FILE, one per line ('-' = stdin)"))
        ->type_name("FILE|-");
    command->add_option("--parallel", options->parallel, "Requests in flight at once (default 8)")->type_name("N");
    restrict_to(command->add_option("--wait-for", options->wait_for, "Poll until every call is at this status or later"),
                {"planned", "started", "ended"});
    command->add_option("--interval", options->interval, "Seconds between polls with --wait-for (default 2)")
        ->type_name("SEC");
    command->add_option("--wait-timeout", options->wait_timeout, "Give up (exit 10) after SEC seconds (default 60)")
        ->type_name("SEC");
    command->footer(
        "Several ids: -o json prints one array in the order asked, -o ndjson one line per call as it arrives,\n"
        "-o table one row per call. A failed id is an error object ({\"callId\":...,\"error\":{...}}) or an error\n"
        "row; the others still print, and the exit code is that of the worst failure.");
    on_run(*command, context, [options](Context& c) { return run_call_log(*options, c); });
}

}  // namespace callctl::cli
