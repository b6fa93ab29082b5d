// Private RAII wrappers around libcurl: one easy handle (with everything a
// transfer writes into) and one multi handle. Nothing outside lib/src/http
// sees curl.h.
#pragma once

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <curl/curl.h>

#include "callctl/http/http.hpp"

namespace callctl::http::detail {

// curl_global_init, exactly once per process, before the first handle.
// Returns false when libcurl could not be initialised.
bool ensure_curl_global_init();

// What every transfer needs from ClientOptions, resolved once.
struct TransferSettings {
    std::chrono::milliseconds timeout = config::default_duration("timeout");
    std::chrono::milliseconds connect_timeout = config::default_duration("connect_timeout");
    std::string cacert;
    bool insecure = false;
    std::string user_agent;
    bool http2 = false;  // HTTP/2 over TLS, waiting to multiplex on an existing connection
    std::size_t max_reply_bytes = default_max_reply_bytes();  // a longer body is abandoned: too_large
};

// What one transfer produced, taken out of the handle once it is done.
struct TransferResult {
    long status = 0;
    std::string reason;
    std::vector<Header> headers;
    std::string body;
    bool too_large = false;  // the body passed max_reply_bytes, or the headers passed kMaxHeaderBytes
};

// A move-only owner of a CURL easy handle, its header list, error buffer and
// the buffers its callbacks fill. The state lives on the heap so the pointers
// handed to curl stay valid when the wrapper moves. prepare() resets the
// handle, which keeps its connections and DNS cache, so reusing one wrapper
// (or a pool of them in a multi handle) reuses connections.
class CurlEasy {
public:
    CurlEasy();
    ~CurlEasy();
    CurlEasy(CurlEasy&&) noexcept;
    CurlEasy& operator=(CurlEasy&&) noexcept;
    CurlEasy(const CurlEasy&) = delete;
    CurlEasy& operator=(const CurlEasy&) = delete;

    bool valid() const;
    CURL* handle() const;

    // Resets the handle and sets it up for `request`. `request` must outlive
    // the transfer (the body is not copied).
    CURLcode prepare(const Request& request, const TransferSettings& settings);

    TransferResult take_result();
    // curl's error buffer, else its generic text for `code`; for a reply
    // too large, which limit it passed.
    std::string error_text(CURLcode code) const;
    // classify(code), except that a reply over a size limit (ours, or
    // curl's own for one header line) is TransportFailure::too_large.
    TransportFailure failure_of(CURLcode code) const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

// A move-only owner of a CURLM handle. Transfers added to it share its
// connection cache and DNS cache.
class CurlMulti {
public:
    CurlMulti();
    ~CurlMulti();
    CurlMulti(CurlMulti&&) noexcept;
    CurlMulti& operator=(CurlMulti&&) noexcept;
    CurlMulti(const CurlMulti&) = delete;
    CurlMulti& operator=(const CurlMulti&) = delete;

    bool valid() const { return multi_ != nullptr; }
    CURLM* handle() const { return multi_; }

    // At most this many connections per host: bounds a batch's footprint on
    // the server and makes waiting transfers reuse finished connections.
    void set_max_host_connections(long count);
    // HTTP/2 multiplexing of transfers to one host over one connection.
    void set_multiplexing(bool on);

private:
    CURLM* multi_ = nullptr;
};

// CURLcode -> what the retry policy and the user need to know.
TransportFailure classify(CURLcode code);

// The standard reason phrase for a status, for HTTP/2 responses (which carry
// none) and logs.
std::string_view standard_reason(long status);

}  // namespace callctl::http::detail
