#include "app.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "callctl/config/setting_table.hpp"
#include "callctl/output/table.hpp"
#include "callctl/util/interrupt.hpp"
#include "callctl/version.hpp"
#include "setting_options.hpp"

namespace callctl::cli {

// ------------------------------------------------------------------ Context

namespace {

// The secrets the settings hold (the token, API keys, webhook secrets): no
// server text shown in this run may carry one of them (http::redact).
void remember_secret_settings(const config::Settings& settings) {
    for (const config::SettingRow& row : config::setting_rows()) {
        if (row.type != config::SettingType::secret) continue;
        const auto& value = settings.value(row.name);
        if (value.source != config::Source::none) http::remember_secret(value.text);
    }
}

// What reaches stderr from here: redacted against every secret of the run,
// then with control characters escaped (a server's ESC sequence must not
// drive the terminal).
std::string for_stderr(std::string_view text) { return output::escape_controls(http::redact(text, {})); }

}  // namespace

Context::Context(config::Environment env) : env_(std::move(env)) {}

Result<const config::Settings*> Context::settings() {
    if (!settings_) {
        auto resolved = config::resolve(flags, env_, profile_values);
        if (!resolved) return resolved.error();
        settings_ = std::move(*resolved);
        terminal_ = output::detect_terminal(settings_->no_color, env_);
        remember_secret_settings(*settings_);
        // credentials.json holds tokens: say so when others can read it.
        if (auto exposed = config::CredentialStore::exposure_warning(settings_->credentials_path)) warn(*exposed);
    }
    return &*settings_;
}

Result<api::Session*> Context::session() {
    if (!session_) {
        auto resolved = settings();
        if (!resolved) return resolved.error();
        const config::Settings& s = **resolved;
        if (s.profile_missing) {
            return make_error(ExitCode::usage, fmt::format("no profile '{}' in {}", s.profile, s.config_path.string()),
                              "list them with `callctl profile list`, or create it with `callctl --profile " + s.profile +
                                  " profile set KEY VALUE`");
        }

        client_ = std::make_unique<http::Client>(client_options());
        session_ = std::make_unique<api::Session>(s, *client_, [this](std::string_view text) { verbose(text); });
    }
    return session_.get();
}

http::ClientOptions Context::client_options() const {
    http::ClientOptions options;
    if (!settings_) return options;
    const config::Settings& s = *settings_;
    options.timeout = s.timeout;
    options.connect_timeout = s.connect_timeout;
    options.retry.max_retries = s.retries;
    options.max_reply_bytes = static_cast<std::size_t>(s.value("max_reply_mib").number) << 20;
    options.cacert = s.cacert;
    options.insecure = s.insecure;
    options.dry_run = s.dry_run;
    if (s.verbose) {
        options.log = [](std::string_view line) {
            const std::string shown = for_stderr(line);
            std::fprintf(stderr, "%s\n", shown.c_str());
        };
    }
    return options;
}

Printer& Context::out() {
    if (!printer_) {
        // Before settings resolve (or when they failed) print JSON, plainly.
        auto format = settings_ ? settings_->output : config::OutputFormat::auto_detect;
        // --jq implies JSON: a table or a terminal's `auto` become json.
        if (jq_filter_ && format != config::OutputFormat::ndjson) format = config::OutputFormat::json;
        const bool quiet = settings_ && settings_->quiet;
        const bool enabled = !(settings_ && settings_->dry_run);
        printer_ = std::make_unique<Printer>(format, terminal_, quiet, enabled);
        if (jq_filter_) printer_->set_filter(&*jq_filter_);
    }
    return *printer_;
}

Status Context::compile_jq() {
    if (!jq_expression) return {};
    const auto asked = flags.output ? config::parse_output_format(*flags.output) : Result<config::OutputFormat>(config::OutputFormat::auto_detect);
    if (asked && *asked == config::OutputFormat::table) {
        return make_error(ExitCode::usage, "--jq prints JSON; it cannot be combined with -o table",
                          "drop -o table, or drop --jq");
    }
    auto filter = output::JqFilter::compile(*jq_expression);
    if (!filter) {
        Error error = std::move(filter).error();
        error.message = "--jq: " + error.message;
        if (error.hint.empty()) error.hint = "--jq takes jq 1.6 syntax, e.g. --jq '.callStatus'; quote it for the shell";
        return error;
    }
    jq_filter_ = std::move(*filter);
    return {};
}

bool Context::stderr_color() const {
    if (settings_) return terminal_.stderr_color;
    // Settings did not resolve (or not yet): the switches alone decide.
    return output::detect_terminal(config::switch_on("no_color", flags, env_), env_).stderr_color;
}

void Context::warn(std::string_view text) const {
    if (settings_ && settings_->quiet) return;
    // stdout failed: the run stops with one line (141: none), not one per
    // item it left unfinished.
    if (util::stop_reason() == util::StopReason::output_closed ||
        util::stop_reason() == util::StopReason::output_failed) {
        return;
    }
    std::fprintf(stderr, "callctl: warning: %s\n", for_stderr(text).c_str());
}

void Context::verbose(std::string_view text) const {
    if (!settings_ || !settings_->verbose) return;
    std::fprintf(stderr, "* %s\n", for_stderr(text).c_str());
}

void on_run(CLI::App& command, Context& context, std::function<Status(Context&)> action) {
    command.callback([&context, action = std::move(action)] { context.action = action; });
}

// ------------------------------------------------------------------ run

namespace {

// --jq is not a setting (no env variable, no profile key): it is bound
// beside the table's global options, straight into the Context.
void add_jq_option(CLI::App& app, Context& context) {
    app.add_option("--jq", context.jq_expression, "Filter the JSON result with a jq expression (strings print raw)")
        ->type_name("EXPR")
        ->group("Global options");
}

// The only place "callctl: error:" is written: the message, its further
// lines, then the hint, each redacted and escaped (for_stderr).
void print_error(const Error& error, bool color) {
    const char* label = color ? "\x1b[1;31merror:\x1b[0m" : "error:";
    std::fprintf(stderr, "callctl: %s %s\n", label, for_stderr(error.message).c_str());
    for (const auto& line : error.more) std::fprintf(stderr, "callctl: %s %s\n", label, for_stderr(line).c_str());
    if (!error.hint.empty()) std::fprintf(stderr, "callctl: hint: %s\n", for_stderr(error.hint).c_str());
}

// The exit code of a run that stopped early, and its one line: 141 says
// nothing (nobody is reading), 12 names the write that failed, 130 and 143
// the signal (the command's own stop error when it has one).
int stopped_exit(const Status& status, Context& context, bool color) {
    const util::StopReason reason = util::stop_reason();
    if (reason == util::StopReason::output_closed) return to_int(ExitCode::broken_pipe);
    if (reason == util::StopReason::output_failed) {
        const auto& failure = context.out().failure();
        print_error(failure ? *failure : make_error(ExitCode::output_failed, "cannot write the output"), color);
        return to_int(ExitCode::output_failed);
    }
    const ExitCode code = reason == util::StopReason::sigterm ? ExitCode::terminated : ExitCode::interrupted;
    if (status || status.error().code != code) {
        print_error(make_error(code, code == ExitCode::terminated ? "terminated" : "interrupted"), color);
    } else {
        print_error(status.error(), color);
    }
    return to_int(code);
}

// Every subcommand with the names it answers to (completion's three walk the
// whole tree).
struct Subcommand {
    std::array<std::string_view, 3> names;  // unused ones empty
    void (*add)(CLI::App&, Context&);
};
const Subcommand subcommands[] = {
    {{"profile"}, register_profile},
    {{"token"}, register_token},
    {{"e911"}, register_e911},
    {{"phone"}, register_phone},
    {{"create-call"}, register_create_call},
    {{"call-log"}, register_call_log},
    {{"answer", "open-door", "hangup"}, register_intercom},
    {{"login", "logout"}, register_login},
    {{"kaleyra-token"}, register_kaleyra_token},
    {{"decode-push"}, register_decode_push},
    {{"encode-push"}, register_encode_push},
    {{"run"}, register_run},
    {{"listen"}, register_listen},
    {{"send-push"}, register_send_push},
    {{"send-webhook"}, register_send_webhook},
    {{"webex-webhook"}, register_webex_webhook},
    {{"completion", "__complete", "__cli-model"}, register_completion},
};

// Building every subcommand's options costs more instructions than the rest
// of a `call-log ID` run besides the loader and curl's own start. Only the
// subcommands named somewhere in argv are built (any word that names one, so
// an option value that happens to be a name parses as it always did); help,
// completion, and a command line that names none get the whole tree, so every
// listing and every error message is the one the full tree gives.
bool wants(const Subcommand& subcommand, const std::vector<std::string_view>& args) {
    for (const auto name : subcommand.names) {
        if (name.empty()) continue;
        for (const auto arg : args) {
            if (arg == name) return true;
        }
    }
    return false;
}

#ifndef NDEBUG
// The table must name every subcommand the tree has (a missing name still
// works, by building the whole tree, so nothing else would notice the start-up
// cost come back) and nothing the tree lacks. Checked in debug builds whenever
// the whole tree is built: the sanitizer suite's --help and completion tests
// abort on a mismatch.
void check_subcommand_table(CLI::App& app) {
    auto listed = [](std::string_view name) {
        return std::any_of(std::begin(subcommands), std::end(subcommands), [&](const Subcommand& s) {
            return std::find(s.names.begin(), s.names.end(), name) != s.names.end();
        });
    };
    std::vector<std::string> registered;
    for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        registered.push_back(sub->get_name());
        for (const auto& alias : sub->get_aliases()) registered.push_back(alias);
    }
    for (const auto& name : registered) {
        if (listed(name)) continue;
        std::fprintf(stderr, "callctl: internal: subcommand '%s' is missing from cli/app.cpp's subcommands table\n",
                     name.c_str());
        std::abort();
    }
    for (const auto& subcommand : subcommands) {
        for (const auto name : subcommand.names) {
            if (name.empty() || std::find(registered.begin(), registered.end(), name) != registered.end()) continue;
            std::fprintf(stderr, "callctl: internal: cli/app.cpp's subcommands table names '%.*s', which is not registered\n",
                         static_cast<int>(name.size()), name.data());
            std::abort();
        }
    }
}
#endif

void build_app(CLI::App& app, Context& context, int argc, char** argv) {
    app.set_version_flag("--version", fmt::format("callctl {}", version()));
    app.fallthrough();
    app.require_subcommand(1);
    app.footer("Exit codes: 0 ok, 1 internal, 2 usage, 3 bad input, 4 network/TLS/timeout, 5 auth, 6 HTTP 4xx,\n"
               "7 HTTP 5xx, 8 GraphQL errors, 9 push decrypt/signature, 10 wait timeout, 11 expectation failed,\n"
               "12 output not written, 130 interrupted, 141 stdout closed, 143 terminated. See callctl(1).");

    const std::vector<std::string_view> args(argv + std::min(argc, 1), argv + argc);
    bool whole_tree = std::none_of(std::begin(subcommands), std::end(subcommands),
                                   [&](const Subcommand& s) { return wants(s, args); }) ||
                      wants(subcommands[std::size(subcommands) - 1], args);
    for (const auto arg : args) {
        if (arg == "-h" || arg == "--help" || arg == "--help-all") whole_tree = true;
    }
    for (const auto& subcommand : subcommands) {
        if (whole_tree || wants(subcommand, args)) subcommand.add(app, context);
    }
#ifndef NDEBUG
    if (whole_tree) check_subcommand_table(app);
#endif
}

}  // namespace

int run(int argc, char** argv) {
    util::install_interrupt_handler();
    Context context(config::process_environment());

    CLI::App app{"callctl: call control from the command line (tokens, E911, REST calls, intercom GraphQL, push payloads)",
                 "callctl"};
    add_global_setting_options(app, context.flags);
    add_jq_option(app, context);
    build_app(app, context, argc, argv);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) {  // --help, --version: output like any other, checked
            std::ostringstream text;
            const int code = app.exit(e, text, std::cerr);
            context.out().text(text.str());
            context.out().flush();
            return util::interrupted() ? stopped_exit({}, context, context.stderr_color()) : code;
        }
        print_error(make_error(ExitCode::usage, e.what(), "see `callctl --help` or callctl(1)"), context.stderr_color());
        return to_int(ExitCode::usage);
    }
    if (auto compiled = context.compile_jq(); !compiled) {
        print_error(compiled.error(), context.stderr_color());
        return to_int(compiled.error().code);
    }

    Status status;
    try {
        if (auto settings = context.settings(); !settings) {
            status = settings.error();
        } else if (context.action) {
            status = context.action(context);
        }
    } catch (const std::exception& e) {
        // Exceptions are not part of the library's contract; one that escapes
        // is a bug, reported as such rather than as a crash.
        status = make_error(ExitCode::internal, fmt::format("internal error: {}", e.what()),
                            "this is a bug in callctl; please report it with the command you ran");
    }
    if (auto jq_error = context.out().jq_error(); status && jq_error) {
        status = *jq_error;
        status.error().code = worst_of(status.error().code, context.recorded_exit_code());
    }
    if (context.flags.dry_run && context.client() != nullptr) {
        context.out().command_lines(context.client()->dry_run_commands());
    }
    context.out().flush();

    const bool color = context.stderr_color();
    if (util::interrupted()) return stopped_exit(status, context, color);
    if (!status) {
        const Error& error = status.error();
        // A dry run stopped at a request it printed instead of sending: done.
        if (error.is_dry_run()) return to_int(ExitCode::ok);
        print_error(error, color);
        return to_int(error.code);
    }
    return to_int(context.recorded_exit_code());
}

}  // namespace callctl::cli
