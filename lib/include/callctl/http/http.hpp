// HTTP for callctl: typed requests and responses, one retry policy, a client
// that sends one request or a bounded concurrent batch over reused connections.
// Transport failures (TransportError) and HTTP statuses (Response::status) stay
// apart here; api/errors.hpp turns them into Errors, and cli/app.cpp's run()
// those into exit codes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "callctl/config/setting_defaults.hpp"
#include "callctl/error.hpp"

namespace callctl::http {

enum class Method { get, post, put, del };
std::string_view to_string(Method m);

struct Header {
    std::string name;
    std::string value;
};

// A value that must never reach a screen or a log. `env_name` is the shell
// variable that stands in for it in --dry-run output (e.g. CALLCTL_TOKEN).
struct Secret {
    std::string value;
    std::string env_name;
};

// Who may replay a request after a failure (RETRIES in callctl(1)).
enum class Replay {
    idempotent,  // GET, DELETE, state-setting GraphQL mutations
    unsafe,      // POST /tokens, /e911ids, /rtc/createCall: only when surely unprocessed
};

struct Request {
    Method method = Method::get;
    std::string url;
    std::vector<Header> headers;  // Content-Type, Authorization, ...
    std::string body;
    Replay replay = Replay::idempotent;
    std::vector<Secret> secrets;  // values in url/headers/body to redact
};

struct Response {
    long status = 0;
    std::string reason;           // "Service Unavailable"; the standard phrase when the server sent none (HTTP/2)
    std::vector<Header> headers;  // of the final response, names as sent
    std::string body;
    std::chrono::milliseconds elapsed{0};  // from the first attempt's start to the end of the last one
    int attempts = 1;

    // First header with that name, compared case-insensitively.
    std::optional<std::string_view> header(std::string_view name) const;
};

enum class TransportFailure {
    refused,       // nothing listening: certainly not processed
    resolve,       // host name did not resolve
    timeout,       // connect or total time limit
    tls,           // handshake or certificate problem
    send,          // failed while sending: may have been processed
    receive,       // connection dropped while receiving: may have been processed
    bad_url,       // malformed or unsupported URL
    too_large,     // the reply passed a size limit (--max-reply-mib, or its headers): abandoned, never retried
    interrupted,   // SIGINT arrived (see interrupt.hpp)
    dry_run,       // --dry-run: recorded, not sent (not a failure: api/ makes it dry_run_stop)
    other,
};
// "connection refused", "timed out", ...: for -v lines.
std::string_view to_string(TransportFailure failure);

struct TransportError {
    TransportFailure kind = TransportFailure::other;
    std::string message;  // curl's words, secrets already redacted
    int curl_code = 0;
    // Context for api::to_error's one-line message: the request's URL (redacted),
    // how long the last attempt took, and how many attempts were made.
    std::string url;
    std::chrono::milliseconds elapsed{0};
    int attempts = 1;
};

using Outcome = Expected<Response, TransportError>;

// ---------------------------------------------------------------- retries

struct RetryPolicy {
    int max_retries = config::default_count("retries");        // --retries
    std::chrono::milliseconds base_delay{250};                 // first backoff
    std::chrono::milliseconds max_delay{8000};                 // backoff ceiling
    std::chrono::milliseconds retry_after_cap{30000};          // Retry-After ceiling
};

// What happened on one attempt, as the policy needs to see it.
struct AttemptResult {
    std::optional<TransportFailure> failure;  // set when no response arrived
    long status = 0;                           // else the HTTP status
    std::optional<std::string> retry_after;    // raw Retry-After header, if any
};

// Parses Retry-After (delta-seconds or an HTTP-date relative to `now`).
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// nullopt: do not retry. Else: wait this long, then retry. `attempt` counts
// from 1 (the attempt that just failed), so at most max_retries + 1 attempts
// are made. Backoff is base_delay * 2^(attempt-1) capped at max_delay, with
// "equal jitter" (half fixed, half random from `rng`, so tests can make it
// deterministic); a parseable Retry-After replaces it, capped at retry_after_cap.
std::optional<std::chrono::milliseconds> retry_delay(const RetryPolicy& policy, Replay replay, int attempt,
                                                     const AttemptResult& result, std::mt19937_64& rng);

// ---------------------------------------------------------------- redaction

// Replaces every spelling (the value, percent-encoded, JSON-escaped) of every
// secret in `secrets` and of every remembered one with "***" (for -v, error
// messages, anything a server said). A secret shorter than 4 bytes is masked
// only where it stands as a word of its own (callctl(1), SECURITY).
std::string redact(std::string_view text, const std::vector<Secret>& secrets);
// The run's secrets, so that text from anywhere (a server echoing one of them
// in an error) is redacted against all of them, not only those of the request
// it answers. The client remembers every request's secrets as it sends them;
// the CLI remembers the secret settings and tokens it reads. Thread-safe.
void remember_secret(std::string_view value);
void remember_secrets(const std::vector<Secret>& secrets);
void forget_remembered_secrets();  // tests
// Why `token` cannot be sent as a credential (inside an HTTP header or a JSON
// body), or nullopt when it can: a control character (CR, LF, NUL, ...) would
// split the header, inner whitespace is no token. Callers make it the
// right Error: a server's token exit 7, the user's exit 5.
std::optional<std::string> token_defect(std::string_view token);
// token_defect as an Error: "<whose> cannot be used: it holds ..." with `code`
// (ExitCode::http_server for a server's token, ExitCode::auth for the user's).
Status check_token(std::string_view token, std::string_view whose, ExitCode code);
// The same check on a whole request's headers (any control character but a
// tab), made by the client before anything is sent: the last line of defence
// against a header split by a value nobody checked.
std::optional<std::string> request_defect(const Request& request);
// A header value as -v may show it: Authorization, Cookie, *token*, *key*,
// *secret*, *password* are redacted whatever their value.
std::string redact_header_value(std::string_view name, std::string_view value);
// A JSON body with the values of token/password/key/secret/code-like keys
// replaced by "***" (also a form-encoded body's; other text passes through
// `redact` only).
std::string redact_body(std::string_view body, const std::vector<Secret>& secrets);
// A URL as -v may show it: query values of secret-looking keys (token, key,
// password, secret, code, signature, ...) and a userinfo password become "***".
std::string redact_url(std::string_view url, const std::vector<Secret>& secrets);
// True for names (JSON keys, query keys) whose values are secret.
bool is_secret_name(std::string_view name);

// The request as a runnable `curl` command line (for --dry-run). Secrets
// become "$ENV_NAME" shell references; the rest is single-quoted. A secret
// without a usable env_name is written as *** (never its value).
std::string to_curl_command(const Request& request, bool insecure = false, std::string_view cacert = {},
                            std::string_view user_agent = {});

// ---------------------------------------------------------------- client

// max_reply_mib's default (64) in bytes.
std::size_t default_max_reply_bytes();

struct ClientOptions {
    std::chrono::milliseconds timeout = config::default_duration("timeout");                  // --timeout
    std::chrono::milliseconds connect_timeout = config::default_duration("connect_timeout");  // --connect-timeout
    RetryPolicy retry;
    std::string cacert;        // --cacert
    bool insecure = false;     // -k
    std::string user_agent;    // defaults to "callctl/<version>"
    bool dry_run = false;      // record curl command lines, send nothing
    // -v: one call per line of request/response summary, secrets already
    // redacted. The library never prints; the CLI decides where this goes.
    // Called on the thread that called send/send_all.
    std::function<void(std::string_view)> log;
    std::optional<std::uint64_t> jitter_seed;  // tests: deterministic jitter
    // HTTP/2 over TLS (ALPN "h2"), every request to a host multiplexed over
    // one connection (APNs demands HTTP/2). Needs a libcurl built with
    // nghttp2: check http2_available() first.
    bool http2 = false;
    // The longest reply body kept (--max-reply-mib): a longer one is
    // abandoned as it arrives (TransportFailure::too_large), so memory stays
    // bounded whatever a server sends.
    std::size_t max_reply_bytes = default_max_reply_bytes();
};

// Whether the linked libcurl speaks HTTP/2 (curl_version_info's features).
bool http2_available();

// A request pulled from a RequestSource, and the index its outcome is
// reported under. The client keeps the request alive until it is done.
struct SourcedRequest {
    std::size_t index = 0;
    std::shared_ptr<const Request> request;
};

// Feeds Client::send_from. Requests are pulled only when a transfer slot is
// free, so a batch of 10 000 holds no more than `parallel` of them (plus any
// waiting for a retry), and a source may add requests while the batch runs.
class RequestSource {
public:
    using TimePoint = std::chrono::steady_clock::time_point;
    virtual ~RequestSource() = default;
    // The next request to start now, or nullopt when none is ready yet. When
    // one will be ready at a known time, set `wake_at`: the client asks again
    // by then (otherwise when a transfer ends).
    virtual std::optional<SourcedRequest> next(std::optional<TimePoint>& wake_at) = 0;
    // True once next() will never return a request again.
    virtual bool exhausted() const = 0;
    // A request's final outcome (after retries), in completion order, on the
    // thread that called send_from. It may make new requests ready.
    virtual void done(std::size_t index, Outcome outcome) = 0;
};

// Holds a connection pool: keep one Client for a whole command so requests
// reuse connections. Use it from one thread at a time.
class Client {
public:
    explicit Client(ClientOptions options);
    ~Client();
    Client(Client&&) noexcept;
    Client& operator=(Client&&) noexcept;
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // One request, with the retry policy applied. HTTP error statuses are a
    // Response, not an error.
    Outcome send(const Request& request);

    // Many requests, at most `parallel` in flight, connections reused, each
    // retried on its own. `on_done(index, outcome)` is called on this thread
    // as each finishes (completion order); returns when all are done. On
    // Ctrl-C every unfinished request completes as TransportFailure::interrupted.
    // An exception thrown by on_done propagates (after the transfers are
    // detached); the library itself throws nothing.
    void send_all(const std::vector<Request>& requests, int parallel,
                  const std::function<void(std::size_t, Outcome)>& on_done);

    // The same, pulling requests from `source` as capacity frees up. With
    // --dry-run each request is recorded and completes as dry_run at once.
    void send_from(RequestSource& source, int parallel);

    // --dry-run: the curl command lines recorded so far, in request order.
    const std::vector<std::string>& dry_run_commands() const;

    const ClientOptions& options() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------- URLs

// Builds base + path + "?k=v&..." with each query value percent-encoded.
std::string join_url(std::string_view base, std::string_view path,
                     const std::vector<std::pair<std::string, std::string>>& query = {});
// RFC 3986: everything but A-Z a-z 0-9 - . _ ~ as %XX (curl_easy_escape).
std::string percent_encode(std::string_view text);

// A URL as libcurl's parser (curl_url) splits it. Parts are as written
// (percent-encoding kept); absent ones are empty.
struct UrlParts {
    std::string scheme;          // lower case
    std::string user;
    std::string password;
    std::string host;            // an IPv6 literal keeps its brackets: "[::1]"
    std::string port;            // as written, "" when none is
    std::string effective_port;  // the written one, else the scheme's default ("443"), else ""
    std::string path;            // at least "/"
    std::string query;           // without '?'
    std::string fragment;        // without '#'
};
// nullopt for what curl would refuse to send: no scheme, a bad host, port or
// IPv6 literal, spaces, a NUL byte.
std::optional<UrlParts> parse_url(std::string_view url);

}  // namespace callctl::http
