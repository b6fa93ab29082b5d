// Command-line options of callctl-sandbox (see README.md in this directory).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/error.hpp"

namespace callctl::sandbox {

struct Options {
    int port = 0;      // 0: the kernel picks a free port
    int tls_port = 0;  // likewise, for the HTTPS server
    std::string tls_cert;
    std::string tls_key;
    std::string request_log;
    std::string push_key_file;
    std::string jwt_secret = "callctl-sandbox-secret";
    long long token_ttl_seconds = 172800;  // the documented default of the token endpoint
    int latency_ms = 0;
    std::optional<nlohmann::json> faults;  // --faults JSON: the start-up fault plan
    int threads = 32;  // keep-alive connections each hold a worker: 8-16 clients plus admin traffic
    bool exit_on_stdin_eof = false;
    bool help = false;

    bool tls() const { return !tls_cert.empty(); }
};

// Usage errors come back as ExitCode::usage with a one-line message.
Result<Options> parse_options(const std::vector<std::string>& args);

const char* usage_text();

}  // namespace callctl::sandbox
