// callctl listen (callctl(1), "listen"): a webhook receiver. Requests come in
// over HTTP(S); each POST is checked (vendor, signature, decode) by examine(),
// a pure function; accepted events become one JSON line each, written in the
// order they were accepted, after the actions they set off (forwarding; the
// relay later) have reported. Nothing here prints: lines and notices go to the
// callbacks the CLI gives.
//
// Answers: 200 accepted, 400 not JSON / not a known webhook / bad HTTP,
// 401 signature missing or wrong, 405 not POST, 413 body over 1 MiB,
// 408 request not complete in time, 503 no longer accepting (--max-events
// reached, or stopping because stdout is gone).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callctl/error.hpp"
#include "callctl/http/http.hpp"
#include "callctl/push/push.hpp"

namespace callctl::listen {

using Json = push::Json;

inline constexpr std::size_t max_body_bytes = std::size_t{1} << 20;  // 1 MiB

// One request as the server read it.
struct Request {
    struct Header {
        std::string name;  // lower case
        std::string value;
    };
    // Set by the server when it refused the request before it was whole (413:
    // the body was never read; 400: broken chunked framing). examine() answers it.
    struct Refusal {
        int status = 400;
        std::string reason;
    };

    std::string method;
    std::string target;            // path and query, as sent
    std::vector<Header> headers;   // in the order received
    std::string body;              // the exact bytes
    std::optional<Refusal> refused;
    std::string remote;            // "127.0.0.1:54321"
    std::chrono::system_clock::time_point received_at;  // when the request's head was complete

    // The first header of that (lower-case) name.
    const std::string* header(std::string_view lower_case_name) const;
};

struct Secrets {
    std::optional<std::string> kaleyra_api_key;  // Kaleyra v1 bandyer-signature and v0 room-id-hmac
    std::optional<std::string> webex_secret;     // Webex X-Spark-Signature
};

struct CheckOptions {
    Secrets secrets;
    std::chrono::seconds tolerance{300};  // Kaleyra v1: how far `t` may be from now; 0: any
};

// What to answer, and for 200 the event's line (before any action's member).
struct Verdict {
    int status = 200;
    std::string reason;  // refused: one line saying why, never a secret
    Json event;          // accepted: the normalised object + signature + request context
};

// The request → event path, without I/O: method, size, JSON, vendor (from the
// body; the signature headers decide when the body alone cannot), signature
// when that vendor's secret is given, decode-push's normalisation. The event
// is decode-push's object plus "signature":"verified"|"unchecked", when
// verified "signature_scheme" (kaleyra-v1, kaleyra-v0, webex) and for
// kaleyra-v1 "signed_at" (as decode-push writes it), any decoder "warnings", and
// "request":{"method","path","received_at","remote"}.
Verdict examine(const Request& request, const CheckOptions& options, std::chrono::system_clock::time_point now);

// An empty secret would check nothing: usage (2).
Status check_secrets_usable(const Secrets& secrets);

// --record: one request as one JSON line (no newline):
// {"received_at","method","path","headers":{"<lower-case name>":"value"},"body"|"body_base64","status"};
// a request the server refused before its body was whole (Request::refused:
// 413, 408, broken chunks) has "body_omitted":true instead of either.
// Repeated headers are joined with ", ".
std::string record_line(const Request& request, int status);
// True for well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool is_utf8(std::string_view text);

// ---------------------------------------------------------------- actions

// Something an accepted event sets off besides its line: --forward-to now,
// --relay later. Each action adds one member, named key(), to the event's line;
// a line is written once all its actions have reported, so a slow action
// delays the lines after it (order is kept) but never stalls the server:
// start() must only queue the work.
class EventAction {
public:
    using Done = std::function<void(Json result)>;  // null: add no member
    virtual ~EventAction() = default;
    virtual std::string_view key() const = 0;
    // On a server worker, for each accepted event. `done` must be called
    // exactly once, from any thread (also when the work could not be queued).
    virtual void start(const Request& request, const Json& event, Done done) = 0;
    // No more start() calls will come: returns once every `done` was called.
    virtual void finish() = 0;
};

// Notices for stderr ("callctl: warning: " is the caller's to add).
using Notify = std::function<void(std::string_view text)>;

struct ForwardOptions {
    std::string url;                // http:// or https://, POSTed to as given
    http::ClientOptions client;     // timeouts, TLS trust, -v log; retries are forced off
    std::size_t parallel = 4;       // forwards in flight at once
    std::size_t queue_capacity = 1024;  // waiting forwards; beyond that an event is not forwarded
};
// --forward-to: re-POSTs each accepted request's exact body and its
// end-to-end headers (hop-by-hop ones, Host and Content-Length excepted) to
// the URL, once, never retried: its member is {"status":<HTTP status>} or
// {"error":"…"}; anything but 2xx is also a notice.
std::unique_ptr<EventAction> make_forwarder(ForwardOptions options, Notify notify);
// http(s)://host[:port][/path]: usage (2) otherwise.
Status check_forward_url(std::string_view url);

// ---------------------------------------------------------------- the server

struct TlsFiles {
    std::string cert;  // PEM chain
    std::string key;   // PEM private key
};

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 0;  // 0: any free port
    std::optional<TlsFiles> tls;
    std::size_t workers = 16;  // connections served at once; more wait (bounded), then the kernel backlog
    std::chrono::milliseconds request_timeout{10000};  // one request, first byte to last byte of the answer
    std::chrono::milliseconds idle_timeout{5000};      // keep-alive: wait for the next request
};

struct ListenOptions {
    ServerOptions server;
    CheckOptions check;
    std::optional<std::string> record_path;  // --record: appended, created 0600
    std::optional<std::uint64_t> max_events;
};

struct ListenOutput {
    // One event line (no newline). Called in acceptance order, never
    // concurrently. False: it could not be written; the listener stops.
    std::function<bool(std::string_view line)> event;
    Notify notice;
};

enum class StopCause { requested, max_events, output_failed };

class Listener {
public:
    // Binds the address (network (4) when it cannot; bad_input (3) for TLS
    // files and the record file), ready to accept once serve() runs.
    static Result<std::unique_ptr<Listener>> open(ListenOptions options, ListenOutput output,
                                                  std::vector<std::unique_ptr<EventAction>> actions);
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    // "http://127.0.0.1:PORT" (https:// with TLS; IPv6 hosts in brackets).
    const std::string& url() const;

    // Serves until `should_stop` says so (polled every 50 ms), --max-events
    // is reached, or an event line could not be written. Then stops
    // accepting, finishes the requests in flight and every action, and
    // returns once each accepted event's line was written.
    StopCause serve(const std::function<bool()>& should_stop);

    std::uint64_t accepted_events() const;

private:
    struct Impl;
    explicit Listener(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace callctl::listen
