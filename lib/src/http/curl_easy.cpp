#include "http/curl_easy.hpp"

#include <mutex>
#include <utility>

#include <fmt/format.h>

#include "callctl/util/interrupt.hpp"
#include "callctl/util/strings.hpp"

namespace callctl::http::detail {

bool ensure_curl_global_init() {
    // A function-local static is initialised once, thread-safely. curl is
    // never globally cleaned up: the process exit does that, and cleanup while
    // another thread holds a handle would be a crash.
    static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    return ok;
}

namespace {

// All the header lines of one reply together, at most: below curl 7.88's own
// 300 KB (which it reports as a receive error, as if the network failed). It
// refuses one line over 100 KB itself (CURL_MAX_HTTP_HEADER).
constexpr std::size_t kMaxHeaderBytes = 256 << 10;

// What the body and header callbacks fill, and how far they may go.
struct Sink {
    TransferResult result;
    std::size_t max_body = 0;
    std::size_t header_bytes = 0;
    bool headers_done = false;  // the blank line that ends a reply's headers arrived
};

}  // namespace

struct CurlEasy::State {
    CURL* curl = nullptr;
    curl_slist* request_headers = nullptr;
    std::array<char, CURL_ERROR_SIZE> error{};
    Sink sink;
    std::size_t max_body = 0;  // the limit of the transfer prepared last, for error_text

    ~State() {
        if (curl != nullptr) curl_easy_cleanup(curl);
        curl_slist_free_all(request_headers);
    }
};

namespace {

extern "C" size_t on_body(char* data, size_t size, size_t count, void* user) {
    auto* sink = static_cast<Sink*>(user);
    TransferResult* result = &sink->result;
    const size_t bytes = size * count;
    // A server that sends more than it announced, or announced nothing
    // (chunked): CURLOPT_MAXFILESIZE_LARGE cannot see it coming. Stop before
    // the memory is spent: returning less than `bytes` aborts the transfer.
    if (bytes > sink->max_body - result->body.size()) {
        result->too_large = true;
        return 0;
    }
    try {
        result->body.append(data, bytes);
    } catch (...) {
        return 0;  // out of memory: curl reports a write error
    }
    return bytes;
}

extern "C" size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* sink = static_cast<Sink*>(user);
    TransferResult* result = &sink->result;
    const size_t bytes = size * count;
    sink->header_bytes += bytes;
    if (sink->header_bytes > kMaxHeaderBytes) {
        result->too_large = true;
        return 0;
    }
    try {
        std::string_view line(data, bytes);
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
        if (line.empty()) {
            sink->headers_done = true;
        } else if (util::starts_with(line, "HTTP/")) {
            sink->headers_done = false;  // a 100 Continue's blank line came before this one
            // A new status line: a 100 Continue, a proxy's CONNECT answer or
            // the final response. Keep only the last one's headers.
            result->headers.clear();
            result->reason.clear();
            const auto first_space = line.find(' ');
            if (first_space != std::string_view::npos) {
                const auto second_space = line.find(' ', first_space + 1);
                if (second_space != std::string_view::npos) result->reason = util::trim(line.substr(second_space + 1));
            }
        } else if (const auto colon = line.find(':'); colon != std::string_view::npos && colon > 0) {
            result->headers.push_back(
                {std::string(util::trim(line.substr(0, colon))), std::string(util::trim(line.substr(colon + 1)))});
        }
    } catch (...) {
        return 0;
    }
    return bytes;
}

// Called often during a transfer and about once a second when idle; a
// non-zero return aborts it (CURLE_ABORTED_BY_CALLBACK), so Ctrl-C stops a
// transfer that is stuck waiting for a slow server.
extern "C" int on_progress(void* /*user*/, curl_off_t /*dltotal*/, curl_off_t /*dlnow*/, curl_off_t /*ultotal*/,
                           curl_off_t /*ulnow*/) {
    return util::interrupted() ? 1 : 0;
}

bool has_header(const Request& request, std::string_view name) {
    for (const auto& header : request.headers) {
        if (util::iequals(header.name, name)) return true;
    }
    return false;
}

}  // namespace

CurlEasy::CurlEasy() : state_(std::make_unique<State>()) {
    if (ensure_curl_global_init()) state_->curl = curl_easy_init();
}
CurlEasy::~CurlEasy() = default;
CurlEasy::CurlEasy(CurlEasy&&) noexcept = default;
CurlEasy& CurlEasy::operator=(CurlEasy&&) noexcept = default;

bool CurlEasy::valid() const { return state_ && state_->curl != nullptr; }
CURL* CurlEasy::handle() const { return state_ ? state_->curl : nullptr; }

CURLcode CurlEasy::prepare(const Request& request, const TransferSettings& settings) {
    if (!valid()) return CURLE_FAILED_INIT;
    State& s = *state_;
    // Reset keeps live connections, the DNS cache and TLS session IDs.
    curl_easy_reset(s.curl);
    curl_slist_free_all(s.request_headers);
    s.request_headers = nullptr;
    s.error.fill('\0');
    s.sink = Sink{};
    s.sink.max_body = settings.max_reply_bytes;
    s.max_body = settings.max_reply_bytes;

    for (const auto& header : request.headers) {
        // "Name;" is how curl sends a header with an empty value.
        const std::string line = header.value.empty() ? header.name + ";" : header.name + ": " + header.value;
        curl_slist* grown = curl_slist_append(s.request_headers, line.c_str());
        if (grown == nullptr) return CURLE_OUT_OF_MEMORY;
        s.request_headers = grown;
    }
    // curl waits up to a second for "100 Continue" before sending a body over
    // 1 KiB; our servers never ask for it, so do not offer it.
    if (!request.body.empty() && !has_header(request, "Expect")) {
        curl_slist* grown = curl_slist_append(s.request_headers, "Expect:");
        if (grown == nullptr) return CURLE_OUT_OF_MEMORY;
        s.request_headers = grown;
    }

    CURLcode rc = CURLE_OK;
    const auto set = [&](CURLoption option, auto value) {
        if (rc == CURLE_OK) rc = curl_easy_setopt(s.curl, option, value);
    };
    set(CURLOPT_URL, request.url.c_str());
    // Tokens only ever travel over HTTP(S): no file://, no gopher://.
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    // No SIGALRM for DNS timeouts: signal handling is callctl's (SIGINT and
    // SIGTERM set the stop flag, see interrupt.hpp), and curl's alarm() would
    // interrupt unrelated system calls; Debian's threaded resolver needs none.
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_TIMEOUT_MS, static_cast<long>(settings.timeout.count()));
    set(CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings.connect_timeout.count()));
    // A 3xx comes back as a Response: following it would send the bearer
    // token to whatever host the Location names.
    set(CURLOPT_FOLLOWLOCATION, 0L);
    // Proxies: nothing here sets CURLOPT_PROXY or CURLOPT_NOPROXY, so libcurl
    // honours http_proxy, https_proxy / HTTPS_PROXY, ALL_PROXY and NO_PROXY
    // from the environment, as curl(1) does (upper-case HTTP_PROXY is ignored
    // by curl on purpose: "httpoxy").
    set(CURLOPT_SSL_VERIFYPEER, settings.insecure ? 0L : 1L);
    set(CURLOPT_SSL_VERIFYHOST, settings.insecure ? 0L : 2L);
    if (!settings.cacert.empty()) set(CURLOPT_CAINFO, settings.cacert.c_str());
    set(CURLOPT_USERAGENT, settings.user_agent.c_str());
    // No Accept-Encoding (curl's own default). Call logs and tokens are a few
    // KB; offering gzip/br let servers spend milliseconds compressing each one
    // (measured: 1000 call logs took 700 ms with "" against 65 ms without).
    set(CURLOPT_ACCEPT_ENCODING, static_cast<const char*>(nullptr));
    if (settings.http2) {
        // ALPN "h2" (falling back to HTTP/1.1 only if the server refuses it),
        // and a transfer waits for a connection that is being set up rather
        // than opening its own: all of a batch share one.
        set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
        set(CURLOPT_PIPEWAIT, 1L);
    }
    set(CURLOPT_HTTPHEADER, s.request_headers);
    set(CURLOPT_ERRORBUFFER, s.error.data());
    set(CURLOPT_WRITEFUNCTION, on_body);
    set(CURLOPT_WRITEDATA, static_cast<void*>(&s.sink));
    set(CURLOPT_HEADERFUNCTION, on_header);
    set(CURLOPT_HEADERDATA, static_cast<void*>(&s.sink));
    // A Content-Length over the limit fails at once (CURLE_FILESIZE_EXCEEDED),
    // before a byte of the body is read; on_body catches the rest.
    set(CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(settings.max_reply_bytes));
    set(CURLOPT_XFERINFOFUNCTION, on_progress);
    set(CURLOPT_NOPROGRESS, 0L);

    const auto set_body = [&] {
        set(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        set(CURLOPT_POSTFIELDS, request.body.data());
    };
    switch (request.method) {
    case Method::get:
        set(CURLOPT_HTTPGET, 1L);
        break;
    case Method::post:
        set_body();
        break;
    case Method::put:
        set_body();
        set(CURLOPT_CUSTOMREQUEST, "PUT");
        break;
    case Method::del:
        // CUSTOMREQUEST changes only the method word: with POSTFIELDS a
        // DELETE carries its body and Content-Length.
        if (!request.body.empty()) set_body();
        set(CURLOPT_CUSTOMREQUEST, "DELETE");
        break;
    }
    return rc;
}

TransferResult CurlEasy::take_result() {
    if (!valid()) return {};
    TransferResult result = std::move(state_->sink.result);
    state_->sink = Sink{};
    long status = 0;
    curl_easy_getinfo(state_->curl, CURLINFO_RESPONSE_CODE, &status);
    result.status = status;
    if (result.reason.empty()) result.reason = std::string(standard_reason(status));
    return result;
}

namespace {

// curl 7.88 refuses one header line over CURL_MAX_HTTP_HEADER (100 KB) with
// CURLE_OUT_OF_MEMORY and no message (its header buffer's size cap). Memory
// that truly ran out before the headers ended reads the same: rare enough.
bool curl_refused_a_header(CURLcode code, const Sink& sink) { return code == CURLE_OUT_OF_MEMORY && !sink.headers_done; }

std::string mib_text(std::size_t bytes) {
    if (bytes % (1 << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
    return fmt::format("{} bytes", bytes);
}

}  // namespace

TransportFailure CurlEasy::failure_of(CURLcode code) const {
    if (state_ && (state_->sink.result.too_large || code == CURLE_FILESIZE_EXCEEDED ||
                   curl_refused_a_header(code, state_->sink))) {
        return TransportFailure::too_large;
    }
    return classify(code);
}

std::string CurlEasy::error_text(CURLcode code) const {
    if (state_ && failure_of(code) == TransportFailure::too_large) {
        if (state_->sink.header_bytes > kMaxHeaderBytes || curl_refused_a_header(code, state_->sink)) {
            return curl_refused_a_header(code, state_->sink)
                       ? "a reply header line is over 100 KB"
                       : fmt::format("the reply headers are over {} KiB", kMaxHeaderBytes >> 10);
        }
        return fmt::format("the reply body is over the {} limit (--max-reply-mib)", mib_text(state_->max_body));
    }
    if (state_ && state_->error[0] != '\0') {
        std::string text(state_->error.data());
        while (!text.empty() && (text.back() == '\n' || text.back() == '.')) text.pop_back();
        return text;
    }
    return curl_easy_strerror(code);
}

CurlMulti::CurlMulti() {
    if (ensure_curl_global_init()) multi_ = curl_multi_init();
}
CurlMulti::~CurlMulti() {
    if (multi_ != nullptr) curl_multi_cleanup(multi_);
}
CurlMulti::CurlMulti(CurlMulti&& other) noexcept : multi_(std::exchange(other.multi_, nullptr)) {}
CurlMulti& CurlMulti::operator=(CurlMulti&& other) noexcept {
    if (this != &other) {
        if (multi_ != nullptr) curl_multi_cleanup(multi_);
        multi_ = std::exchange(other.multi_, nullptr);
    }
    return *this;
}

void CurlMulti::set_max_host_connections(long count) {
    if (multi_ != nullptr) curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, count);
}

void CurlMulti::set_multiplexing(bool on) {
    if (multi_ != nullptr) curl_multi_setopt(multi_, CURLMOPT_PIPELINING, on ? CURLPIPE_MULTIPLEX : CURLPIPE_NOTHING);
}

TransportFailure classify(CURLcode code) {
    switch (code) {
    case CURLE_COULDNT_CONNECT:
        return TransportFailure::refused;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return TransportFailure::resolve;
    case CURLE_OPERATION_TIMEDOUT:
        return TransportFailure::timeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
        return TransportFailure::tls;
    case CURLE_SEND_ERROR:
        return TransportFailure::send;
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return TransportFailure::receive;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return TransportFailure::bad_url;
    case CURLE_ABORTED_BY_CALLBACK:
        return util::interrupted() ? TransportFailure::interrupted : TransportFailure::other;
    default:
        return TransportFailure::other;
    }
}

std::string_view standard_reason(long status) {
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
    }
}

}  // namespace callctl::http::detail
