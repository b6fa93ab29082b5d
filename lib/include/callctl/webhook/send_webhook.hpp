// send-webhook (callctl(1), "send-webhook"): what to send, signed how, and
// what came of it. Inputs are one webhook body, a `listen --record` file
// (replayed request by request), or a built-in example (examples.hpp);
// --set edits each body before it is signed. Every request is signed afresh
// (Kaleyra bandyer-signature with the current t, or room-id-hmac; Webex
// X-Spark-Signature) through push/signature.hpp, and POSTed once: a webhook is
// never retried once the receiver may have got it (http::Replay::unsafe).
// Nothing here prints.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "callctl/error.hpp"
#include "callctl/http/http.hpp"
#include "callctl/push/push.hpp"
#include "callctl/webhook/examples.hpp"

namespace callctl::webhook {

// The largest body send-webhook sends (listen's limit too), and the largest
// input (a body or a record file) it reads.
inline constexpr std::size_t max_body_bytes = std::size_t{1} << 20;      // 1 MiB
inline constexpr std::size_t max_input_bytes = std::size_t{64} << 20;    // 64 MiB

// Reads FILE ("-": standard input) whole, refusing more than `limit` bytes
// without reading them: bad_input (3).
Result<std::string> read_input(const std::string& path, std::size_t limit = max_input_bytes);

// ---------------------------------------------------------------- --set

// --set a.b.c=VALUE: the path split at dots ("\." is a dot inside a key, "\\"
// a backslash), VALUE as JSON where it parses as JSON, else as a string.
struct FieldAssignment {
    std::string path_text;          // as given, for messages
    std::vector<std::string> path;  // at least one key, none empty
    Json value;
};
// Usage (2): no '=', an empty path or key.
Result<FieldAssignment> parse_assignment(std::string_view text);
// Sets the field, creating missing objects on the way. A body or a path step
// that is not an object is usage (2), naming the step.
Status apply_assignment(Json& body, const FieldAssignment& assignment);

// ---------------------------------------------------------------- inputs

enum class KaleyraScheme { v1, v1_millis, v0 };
Result<KaleyraScheme> parse_kaleyra_scheme(std::string_view text);  // "v1", "v1-ms", "v0"; usage (2) otherwise
std::string_view to_string(KaleyraScheme scheme);                    // "kaleyra-v1", "kaleyra-v1" (ms), "kaleyra-v0"

// One request to make.
struct Webhook {
    std::string body;      // the exact bytes to send (re-serialised, compact, only when --set changed it)
    push::Vendor vendor;   // kaleyra or webex
    std::string event;     // as the body names it: "on_call_incoming", "telephony_push", "" when unknown
    // From a record: the headers to send again (every recorded one except
    // Host, Content-Length, the signature headers and hop-by-hop ones), and
    // the scheme its signature was in (re-signed alike unless told otherwise).
    std::vector<http::Header> headers;
    std::optional<KaleyraScheme> recorded_scheme;
    std::size_t line = 0;  // its line in the record file; 0: not from a record
};

struct InputOptions {
    push::Vendor vendor = push::Vendor::auto_detect;  // --vendor
    std::vector<FieldAssignment> assignments;         // --set, in order
    std::string origin;                               // "body.json", "standard input": for messages
};

struct Inputs {
    std::vector<Webhook> webhooks;
    bool from_record = false;
    std::vector<std::string> notes;  // record lines skipped, and why (for stderr)
};

// FILE's content: one webhook body, or a `listen --record` file (JSON lines
// {"received_at","method","path","headers","body"|"body_base64"}; a one-line
// record is told from a body by those keys). Record lines that are not POSTs,
// whose body was not recorded, or (without --vendor) are not a Kaleyra or
// Webex webhook are skipped with a note. Bad input (3): malformed JSON or a
// malformed record line (naming it), a body over max_body_bytes, a header
// with a line break, a lone body that is no known webhook, a record with
// nothing to send. Usage (2): --set through a non-object.
Result<Inputs> read_inputs(std::string_view content, const InputOptions& options);
// --event NAME: the built-in example, edited by --set.
Result<Webhook> example_input(std::string_view event, const ExampleParams& params, const InputOptions& options);

// ---------------------------------------------------------------- signing

struct SignOptions {
    std::optional<std::string> kaleyra_api_key;   // --kaleyra-key-file, CALLCTL_KALEYRA_API_KEY
    std::optional<std::string> webex_secret;      // --webex-secret-file, CALLCTL_WEBEX_SECRET
    std::optional<KaleyraScheme> kaleyra_scheme;  // --kaleyra-signature; default: as recorded, else v1
    bool unsigned_requests = false;               // --unsigned: no signature header at all
};

// Before anything is sent: every webhook can be signed (its vendor's secret
// is there: else auth (5) naming the flag and variable; a v0 signature needs a
// room_id: else bad_input (3)).
Status check_signable(const std::vector<Webhook>& webhooks, const SignOptions& options);

struct SignedRequest {
    http::Request request;
    std::string scheme;  // "kaleyra-v1", "kaleyra-v0", "webex", "none"
};
// POST `to` with the body, the kept headers, Content-Type (application/json
// unless recorded) and a signature made at `now`.
Result<SignedRequest> signed_request(const Webhook& webhook, const std::string& to, const SignOptions& options,
                                     std::chrono::system_clock::time_point now);

// ---------------------------------------------------------------- results

struct Delivery {
    std::string to;
    std::optional<long> status;  // none: no answer (error says why)
    bool ok = false;             // answered 2xx
    push::Vendor vendor = push::Vendor::auto_detect;
    std::string event;
    std::string signature;  // the scheme signed with
    std::size_t line = 0;
    int attempts = 1;
    std::chrono::milliseconds elapsed{0};
    std::string error;    // transport failure, in one line
    std::string message;  // the receiver's own words on a non-2xx answer
    ExitCode code = ExitCode::ok;  // 0, 6 (3xx/4xx), 7 (5xx), 4 (no answer), 130
};
// What an outcome of http::Client::send means for `webhook`.
Delivery delivery_of(const Webhook& webhook, const SignedRequest& sent, const http::Outcome& outcome);
// {"to","status","ok","vendor","event","signature"[,"line"],"attempts","elapsed_ms"[,"error"|"message"]}
Json to_json(const Delivery& delivery);

// Whether `to` is an http:// or https:// URL with a host: usage (2) otherwise.
Status check_target_url(std::string_view to);

}  // namespace callctl::webhook
