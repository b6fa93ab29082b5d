// The listen server's HTTP/1.1 transport: its own small server rather than
// cpp-httplib, because Debian's cpp-httplib 0.11.4 is built as a shared
// library whose internals (the per-connection loop) are out of reach, and
// what it offers cannot bound a request: its read timeout restarts with
// every recv (a byte a second never trips it), its ThreadPool queue is
// unbounded, a chunked or length-less body is read without limit, and an
// over-long Content-Length body is read to the end before the 413. Here:
// a fixed pool of workers over a bounded queue (a full queue stops the accept
// loop, leaving clients in the kernel's backlog), every wait bounded by the
// request's deadline, the body limit applied from Content-Length before a byte
// of the body is read and while decoding chunks, and a stop that finishes the
// requests in flight.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "callctl/error.hpp"
#include "callctl/listen/listen.hpp"
#include "listen/connection.hpp"
#include "listen/work_pool.hpp"

namespace callctl::listen::detail {

struct Answer {
    int status = 200;
    std::string body;  // JSON text
};

class HttpServer {
public:
    // Called on a worker for every request whose head was read, also for
    // those the server refused itself (Request::refused): 413, broken framing,
    // past the deadline.
    using Handler = std::function<Answer(Request&&)>;

    static Result<std::unique_ptr<HttpServer>> bind(const ServerOptions& options, Handler handler, Notify notify);
    ~HttpServer();  // stop()
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    const std::string& url() const { return url_; }
    void start();
    // Stops accepting; idle connections close at once; requests in flight are
    // finished and answered. Returns when every worker is done. Idempotent.
    void stop();

private:
    HttpServer(const ServerOptions& options, Handler handler, Notify notify);
    void accept_loop();
    void serve(int fd, const std::string& remote);

    ServerOptions options_;
    Handler handler_;
    Notify notify_;
    std::unique_ptr<TlsContext> tls_;
    int listen_fd_ = -1;
    int stop_fd_ = -1;  // an eventfd: readable once stop() began
    std::atomic<bool> stopping_{false};
    std::string url_;
    std::unique_ptr<WorkPool> pool_;
    std::thread acceptor_;
};

}  // namespace callctl::listen::detail
