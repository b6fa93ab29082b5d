// Command-line options of callctl-sandbox (see README.md in this directory),
// parsed with CLI11 as callctl's own are. Backends add their own flags
// (Backend::add_options); these are the server's and the token settings.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "access_tokens.hpp"
#include "callctl/error.hpp"

namespace CLI {
class App;
}

namespace callctl::sandbox {

struct Options {
    int port = 0;      // 0: the kernel picks a free port
    int tls_port = 0;  // likewise, for the HTTPS server
    std::string tls_cert;
    std::string tls_key;
    std::string request_log;
    int latency_ms = 0;
    std::string faults_text;               // --faults JSON, checked to be an object
    std::optional<nlohmann::json> faults;  // the start-up fault plan, once parsed
    int threads = 32;  // keep-alive connections each hold a worker: 8-16 clients plus admin traffic
    bool exit_on_stdin_eof = false;

    bool tls() const { return !tls_cert.empty(); }
};

// Registers the server's flags on `app` (--jwt-secret and --token-ttl fill `tokens`).
void add_options(CLI::App& app, Options& options, TokenSettings& tokens);

// What parsing came to: run, or exit now with this code (after --help: 0,
// after a usage error, already reported on stderr: 2).
struct ParseOutcome {
    std::optional<int> exit_code;
};
ParseOutcome parse_options(CLI::App& app, Options& options, int argc, const char* const* argv);

}  // namespace callctl::sandbox
