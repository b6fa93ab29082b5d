// callctl encode-push: build an intercom push that decode-push and the app
// read back (protocols.md §4), so QA can reproduce a push without the backend.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app.hpp"
#include "callctl/crypto/crypto.hpp"
#include "callctl/util/fs.hpp"
#include "callctl/util/json.hpp"
#include "choices.hpp"
#include "push_cli.hpp"

namespace callctl::cli {

namespace {

struct EncodePushOptions {
    std::string type;
    std::string device;
    std::string call_id;
    std::string video_file;
    std::string audio_file;
    std::string key_file;
    std::string wrap = "none";
    std::string fcm_token;
};

// A credentials file must hold a JSON object; say which file is wrong
// before the library would only say "video".
Result<std::optional<std::string>> read_credentials(const std::string& path, std::string_view flag) {
    if (path.empty()) return std::optional<std::string>{};
    auto text = util::read_file(path);
    if (!text) return text.error();
    const auto parsed = util::parse_ordered_json(*text);
    if (!parsed) {
        const bool deep = parsed.error().problem == util::JsonProblem::too_deep;
        return make_error(ExitCode::bad_input,
                          fmt::format("{} {}: {}", flag, path, deep ? util::too_deep_text() : "not valid JSON"));
    }
    if (!parsed->is_object()) {
        return make_error(ExitCode::bad_input, fmt::format("{} {}: must be a JSON object, not {}", flag, path, parsed->type_name()));
    }
    return std::optional<std::string>(std::move(*text));
}

Status run_encode_push(const EncodePushOptions& options, Context& context) {
    if (options.key_file == "-" && (options.video_file == "-" || options.audio_file == "-")) {
        return make_error(ExitCode::usage, "only one of --key-file, --video-file and --audio-file can read standard input");
    }
    if (options.video_file == "-" && options.audio_file == "-") {
        return make_error(ExitCode::usage, "--video-file and --audio-file cannot both read standard input");
    }
    push::IntercomEncodeOptions encode;
    encode.type = options.type;
    encode.device_id = options.device;
    if (!options.call_id.empty()) encode.call_id = options.call_id;
    if (!options.fcm_token.empty()) encode.fcm_token = options.fcm_token;
    auto wrap = push::parse_wrap(options.wrap);
    if (!wrap) return wrap.error();
    encode.wrap = *wrap;

    auto video = read_credentials(options.video_file, "--video-file");
    if (!video) return video.error();
    encode.video_json = std::move(*video);
    auto audio = read_credentials(options.audio_file, "--audio-file");
    if (!audio) return audio.error();
    encode.audio_json = std::move(*audio);

    auto key = read_push_key(options.key_file, context);
    if (!key) return key.error();
    if (*key) {
        encode.key = std::move(**key);
    } else if (encode.video_json || encode.audio_json) {
        return make_error(ExitCode::usage, "encrypting the credentials needs the push key",
                          fmt::format("give --key-file FILE or set {}", push_key_env));
    } else {
        // Nothing will be sealed (a stop push, or an incoming push without
        // credentials), but the library checks the key's size up front.
        encode.key.assign(crypto::aes_key_size, '\0');
    }

    auto payload = push::encode_intercom(encode);
    if (!payload) return payload.error();
    Printer& out = context.out();
    auto shown = util::parse_ordered_json(*payload);  // the library's own JSON: it parses
    if (shown && (out.filtering() || (context.terminal().stdout_tty && out.format() != config::OutputFormat::ndjson))) {
        out.json(*shown);  // pretty for a person; key order kept
    } else {
        out.line(*payload);  // the library's compact bytes, as an app would receive them
    }
    return {};
}

}  // namespace

void register_encode_push(CLI::App& app, Context& context) {
    CLI::App* command = app.add_subcommand("encode-push", "Build an intercom push payload (for QA; decode-push reads it)");
    auto options = std::make_shared<EncodePushOptions>();
    restrict_to(command->add_option("--type", options->type, "Call.Incoming or Call.StopIncoming")->required(),
                {"incoming", "stop"});
    command->add_option("--device", options->device, "The intercom's iotDeviceId")->required()->option_text("ID");
    command->add_option("--call-id", options->call_id, "The callId to put in the push (default: none)")->option_text("ID");
    completes_files(command->add_option("--video-file", options->video_file,
                                        "Video credentials, a JSON object {url, username, password} (incoming only)"))
        ->option_text("FILE");
    completes_files(command->add_option("--audio-file", options->audio_file,
                                        "Audio credentials, a JSON object {roomName, domain, jsonWebToken} (incoming only)"))
        ->option_text("FILE");
    completes_files(command->add_option("--key-file", options->key_file,
                        fmt::format("Push key: 64 hex digits or base64 [env: {}]; needed to encrypt credentials",
                                    push_key_env)))
        ->option_text("FILE");
    restrict_to(command->add_option("--wrap", options->wrap, "Transport wrapper around the data map (default: none)"),
                {"none", "fcm-v1", "fcm-legacy", "apns"});
    command->add_option("--fcm-token", options->fcm_token,
                        "Device registration token for the wrapper (message.token / \"to\"; default: none)")
        ->option_text("TOKEN");
    command->footer("Each encrypted field gets a fresh random IV. Prints the payload: compact when piped, pretty on a "
                    "terminal.\nA stop push needs no key.");
    on_run(*command, context, [options](Context& c) { return run_encode_push(*options, c); });
}

}  // namespace callctl::cli
