// callctl send-push: deliver any payload decode-push reads to device tokens,
// through FCM HTTP v1 (a service account) or APNs (a .p8 token key), many
// devices concurrently, one result per device (callctl(1), "send-push").
// The library (lib/src/deliver) maps the payload, signs, sends and reports;
// this file reads the options, files and tokens and renders the results.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app.hpp"
#include "callctl/config/setting_table.hpp"
#include "callctl/deliver/deliver.hpp"
#include "callctl/deliver/keys.hpp"
#include "callctl/deliver/sender.hpp"
#include "callctl/util/fs.hpp"
#include "callctl/util/lines.hpp"
#include "callctl/util/strings.hpp"
#include "choices.hpp"
#include "push_credentials.hpp"
#include "send_push_output.hpp"
#include "setting_options.hpp"

namespace callctl::cli {

namespace {

using std::chrono::milliseconds;

// No push is more than 5 KiB; a payload file past this is not one (and is
// not read further).
constexpr std::size_t kPayloadFileLimit = 1024 * 1024;
constexpr long long kMaxTtl = 28LL * 24 * 3600;  // FCM keeps a message at most four weeks

struct SendPushOptions {
    std::string file = "-";
    std::vector<std::string> to;
    std::string to_file;
    int parallel = 8;
    std::optional<long long> cancel_after_ms;
    std::string push_type = "voip";
    std::string priority = "high";
    long long ttl = 60;
    std::optional<std::string> collapse_id;
};

// flag > environment > profile, for telling which of two settings the user meant.
int rank(config::Source source) {
    switch (source) {
    case config::Source::flag: return 3;
    case config::Source::environment: return 2;
    case config::Source::profile: return 1;
    default: return 0;
    }
}

// Reads at most kPayloadFileLimit bytes of `path` ('-': stdin): no push is
// that big (FCM takes 4 KiB, APNs 5 KiB).
Result<std::string> read_payload(const std::string& path) {
    auto text = util::read_file(path, kPayloadFileLimit);
    if (!text) {
        Error error = std::move(text).error();
        if (error.hint.empty()) error.hint = "nothing was sent";
        return error;
    }
    return text;
}

Status check_token(std::string_view token, std::string_view where) {
    for (const char c : token) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
            return make_error(ExitCode::usage, fmt::format("{}: a device token has no spaces or control characters", where));
        }
    }
    return {};
}

Result<std::vector<std::string>> device_tokens(const SendPushOptions& options) {
    std::vector<std::string> tokens;
    for (const auto& token : options.to) {
        if (token.empty()) return make_error(ExitCode::usage, "--to needs a device token, got an empty one");
        if (auto ok = check_token(token, "--to"); !ok) return ok.error();
        tokens.push_back(token);
    }
    if (!options.to_file.empty()) {
        auto text = util::read_file(options.to_file);
        if (!text) return text.error();
        if (const std::size_t line = util::first_long_line(*text)) {
            return make_error(ExitCode::bad_input, fmt::format("--to-file {}: {}", options.to_file, util::long_line_text(line)));
        }
        std::size_t line_number = 0;
        for (const auto& line : util::split(*text, '\n')) {
            ++line_number;
            const std::string_view token = util::trim(line);
            if (token.empty() || token.front() == '#') continue;
            if (auto ok = check_token(token, fmt::format("--to-file {} line {}", options.to_file, line_number)); !ok) {
                return ok.error();
            }
            tokens.emplace_back(token);
        }
    }
    if (tokens.empty()) {
        return make_error(ExitCode::usage, "send-push needs at least one device token",
                          "give --to TOKEN (repeatable) or --to-file FILE ('-' reads them from stdin, one per line)");
    }
    return tokens;
}

Status check_stdin_use(const SendPushOptions& options, const config::Settings& settings) {
    if (options.file != "-") return {};
    std::vector<std::pair<std::string, std::string>> paths = {{"--to-file", options.to_file}};
    for (const char* name : {"fcm_credentials", "apns_key"}) {
        if (auto value = given_setting(settings, name)) paths.emplace_back(value->origin, value->text);
    }
    for (const auto& [origin, path] : paths) {
        if (path == "-") {
            return make_error(ExitCode::usage, fmt::format("{} - and the payload cannot both come from standard input", origin),
                              "name the payload file");
        }
    }
    return {};
}

// Which service: fcm_credentials or apns_key, the one given in the stronger
// place (a flag beats the other's environment variable or profile key); two
// in equally strong places are ambiguous.
Result<deliver::Platform> choose_platform(const std::optional<config::SettingValue>& fcm,
                                          const std::optional<config::SettingValue>& apns) {
    if (fcm && apns) {
        if (rank(fcm->source) != rank(apns->source)) {
            return rank(fcm->source) > rank(apns->source) ? deliver::Platform::fcm : deliver::Platform::apns;
        }
        return make_error(ExitCode::usage, fmt::format("{} and {} both say where to send: give one", fcm->origin, apns->origin),
                          "send-push delivers through FCM (--fcm-credentials) or APNs (--apns-key), one per run");
    }
    if (fcm) return deliver::Platform::fcm;
    if (apns) return deliver::Platform::apns;
    return make_error(ExitCode::usage, "send-push needs --fcm-credentials FILE (FCM) or --apns-key FILE (APNs)",
                      "or CALLCTL_FCM_CREDENTIALS / CALLCTL_APNS_KEY holding the file's path; see callctl(1)");
}

struct Prepared {
    deliver::DeliveryOptions delivery;
    std::optional<deliver::ServiceAccount> account;
    std::optional<deliver::ApnsCredentials> apns;
};

Result<Prepared> prepare(const SendPushOptions& options, deliver::Platform platform,
                         const config::SettingValue& credentials, const config::Settings& settings, const Context& context) {
    Prepared out;
    deliver::DeliveryOptions& d = out.delivery;
    auto push_type = deliver::parse_push_type(options.push_type);
    if (!push_type) return push_type.error();
    auto priority = deliver::parse_priority(options.priority);
    if (!priority) return priority.error();
    if (options.ttl < 0 || options.ttl > kMaxTtl) {
        return make_error(ExitCode::usage, fmt::format("--ttl must be 0 to {} seconds (four weeks), got {}", kMaxTtl, options.ttl));
    }
    if (options.parallel < 1 || options.parallel > 1000) return make_error(ExitCode::usage, "--parallel must be 1 to 1000");
    if (options.cancel_after_ms) {
        if (*options.cancel_after_ms < 0 || *options.cancel_after_ms > 3600 * 1000) {
            return make_error(ExitCode::usage, "--cancel-after must be 0 to 3600000 ms");
        }
        d.cancel_after = milliseconds(*options.cancel_after_ms);
    }
    if (options.collapse_id) {
        if (auto ok = deliver::check_collapse_id(*options.collapse_id); !ok) return ok.error();
    }
    d.parallel = options.parallel;
    d.dry_run = context.flags.dry_run;
    const std::chrono::seconds ttl(options.ttl);
    d.fcm = deliver::FcmSendOptions{*priority, ttl, options.collapse_id};
    d.apns.push_type = *push_type;
    d.apns.priority = *priority;
    d.apns.ttl = ttl;
    d.apns.collapse_id = options.collapse_id;

    if (platform == deliver::Platform::fcm) {
        auto account = read_fcm_credentials(credentials, settings, d);
        if (!account) return account.error();
        out.account = std::move(*account);
        return out;
    }
    auto apns = read_apns_credentials(credentials, settings, d);
    if (!apns) return apns.error();
    out.apns = std::move(*apns);
    return out;
}

std::string summary(const SendPushOutput& output, bool per_push) {
    std::string reasons;
    for (const auto& [reason, count] : output.errors()) reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", count, reason);
    return fmt::format("{} of {} {} not taken: {}", output.failed(), output.pushes(), per_push ? "pushes were" : "devices have",
                       reasons);
}

Status run_send_push(const SendPushOptions& options, Context& context) {
    auto resolved = context.settings();
    if (!resolved) return resolved.error();
    const config::Settings& settings = **resolved;
    if (auto ok = check_stdin_use(options, settings); !ok) return ok;
    const auto fcm = given_setting(settings, "fcm_credentials");
    const auto apns = given_setting(settings, "apns_key");
    auto platform = choose_platform(fcm, apns);
    if (!platform) return platform.error();
    auto prepared = prepare(options, *platform, *platform == deliver::Platform::fcm ? *fcm : *apns, settings, context);
    if (!prepared) return prepared.error();
    auto tokens = device_tokens(options);
    if (!tokens) return tokens.error();

    if (options.file == "-" && ::isatty(STDIN_FILENO) == 1) {
        std::fprintf(stderr, "callctl: reading the push from the terminal; end it with Ctrl-D\n");
    }
    auto raw = read_payload(options.file);
    if (!raw) return raw.error();
    auto payload = deliver::map_payload(*raw);
    if (!payload) return payload.error();

    std::vector<deliver::Target> targets;
    targets.reserve(tokens->size());
    for (auto& token : *tokens) targets.push_back({*platform, std::move(token)});
    tokens->clear();

    // The library's sender: the clients, the cached FCM access token, the APNs provider token.
    deliver::SenderSetup setup;
    setup.client = context.client_options();
    setup.credentials_path = settings.credentials_path;
    setup.profile = settings.profile;
    setup.fcm = std::move(prepared->account);
    setup.apns = std::move(prepared->apns);
    setup.note = [&context](std::string_view text) { context.verbose(text); };
    deliver::PushSender sender(std::move(setup));

    Printer& out = context.out();
    SendPushOutput output(out, context.terminal().stdout_tty && out.format() != config::OutputFormat::ndjson,
                          options.cancel_after_ms.has_value());
    const Status delivered = sender.send(*payload, targets, prepared->delivery,
                                         [&output](deliver::DeviceResult result) { output.put(result); });
    if (context.flags.dry_run) {
        out.command_lines(sender.dry_run_commands());
        out.flush();
        return delivered;
    }
    if (!delivered && output.pushes() == 0) return delivered;  // nothing went out: the one error says why
    output.finish();
    if (!delivered) return delivered;
    if (output.failed() == 0) return {};
    return make_error(output.worst(), summary(output, options.cancel_after_ms.has_value()));
}

}  // namespace

void register_send_push(CLI::App& app, Context& context) {
    auto options = std::make_shared<SendPushOptions>();
    CLI::App* command =
        app.add_subcommand("send-push", "Deliver a push payload to device tokens through FCM HTTP v1 or APNs");
    completes_files(command->add_option("file", options->file, "The payload, anything decode-push reads (default: - for standard input)"))
        ->option_text("FILE|-");
    command->add_option("--to", options->to, "A device token (FCM registration token or APNs device token); repeatable")
        ->option_text("TOKEN");
    completes_files(command->add_option("--to-file", options->to_file, "Device tokens, one per line ('-' = stdin)"))
        ->option_text("FILE|-");
    command->add_option("--parallel", options->parallel, "Pushes in flight at once (default 8; APNs: streams on one connection)")
        ->option_text("N");
    command->add_option("--cancel-after", options->cancel_after_ms,
                        "After an intercom incoming-call push, send the matching stop push MS after each device's answer")
        ->option_text("MS");
    // The settings-table rows send-push binds (flag > environment > profile, callctl(1)).
    add_setting_options(*command, context.flags,
                        {"fcm_url", "fcm_credentials", "apns_env", "apns_url", "apns_key", "apns_key_id", "apns_team_id",
                         "apns_topic"});
    restrict_to(command->add_option("--push-type", options->push_type, "APNs push type (default voip)"), {"voip", "alert", "background"});
    restrict_to(command->add_option("--priority", options->priority, "high: deliver now; normal: when convenient (default high)"),
                {"high", "normal"});
    command->add_option("--ttl", options->ttl, "Seconds the service keeps an undelivered push (default 60; 0: now or never)")
        ->option_text("SEC");
    command->add_option("--collapse-id", options->collapse_id, "APNs apns-collapse-id / FCM android.collapse_key")->option_text("ID");
    command->footer(
        "One result per device: -o json an array in input order, -o ndjson a line as each answers, -o table.\n"
        "Exit 0 when every device took the push, else the worst of 3 (too big, not a push), 4, 5 (credentials\n"
        "refused), 6 (a device refused), 7. A push is sent again only when it cannot have been delivered.");
    on_run(*command, context, [options](Context& c) { return run_send_push(*options, c); });
}

}  // namespace callctl::cli
