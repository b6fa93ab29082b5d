#include "options.hpp"

#include <charconv>
#include <functional>
#include <map>

#include <fmt/format.h>

namespace callctl::sandbox {

namespace {

template <class Int>
Result<Int> parse_int(const std::string& flag, const std::string& text, Int min, Int max) {
    Int value{};
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || value < min || value > max) {
        return make_error(ExitCode::usage, fmt::format("{} wants a whole number from {} to {}, got '{}'", flag, min, max, text));
    }
    return value;
}

}  // namespace

const char* usage_text() {
    return R"(usage: callctl-sandbox [options]
A local stand-in for the token endpoint, the REST call API and the intercom
GraphQL backend. Binds 127.0.0.1 only. Prints one JSON line with its URLs.

  --port N                HTTP port (default 0: pick a free one)
  --tls-cert FILE         PEM certificate: also serve HTTPS (needs --tls-key)
  --tls-key FILE          PEM private key of --tls-cert
  --tls-port N            HTTPS port (default 0: pick a free one)
  --request-log FILE      append one JSON line per request received
  --push-key-file FILE    32-byte push key, 64 hex digits or base64 (default: random)
  --jwt-secret S          HS256 secret of the access tokens it issues
  --token-ttl SEC         lifetime of access tokens (default 172800)
  --latency-ms N          delay every answer by N ms
  --faults JSON           start-up fault plan (same JSON as POST /_sandbox/faults)
  --threads N             worker threads per server (default 32)
  --exit-on-stdin-eof     exit when standard input closes
  -h, --help              this text
)";
}

Result<Options> parse_options(const std::vector<std::string>& args) {
    Options opts;
    // Each flag that takes a value, and what to do with it.
    using Setter = std::function<Status(const std::string& flag, const std::string& value)>;
    const std::map<std::string, Setter> with_value = {
        {"--port", [&](auto& f, auto& v) -> Status {
             auto n = parse_int<int>(f, v, 0, 65535);
             if (!n) return n.error();
             opts.port = *n;
             return {};
         }},
        {"--tls-port", [&](auto& f, auto& v) -> Status {
             auto n = parse_int<int>(f, v, 0, 65535);
             if (!n) return n.error();
             opts.tls_port = *n;
             return {};
         }},
        {"--tls-cert", [&](auto&, auto& v) -> Status { opts.tls_cert = v; return {}; }},
        {"--tls-key", [&](auto&, auto& v) -> Status { opts.tls_key = v; return {}; }},
        {"--request-log", [&](auto&, auto& v) -> Status { opts.request_log = v; return {}; }},
        {"--push-key-file", [&](auto&, auto& v) -> Status { opts.push_key_file = v; return {}; }},
        {"--jwt-secret", [&](auto& f, auto& v) -> Status {
             if (v.empty()) return make_error(ExitCode::usage, fmt::format("{} must not be empty", f));
             opts.jwt_secret = v;
             return {};
         }},
        {"--token-ttl", [&](auto& f, auto& v) -> Status {
             auto n = parse_int<long long>(f, v, 1, 10LL * 365 * 24 * 3600);
             if (!n) return n.error();
             opts.token_ttl_seconds = *n;
             return {};
         }},
        {"--latency-ms", [&](auto& f, auto& v) -> Status {
             auto n = parse_int<int>(f, v, 0, 600000);
             if (!n) return n.error();
             opts.latency_ms = *n;
             return {};
         }},
        {"--threads", [&](auto& f, auto& v) -> Status {
             auto n = parse_int<int>(f, v, 1, 1024);
             if (!n) return n.error();
             opts.threads = *n;
             return {};
         }},
        {"--faults", [&](auto& f, auto& v) -> Status {
             auto json = nlohmann::json::parse(v, nullptr, false);
             if (json.is_discarded() || !json.is_object()) {
                 return make_error(ExitCode::usage, fmt::format("{} wants a JSON object", f));
             }
             opts.faults = std::move(json);
             return {};
         }},
    };

    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string flag = args[i];
        std::optional<std::string> inline_value;
        if (const auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
            inline_value = flag.substr(eq + 1);
            flag.resize(eq);
        }
        if (flag == "-h" || flag == "--help") {
            opts.help = true;
            continue;
        }
        if (flag == "--exit-on-stdin-eof") {
            opts.exit_on_stdin_eof = true;
            continue;
        }
        const auto setter = with_value.find(flag);
        if (setter == with_value.end()) return make_error(ExitCode::usage, fmt::format("unknown option '{}'", args[i]));
        std::string value;
        if (inline_value) {
            value = *inline_value;
        } else if (i + 1 < args.size()) {
            value = args[++i];
        } else {
            return make_error(ExitCode::usage, fmt::format("{} needs a value", flag));
        }
        if (auto set = setter->second(flag, value); !set) return set.error();
    }

    if (opts.tls_cert.empty() != opts.tls_key.empty()) {
        return make_error(ExitCode::usage, "--tls-cert and --tls-key go together");
    }
    if (opts.tls_port != 0 && !opts.tls()) return make_error(ExitCode::usage, "--tls-port needs --tls-cert and --tls-key");
    return opts;
}

}  // namespace callctl::sandbox
