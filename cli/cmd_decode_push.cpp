// callctl decode-push: unwrap, detect and decode a captured push payload
// (callctl(1), WIRE FORMATS) into the normalised object push::decode returns; offline.
//
// stdout carries only a complete result: a payload that fails (wrong key,
// bad signature, --require-decrypt with a field left encrypted) prints
// nothing there, just the one error line on stderr.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app.hpp"
#include "callctl/util/fs.hpp"
#include "choices.hpp"
#include "push_cli.hpp"

namespace callctl::cli {

namespace {

struct DecodePushOptions {
    std::string file = "-";
    std::string key_file;
    bool require_decrypt = false;
    std::string vendor = "auto";
    bool stream = false;
    std::string extract;
    std::string signature;
    std::string secret_file;
    long long tolerance = 0;  // seconds; 0: off (recorded bodies are old by nature)
};

// Two options cannot both read standard input.
Status check_stdin_use(const DecodePushOptions& options) {
    const bool input_is_stdin = options.file == "-";
    for (const auto& [flag, path] : {std::pair{"--key-file", &options.key_file}, std::pair{"--secret-file", &options.secret_file}}) {
        if (*path == "-" && input_is_stdin) {
            return make_error(ExitCode::usage, fmt::format("{} - and the payload cannot both come from standard input", flag),
                              "name the payload file, or put the key/secret in a file");
        }
    }
    return {};
}

Result<push::DecodeOptions> decode_options(const DecodePushOptions& options, const Context& context) {
    push::DecodeOptions decode;
    auto vendor = push::parse_vendor(options.vendor);
    if (!vendor) return vendor.error();
    decode.vendor = *vendor;
    if (!options.extract.empty()) {
        auto extract = push::parse_extract(options.extract);
        if (!extract) return extract.error();
        decode.extract = *extract;
    }
    auto key = read_push_key(options.key_file, context);
    if (!key) return key.error();
    decode.key = std::move(*key);
    decode.require_decrypt = options.require_decrypt;
    if (options.tolerance < 0) return make_error(ExitCode::usage, "--tolerance must be 0 (off) or a number of seconds");
    if (options.tolerance > 0 && options.signature.empty()) {
        return make_error(ExitCode::usage, "--tolerance needs --signature", "it bounds the age of a Kaleyra v1 signature's t");
    }
    decode.signature_tolerance = std::chrono::seconds(options.tolerance);
    if (!options.signature.empty()) decode.signature_header = options.signature;
    if (!options.secret_file.empty()) {
        auto secret = util::read_secret_file(options.secret_file);
        if (!secret) return secret.error();
        decode.signature_secret = std::move(*secret);
    }
    return decode;
}

Result<int> open_input(const std::string& path) { return util::open_for_reading(path); }

// A person who typed `callctl decode-push` with nothing piped in would
// otherwise stare at a silent terminal.
void hint_if_reading_terminal(const std::string& path) {
    if (path == "-" && ::isatty(STDIN_FILENO) == 1) {
        std::fprintf(stderr, "callctl: reading the push from the terminal; end it with Ctrl-D\n");
    }
}

Status run_stream(const DecodePushOptions& options, const push::DecodeOptions& decode, Context& context) {
    if (decode.signature_header || decode.signature_secret) {
        return make_error(ExitCode::usage, "--signature checks one webhook body; it cannot be used with --stream");
    }
    auto settings = context.settings();
    if (!settings) return settings.error();
    StreamSettings stream;
    // Only an explicit -o table gives summary lines: `auto` on a terminal
    // would otherwise turn the documented one-object-per-line into text.
    stream.summary_lines = (*settings)->output == config::OutputFormat::table;
    stream.flush_each_line = context.terminal().stdout_tty;

    auto fd = open_input(options.file);
    if (!fd) return fd.error();
    hint_if_reading_terminal(options.file);
    Status status = decode_push_stream(*fd, decode, stream, context);
    if (*fd != STDIN_FILENO) ::close(*fd);
    return status;
}

Status run_decode_push(const DecodePushOptions& options, Context& context) {
    if (auto ok = check_stdin_use(options); !ok) return ok;
    auto decode = decode_options(options, context);
    if (!decode) return decode.error();
    if (options.stream) return run_stream(options, *decode, context);

    hint_if_reading_terminal(options.file);
    // The bytes exactly as read: webhook signatures are over the raw body.
    auto raw = util::read_file(options.file);
    if (!raw) return raw.error();
    auto decoded = push::decode(*raw, *decode);
    if (!decoded) return decoded.error();
    if (decoded->status != ExitCode::ok) {
        std::string message;
        for (const auto& warning : decoded->warnings) message += (message.empty() ? "" : "; ") + warning;
        return make_error(decoded->status, message);  // the warnings already say what to give
    }
    for (const auto& warning : decoded->warnings) context.warn(warning);

    Printer& out = context.out();
    if (decoded->extracted && out.filtering()) {
        out.json(push::Json::parse(*decoded->extracted, nullptr, false));  // JSON the library checked
    } else if (decoded->extracted) {
        out.line(*decoded->extracted);  // exactly the payload, whatever -o says: it is meant for forwarding
    } else if (out.is_table()) {
        const auto now = std::chrono::duration_cast<std::chrono::seconds>(decode->now.time_since_epoch()).count();
        out.text(render_push_summary(decoded->normalized, now, out.width(), out.style()));
    } else {
        out.json(decoded->normalized);
    }
    return {};
}

}  // namespace

void register_decode_push(CLI::App& app, Context& context) {
    CLI::App* command = app.add_subcommand("decode-push", "Decode a push payload (intercom, Kaleyra, Webex) offline");
    auto options = std::make_shared<DecodePushOptions>();
    completes_files(command->add_option("file", options->file, "The payload (default: - for standard input)"))
        ->option_text("FILE|-");
    completes_files(command->add_option("--key-file", options->key_file,
                        fmt::format("Intercom push key: 64 hex digits or base64 [env: {}]", push_key_env)))
        ->option_text("FILE");
    command->add_flag("--require-decrypt", options->require_decrypt, "Exit 9 when a field stays encrypted");
    restrict_to(command->add_option("--vendor", options->vendor, "Decode as this vendor (default: auto-detect)"),
                {"auto", "intercom", "kaleyra", "webex"});
    command->add_flag("--stream", options->stream,
                      "One payload per line in, one result per line out; a bad line gives an error object");
    restrict_to(command->add_option("--extract", options->extract,
                                    "Webex: print exactly that payload, compact, for forwarding unaltered"),
                {"fcm", "apns"});
    command->add_option("--signature", options->signature,
                        "Verify this webhook signature over the raw bytes: Kaleyra bandyer-signature (t=<s|ms>,v0=<hex>) "
                        "or room-id-hmac (hex), Webex X-Spark-Signature (hex)")
        ->option_text("VALUE");
    completes_files(command->add_option("--secret-file", options->secret_file,
                                        "The secret the signature is keyed with: Kaleyra API key, Webex webhook secret"))
        ->option_text("FILE");
    command->add_option("--tolerance", options->tolerance,
                        "Kaleyra v1: refuse a signature whose t is more than SEC seconds from now (default 0: off)")
        ->option_text("SEC");
    command->footer(
        "Output: the normalised object (pretty on a terminal, compact when piped; -o table: a summary).\n"
        "--stream: compact JSON per line (-o table: one summary line per payload); exit code is the worst seen.\n"
        "Fields left encrypted: a warning and exit 0, or exit 9 with --require-decrypt. Wrong key, bad or\n"
        "stale signature: exit 9, nothing on stdout. Not JSON, unknown vendor, bad key length: exit 3.");
    on_run(*command, context, [options](Context& c) { return run_decode_push(*options, c); });
}

}  // namespace callctl::cli
