// The CLI edge: global options, the Context each subcommand runs with, and the
// registration functions of the subcommands (one cmd_<name>.cpp each).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "callctl/api/session.hpp"
#include "callctl/config/settings.hpp"
#include "callctl/error.hpp"
#include "callctl/http/http.hpp"
#include "callctl/output/terminal.hpp"
#include "printer.hpp"

namespace CLI {
class App;
}

namespace callctl::cli {

// Everything a subcommand needs, built lazily after parsing: settings (which
// read the config file), the HTTP client and session (only for commands that
// talk to a server), and the printer.
class Context {
public:
    explicit Context(config::Environment env);

    config::Flags flags;  // filled by CLI11 while parsing
    // The profile commands that repair a profile set skip_invalid, so that a
    // bad value in it does not stop them (config::ProfileValues).
    config::ProfileValues profile_values = config::ProfileValues::must_be_valid;
    const config::Environment& env() const { return env_; }

    Result<const config::Settings*> settings();
    // The session for backend commands (creates the HTTP client on first use).
    Result<api::Session*> session();
    http::Client* client() { return client_.get(); }

    // stdout, in the resolved format. Valid after settings() succeeded.
    Printer& out();
    const output::Terminal& terminal() const { return terminal_; }
    // Whether `callctl: error:` may be coloured (--no-color, NO_COLOR,
    // CLICOLOR_FORCE, TERM=dumb, a terminal), also before settings resolve.
    bool stderr_color() const;

    // stderr lines. warn() is silenced by -q; verbose() shown only with -v.
    void warn(std::string_view text) const;
    void verbose(std::string_view text) const;

    // A command that already rendered its failures (an error row, an error
    // object in a stream) reports the worst exit code here.
    void record_failure(ExitCode code) { exit_code_ = worst_of(exit_code_, code); }
    ExitCode recorded_exit_code() const { return exit_code_; }

    // The chosen subcommand's action, set by its CLI11 callback.
    std::function<Status(Context&)> action;

private:
    config::Environment env_;
    std::optional<config::Settings> settings_;
    output::Terminal terminal_;
    std::unique_ptr<http::Client> client_;
    std::unique_ptr<api::Session> session_;
    std::unique_ptr<Printer> printer_;
    ExitCode exit_code_ = ExitCode::ok;
};

// Binds a subcommand's action: CLI11 runs the callback after parsing, and
// run() executes the action once every option (global ones too) is known.
void on_run(CLI::App& command, Context& context, std::function<Status(Context&)> action);

// Registration, one per cmd_<name>.cpp.
void register_profile(CLI::App& app, Context& context);
void register_token(CLI::App& app, Context& context);
void register_e911(CLI::App& app, Context& context);
void register_phone(CLI::App& app, Context& context);
void register_create_call(CLI::App& app, Context& context);
void register_call_log(CLI::App& app, Context& context);
void register_intercom(CLI::App& app, Context& context);  // answer, open-door, hangup
void register_login(CLI::App& app, Context& context);     // login intercom, logout intercom
void register_kaleyra_token(CLI::App& app, Context& context);
void register_decode_push(CLI::App& app, Context& context);
void register_encode_push(CLI::App& app, Context& context);
void register_listen(CLI::App& app, Context& context);
void register_completion(CLI::App& app, Context& context);

// Parses argv, runs the chosen subcommand, prints any error, and returns the
// process exit code. The only place errors become exit codes.
int run(int argc, char** argv);

}  // namespace callctl::cli
