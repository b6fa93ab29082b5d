// An HTTP/2 server over TLS (ALPN "h2" only) for the sandbox's APNs backend:
// cpp-httplib has no HTTP/2, APNs has nothing else. nghttp2's server session
// does the framing and OpenSSL the TLS; this file is the socket loop around
// them. Bounded: at most `max_connections` connections (a thread each, more
// are closed at once), `max_streams` concurrent streams per connection,
// request bodies of at most `max_body` bytes, an idle connection closed after
// `idle_timeout`; every wait polls the stop flag in 100 ms slices.
//
// Handlers run on the connection's thread, one request at a time per
// connection (a sandbox, not a benchmark subject; latency faults therefore
// delay the whole connection, as a slow APNs would).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "callctl/error.hpp"

namespace callctl::sandbox {

struct H2Request {
    std::string method;
    std::string path;       // :path, with any query
    std::string authority;  // :authority
    long long connection = 0;  // which connection it came on: 1, 2, ... in the order they were accepted
    std::vector<std::pair<std::string, std::string>> headers;  // regular headers, lower-case as HTTP/2 sends them
    std::string body;
    bool body_too_large = false;  // more than max_body arrived; `body` holds the first max_body bytes
};

struct H2Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // Instead of answering: reset just this stream (RST_STREAM INTERNAL_ERROR),
    // or close the whole connection without a word.
    bool reset_stream = false;
    bool close_connection = false;
    std::chrono::milliseconds delay{0};  // wait this long first
};

using H2Handler = std::function<H2Response(const H2Request&)>;

struct H2Limits {
    int max_connections = 64;
    unsigned max_streams = 128;
    std::size_t max_body = 64 * 1024;
    std::chrono::milliseconds idle_timeout{10000};
    std::chrono::milliseconds handshake_timeout{5000};
};

class H2Server {
public:
    H2Server(H2Handler handler, H2Limits limits = {});
    ~H2Server();  // stops and joins everything
    H2Server(const H2Server&) = delete;
    H2Server& operator=(const H2Server&) = delete;

    // Loads the PEM certificate and key and binds 127.0.0.1:port (0: any free
    // port). Returns the port. A bad certificate is bad_input, a busy port network.
    Result<int> bind(const std::string& cert_file, const std::string& key_file, int port);
    // Accepts connections on a thread of its own until stop().
    void start();
    void stop();

    struct Connection;  // one TLS + nghttp2 session, its thread

private:
    void accept_loop();
    void serve(int fd, long long number);

    H2Handler handler_;
    H2Limits limits_;
    std::shared_ptr<void> tls_context_;  // SSL_CTX
    int listener_ = -1;
    std::atomic<bool> stopping_{false};
    std::atomic<int> connections_{0};
    std::atomic<long long> accepted_{0};
    std::thread acceptor_;
    struct Worker {
        std::thread thread;
        std::shared_ptr<std::atomic<bool>> done;
    };
    std::mutex threads_mutex_;
    std::vector<Worker> threads_;
};

}  // namespace callctl::sandbox
