// callctl listen: receive webhooks (Kaleyra, Webex) over HTTP(S), check their
// signatures, print one normalised event per line; optionally record every
// request and forward the accepted ones (callctl(1), "listen").
//
// stderr: first exactly one ready line, "callctl: listening on URL"; after it
// only "callctl: warning: ..." notices (refused requests, failed forwards and relays).
// stdout: event lines only, each written whole with one write(2), in the
// order the events were accepted (the library calls the writer under one
// lock, which is also why this command writes stdout itself, not through the
// Printer).
#include <pthread.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app.hpp"
#include "callctl/config/duration.hpp"
#include "callctl/output/table.hpp"
#include "callctl/listen/listen.hpp"
#include "callctl/listen/relay.hpp"
#include "callctl/webhook/relay_map.hpp"
#include "callctl/util/fs.hpp"
#include "callctl/util/interrupt.hpp"
#include "callctl/util/json.hpp"
#include "choices.hpp"
#include "push_credentials.hpp"
#include "setting_options.hpp"

namespace callctl::cli {

namespace {

struct ListenCliOptions {
    std::string host = "127.0.0.1";
    int port = 0;
    long long tolerance = 300;
    std::string forward_to;
    std::string record;
    std::string relay;  // MAP.json
    long long max_events = 0;  // 0: not given
    std::string tls_cert;
    std::string tls_key;
    int workers = 16;
    double request_timeout = 10;
};

// Event lines to fd 1, one write(2) each so a line is never split between
// other writers' bytes or left half-written by a crash between two calls.
class StdoutLines {
public:
    // --jq: each event line goes through the Printer's filter (callctl(1),
    // --jq), its outputs written as one write(2); a runtime error prints
    // nothing for that event and is the exit 3 at the end.
    explicit StdoutLines(Printer* filter) : filter_(filter) {}

    bool write(std::string_view line) {
        if (filter_ != nullptr) {
            buffer_.clear();
            auto event = util::parse_ordered_json(line);
            filter_->append_filtered(event ? *event : nlohmann::ordered_json(nlohmann::ordered_json::value_t::discarded),
                                     buffer_);
        } else {
            buffer_.assign(line.data(), line.size());
            buffer_.push_back('\n');
        }
        std::string_view rest = buffer_;
        while (!rest.empty()) {
            const ssize_t n = ::write(STDOUT_FILENO, rest.data(), rest.size());
            if (n < 0) {
                if (errno == EINTR) continue;
                errno_ = errno;
                return false;
            }
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }
    int error() const { return errno_; }

private:
    std::string buffer_;  // the sequencer calls write() under its lock: never concurrently
    Printer* filter_;
    int errno_ = 0;
};

// SIGINT and SIGTERM are blocked in every thread the listener starts and
// taken here with sigtimedwait: no handler runs, so nothing in flight (a
// forward's transfer watches util::interrupted()) is cut short by the stop.
class StopSignals {
public:
    StopSignals() {
        sigemptyset(&set_);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set_, &previous_);
    }
    ~StopSignals() {
        // A second signal sent during the stop is spent here: unblocked, its
        // handler would turn the clean exit into an "interrupted" error.
        const timespec now{0, 0};
        while (sigtimedwait(&set_, nullptr, &now) > 0) {
        }
        pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    }
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

    // True once a stop signal arrived (or one was caught before the block).
    bool received() {
        if (signal_ != 0) return true;
        const timespec now{0, 0};
        const int taken = sigtimedwait(&set_, nullptr, &now);
        if (taken > 0) {
            signal_ = taken;
        } else if (util::interrupted()) {
            signal_ = util::stop_reason() == util::StopReason::sigterm ? SIGTERM : SIGINT;
        }
        return signal_ != 0;
    }
    ExitCode exit_code() const { return signal_ == SIGTERM ? ExitCode::terminated : ExitCode::interrupted; }

private:
    sigset_t set_{};
    sigset_t previous_{};
    int signal_ = 0;
};

// A webhook secret from its row of the settings table (--kaleyra-key-file /
// CALLCTL_KALEYRA_API_KEY, --webex-secret-file / CALLCTL_WEBEX_SECRET), if given.
std::optional<std::string> webhook_secret(const config::Settings& settings, std::string_view row) {
    const config::SettingValue& value = settings.value(row);
    if (value.source == config::Source::none || value.text.empty()) return std::nullopt;
    return value.text;
}

bool is_loopback(const std::string& host) {
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// --request-timeout: more than 0 (at least 1 ms), at most an hour.
constexpr config::DurationRule kRequestTimeoutRule{.max_seconds = 3600};

Status check_options(const ListenCliOptions& o, const config::Flags& flags) {
    if (flags.dry_run) return make_error(ExitCode::usage, "listen serves requests: it has no --dry-run");
    if (o.port < 0 || o.port > 65535) return make_error(ExitCode::usage, "--port must be 0..65535");
    if (o.tolerance < 0) return make_error(ExitCode::usage, "--tolerance must be 0 (off) or more seconds");
    if (o.max_events < 0) return make_error(ExitCode::usage, "--max-events must be at least 1");
    if (o.workers < 1 || o.workers > 1024) return make_error(ExitCode::usage, "--workers must be 1..1024");
    // The one duration check: NaN, 1e300 and a value under 1 ms (0 ms: no limit) are refused.
    if (auto checked = config::to_duration(o.request_timeout, kRequestTimeoutRule, "--request-timeout");
        !checked) {
        return checked.error();
    }
    if (o.tls_cert.empty() != o.tls_key.empty()) return make_error(ExitCode::usage, "--tls-cert and --tls-key go together");
    if (!o.forward_to.empty()) return listen::check_forward_url(o.forward_to);
    return {};
}

// --relay: MAP.json (3 when it is not one) and the credentials of each
// platform it lists devices of (2 when one is missing), all before listening.
Result<listen::RelayOptions> relay_options(const std::string& map_path, const config::Settings& settings, Context& context) {
    if (auto once = config::check_one_stdin_reader(settings, "--relay", map_path); !once) return once.error();
    auto text = util::read_file(map_path);
    if (!text) return text.error();
    auto map = webhook::parse_relay_map(*text, fmt::format("--relay {}", map_path));
    if (!map) return map.error();
    bool fcm = false;
    bool apns = false;
    for (const auto& [user, devices] : *map) {
        for (const auto& device : devices) (device.platform == "apns" ? apns : fcm) = true;
    }
    listen::RelayOptions relay;
    relay.delivery.dry_run = false;
    const auto need = [&](std::string_view row, std::string_view platform, std::string_view flag) -> Result<config::SettingValue> {
        auto value = given_setting(settings, row);
        if (!value) {
            return make_error(ExitCode::usage, fmt::format("--relay {} lists {} devices: give {} FILE", map_path, platform, flag),
                              "or its CALLCTL_ variable / profile key; see callctl(1), send-push");
        }
        return *value;
    };
    if (fcm) {
        auto file = need("fcm_credentials", "FCM", "--fcm-credentials");
        if (!file) return file.error();
        auto account = read_fcm_credentials(*file, settings, relay.delivery);
        if (!account) return account.error();
        relay.sender.fcm = std::move(*account);
    }
    if (apns) {
        auto file = need("apns_key", "APNs", "--apns-key");
        if (!file) return file.error();
        auto credentials = read_apns_credentials(*file, settings, relay.delivery);
        if (!credentials) return credentials.error();
        relay.sender.apns = std::move(*credentials);
    }
    relay.map = std::move(*map);
    relay.sender.client = context.client_options();
    relay.sender.client.dry_run = false;
    relay.sender.credentials_path = settings.credentials_path;
    relay.sender.profile = settings.profile;
    relay.sender.note = [&context](std::string_view line) { context.verbose(line); };
    return relay;
}

// After the ready line: who may post unchecked events to a reachable address.
void warn_about_exposure(const ListenCliOptions& o, const listen::Secrets& secrets, const Context& context) {
    if (is_loopback(o.host)) return;
    if (!secrets.kaleyra_api_key && !secrets.webex_secret) {
        context.warn(fmt::format("listening on {} with no --kaleyra-key-file or --webex-secret-file: anyone who can reach it "
                                 "can post events, and they are printed as \"unchecked\"",
                                 o.host));
    } else if (!secrets.kaleyra_api_key) {
        context.warn(fmt::format("listening on {} with no Kaleyra key: Kaleyra webhooks are not checked", o.host));
    } else if (!secrets.webex_secret) {
        context.warn(fmt::format("listening on {} with no Webex secret: Webex webhooks are not checked", o.host));
    }
}

Status run_listen(const ListenCliOptions& o, Context& context) {
    // Before the settings: they read the secret files (or standard input).
    if (auto ok = check_options(o, context.flags); !ok) return ok;
    auto settings = context.settings();
    if (!settings) return settings.error();
    const config::Settings& s = **settings;

    listen::ListenOptions options;
    options.server.host = o.host;
    options.server.port = o.port;
    if (!o.tls_cert.empty()) options.server.tls = listen::TlsFiles{o.tls_cert, o.tls_key};
    options.server.workers = static_cast<std::size_t>(o.workers);
    options.server.request_timeout = *config::to_duration(o.request_timeout, kRequestTimeoutRule, "--request-timeout");  // checked above
    options.check.tolerance = std::chrono::seconds(o.tolerance);
    options.check.secrets.kaleyra_api_key = webhook_secret(s, "kaleyra_api_key");
    options.check.secrets.webex_secret = webhook_secret(s, "webex_secret");
    if (!o.record.empty()) options.record_path = o.record;
    if (o.max_events > 0) options.max_events = static_cast<std::uint64_t>(o.max_events);

    std::optional<listen::RelayOptions> relay;
    if (!o.relay.empty()) {
        auto prepared = relay_options(o.relay, s, context);
        if (!prepared) return prepared.error();
        relay = std::move(*prepared);
    }

    // Blocked before the first thread starts, so that every thread inherits it.
    StopSignals signals;
    const listen::Notify notice = [&context](std::string_view text) { context.warn(text); };
    std::vector<std::unique_ptr<listen::EventAction>> actions;
    if (!o.forward_to.empty()) {
        listen::ForwardOptions forward;
        forward.url = o.forward_to;
        forward.client.timeout = s.timeout;
        forward.client.connect_timeout = s.connect_timeout;
        forward.client.cacert = s.cacert;
        forward.client.insecure = s.insecure;
        if (s.verbose) {
            forward.client.log = [](std::string_view line) {  // redacted and escaped, as every -v line
                const std::string shown = output::escape_controls(http::redact(line, {}));
                std::fprintf(stderr, "%s\n", shown.c_str());
            };
        }
        actions.push_back(listen::make_forwarder(std::move(forward), notice));
    }
    if (relay) actions.push_back(listen::make_relayer(std::move(*relay), notice));

    // The Printer is made here, before any thread of the listener starts.
    StdoutLines out(context.out().filtering() ? &context.out() : nullptr);
    listen::ListenOutput output{[&out](std::string_view line) { return out.write(line); }, notice};
    const listen::Secrets secrets = options.check.secrets;
    auto listener = listen::Listener::open(std::move(options), std::move(output), std::move(actions));
    if (!listener) return listener.error();

    std::fflush(stdout);
    std::fprintf(stderr, "callctl: listening on %s\n", (*listener)->url().c_str());
    warn_about_exposure(o, secrets, context);

    switch ((*listener)->serve([&signals] { return signals.received(); })) {
    case listen::StopCause::max_events: return {};
    case listen::StopCause::output_failed:
        if (out.error() == EPIPE) {  // the reader went away: stop quietly, as a shell expects
            context.record_failure(ExitCode::broken_pipe);
            return {};
        }
        return make_error(ExitCode::output_failed, fmt::format("cannot write an event to standard output: {}", std::strerror(out.error())));
    case listen::StopCause::requested: break;
    }
    // A signal is how listen is meant to end: exit 130/143 without an error line.
    context.record_failure(signals.exit_code());
    return {};
}

}  // namespace

void register_listen(CLI::App& app, Context& context) {
    auto o = std::make_shared<ListenCliOptions>();
    CLI::App* command = app.add_subcommand("listen", "Receive webhooks (Kaleyra, Webex): check, print, record, forward, relay");
    command->add_option("--host", o->host, "Address to listen on (default 127.0.0.1)")->type_name("ADDR");
    command->add_option("--port", o->port, "Port (default 0: any free port; the ready line says which)")->type_name("N");
    add_setting_options(*command, context.flags, {"kaleyra_api_key", "webex_secret"});
    command->add_option("--tolerance", o->tolerance, "Kaleyra: refuse a signature time further than SEC from now (default 300, 0: off)")
        ->type_name("SEC");
    command->add_option("--forward-to", o->forward_to, "Re-POST each accepted request (exact body, vendor headers) to URL")
        ->type_name("URL");
    completes_files(command->add_option("--record", o->record, "Append every request received to FILE, one JSON line each"))
        ->type_name("FILE");
    completes_files(command->add_option("--relay", o->relay,
                                        "Send each incoming call as a push to its callees' devices listed in MAP.json"))
        ->type_name("MAP.json");
    // send-push's rows: the credentials --relay sends with.
    add_setting_options(*command, context.flags,
                        {"fcm_url", "fcm_credentials", "apns_env", "apns_url", "apns_key", "apns_key_id", "apns_team_id",
                         "apns_topic"});
    command->add_option("--max-events", o->max_events, "Exit 0 after N accepted events")->type_name("N");
    completes_files(command->add_option("--tls-cert", o->tls_cert, "Serve HTTPS with this PEM certificate (chain)"))->type_name("FILE");
    completes_files(command->add_option("--tls-key", o->tls_key, "The PEM private key of --tls-cert"))->type_name("FILE");
    command->add_option("--workers", o->workers, "Connections served at once (default 16)")->type_name("N");
    command->add_option("--request-timeout", o->request_timeout,
                        "Cut off a request not received and answered within SEC (default 10)")
        ->type_name("SEC");
    command->footer(
        "stdout: one JSON object per accepted event, a line each, in the order accepted. stderr: the ready line\n"
        "\"callctl: listening on URL\", then warnings of refused requests, failed forwards and relays. Answers: 200 accepted,\n"
        "400 not JSON / not a webhook, 401 signature missing or wrong, 405 not POST, 413 over 1 MiB.\n"
        "Exit: 0 after --max-events, 130 SIGINT, 143 SIGTERM (each after a clean stop). See callctl(1).");
    on_run(*command, context, [o](Context& c) { return run_listen(*o, c); });
}

}  // namespace callctl::cli
