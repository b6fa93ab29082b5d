#include "options.hpp"

#include <charconv>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace callctl::sandbox {

namespace {

// Checks that a flag's value is a whole number in [min, max] (CLI11 then
// converts it); the message says which numbers would do.
CLI::Validator whole_number(long long min, long long max) {
    return CLI::Validator(
        [min, max](std::string& text) -> std::string {
            long long value = 0;
            const auto* end = text.data() + text.size();
            const auto [ptr, ec] = std::from_chars(text.data(), end, value);
            if (ec != std::errc{} || ptr != end || value < min || value > max) {
                return fmt::format("wants a whole number from {} to {}, got '{}'", min, max, text);
            }
            return {};
        },
        "");
}

const CLI::Validator not_empty(
    [](std::string& text) -> std::string { return text.empty() ? "must not be empty" : ""; }, "");

const CLI::Validator json_object(
    [](std::string& text) -> std::string {
        const auto json = nlohmann::json::parse(text, nullptr, false);
        return json.is_discarded() || !json.is_object() ? "wants a JSON object" : "";
    },
    "");

// --help's usage line spells out every flag, as callctl-sandbox(1)'s SYNOPSIS
// does (tests/e2e/test_sandbox_docs.py holds the two together), rather than
// CLI11's "[OPTIONS]": backends add flags, and the line grows with them.
class SynopsisFormatter : public CLI::Formatter {
public:
    std::string make_usage(const CLI::App* app, std::string name) const override {
        std::vector<std::string> words;
        for (const CLI::Option* option : app->get_options()) {
            if (option->get_lnames().empty() || option->get_lnames().front() == "help") continue;
            std::string word = "[--" + option->get_lnames().front();
            if (!option->get_option_text().empty()) word += " " + option->get_option_text();
            word += "]";
            if (option->get_items_expected_max() > 1) word += "...";
            words.push_back(std::move(word));
        }
        std::string usage = "Usage: " + name;
        std::size_t column = usage.size();
        for (const auto& word : words) {
            if (column + 1 + word.size() > 100) {
                usage += "\n      ";
                column = 6;
            }
            usage += " " + word;
            column += 1 + word.size();
        }
        return usage + "\n       " + name + " --help\n";
    }
};

int usage_error(const std::string& message) {
    std::fprintf(stderr, "callctl-sandbox: error: %s\ncallctl-sandbox: hint: see `callctl-sandbox --help`\n", message.c_str());
    return to_int(ExitCode::usage);
}

}  // namespace

void add_options(CLI::App& app, Options& options, TokenSettings& tokens) {
    app.description(
        "A local, stateful stand-in for the backends callctl talks to: the token endpoint,\n"
        "the REST call API, intercom GraphQL and its OAuth login, Kaleyra REST; it also\n"
        "makes intercom pushes and signed Kaleyra and Webex webhooks, and injects faults.\n"
        "Binds 127.0.0.1 only. Prints one JSON line with its URLs.");
    app.footer("Backends, admin routes (/_sandbox/...) and faults: callctl-sandbox(1).");
    app.formatter(std::make_shared<SynopsisFormatter>());
    // Unknown arguments are collected, not thrown at once: the error then
    // names the first of them the way callctl-sandbox always has.
    app.allow_extras();
    app.add_option("--port", options.port, "HTTP port (default 0: pick a free one)")->check(whole_number(0, 65535))->option_text("N");
    app.add_option("--tls-cert", options.tls_cert, "PEM certificate: also serve HTTPS (needs --tls-key)")->option_text("FILE");
    app.add_option("--tls-key", options.tls_key, "PEM private key of --tls-cert")->option_text("FILE");
    app.add_option("--tls-port", options.tls_port, "HTTPS port (default 0: pick a free one)")->check(whole_number(0, 65535))->option_text("N");
    app.add_option("--request-log", options.request_log, "Append one JSON line per request received")->option_text("FILE");
    app.add_option("--jwt-secret", tokens.jwt_secret, "HS256 secret of the access tokens it issues")->check(not_empty)->option_text("S");
    app.add_option("--token-ttl", tokens.ttl_seconds, "Lifetime of access tokens (default 172800)")
        ->check(whole_number(1, 10LL * 365 * 24 * 3600))
        ->option_text("SEC");
    app.add_option("--latency-ms", options.latency_ms, "Delay every answer by N ms")->check(whole_number(0, 600000))->option_text("N");
    app.add_option("--faults", options.faults_text, "Start-up fault plan (same JSON as POST /_sandbox/faults)")->check(json_object)->option_text("JSON");
    app.add_option("--threads", options.threads, "Worker threads per server (default 32)")->check(whole_number(1, 1024))->option_text("N");
    app.add_flag("--exit-on-stdin-eof", options.exit_on_stdin_eof, "Exit when standard input closes");
}

ParseOutcome parse_options(CLI::App& app, Options& options, int argc, const char* const* argv) {
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return {app.exit(e)};  // --help: the text goes to stdout
        return {usage_error(e.what())};
    }
    if (const auto extras = app.remaining(); !extras.empty()) return {usage_error(fmt::format("unknown option '{}'", extras.front()))};
    if (options.tls_cert.empty() != options.tls_key.empty()) return {usage_error("--tls-cert and --tls-key go together")};
    if (options.tls_port != 0 && !options.tls()) return {usage_error("--tls-port needs --tls-cert and --tls-key")};
    if (!options.faults_text.empty()) options.faults = nlohmann::json::parse(options.faults_text);
    return {};
}

}  // namespace callctl::sandbox
