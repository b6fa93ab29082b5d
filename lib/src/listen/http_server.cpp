#include "listen/http_server.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "listen/http_parse.hpp"

namespace callctl::listen::detail {

namespace {

constexpr int listen_backlog = 511;
constexpr std::size_t max_requests_per_connection = 1000;  // then close, so queued clients get a worker
constexpr auto idle_slice = std::chrono::milliseconds(100);
constexpr auto io_timeout_cap = std::chrono::milliseconds(5000);

std::string_view reason_phrase(int status) {
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return status < 500 ? "Client Error" : "Server Error";
    }
}

std::string response_text(int status, std::string_view body, bool close, bool head_only) {
    std::string text = fmt::format("HTTP/1.1 {} {}\r\nServer: callctl\r\nContent-Type: application/json\r\n"
                                   "Content-Length: {}\r\n{}Connection: {}\r\n\r\n",
                                   status, reason_phrase(status), body.size(), status == 405 ? "Allow: POST\r\n" : "",
                                   close ? "close" : "keep-alive");
    if (!head_only) text.append(body);
    return text;
}

std::string error_body(std::string_view reason) {
    return Json{{"ok", false}, {"error", reason}}.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string format_remote(const sockaddr_storage& address) {
    char text[INET6_ADDRSTRLEN] = "?";
    if (address.ss_family == AF_INET) {
        const auto& in4 = reinterpret_cast<const sockaddr_in&>(address);
        ::inet_ntop(AF_INET, &in4.sin_addr, text, sizeof text);
        return fmt::format("{}:{}", text, ntohs(in4.sin_port));
    }
    if (address.ss_family == AF_INET6) {
        const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
        ::inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
        return fmt::format("[{}]:{}", text, ntohs(in6.sin6_port));
    }
    return "?";
}

int bound_port(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return -1;
    if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(address).sin_port);
    if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(address).sin6_port);
    return -1;
}

void strip_blank_lines(std::string& buffer) {
    // RFC 9112 2.2: a server ignores empty lines before a request line.
    std::size_t n = 0;
    while (n < buffer.size() && (buffer[n] == '\r' || buffer[n] == '\n')) ++n;
    if (n > 0) buffer.erase(0, n);
}

// One connection, request after request.
class Session {
public:
    Session(Connection& connection, const ServerOptions& options, const HttpServer::Handler& handler, const Notify& notify,
            int stop_fd, const std::atomic<bool>& stopping, const WorkPool& pool)
        : conn_(connection), options_(options), handler_(handler), notify_(notify), stop_fd_(stop_fd), stopping_(stopping),
          pool_(pool), io_timeout_(std::min<std::chrono::milliseconds>(options.request_timeout, io_timeout_cap)) {}

    void run() {
        if (const auto shaken = conn_.handshake(Clock::now() + options_.request_timeout); shaken != IoStatus::ok) {
            if (shaken != IoStatus::eof) notify_(fmt::format("{}: TLS handshake failed: connection closed", conn_.remote()));
            return;
        }
        for (std::size_t served = 0; served < max_requests_per_connection; ++served) {
            if (!await_request(served > 0)) return;
            if (!serve_one(served + 1 == max_requests_per_connection)) return;
        }
    }

private:
    Clock::time_point io_deadline(Clock::time_point request_deadline) const {
        return std::min(request_deadline, Clock::now() + io_timeout_);
    }

    std::string seconds_text() const {
        return fmt::format("{:g} s", static_cast<double>(options_.request_timeout.count()) / 1000.0);
    }

    // Until a request's first byte is here. An idle keep-alive connection
    // gives its worker up early when other connections are waiting for one.
    bool await_request(bool kept_alive) {
        strip_blank_lines(in_);
        while (in_.empty()) {
            const auto idle_deadline = Clock::now() + options_.idle_timeout;
            for (;;) {
                const auto status = conn_.wait_readable(std::min(idle_deadline, Clock::now() + idle_slice), stop_fd_);
                if (status == IoStatus::ok) break;
                if (status != IoStatus::timeout || Clock::now() >= idle_deadline) return false;
                if (kept_alive && pool_.waiting() > 0) return false;
            }
            if (conn_.read_some(in_, 16 * 1024, Clock::now() + io_timeout_) != IoStatus::ok) return false;
            strip_blank_lines(in_);
        }
        return true;
    }

    bool send(int status, std::string_view body, bool close, bool head_only = false) {
        return conn_.write_all(response_text(status, body, close, head_only), Clock::now() + io_timeout_) == IoStatus::ok;
    }

    // Refused before the head was whole: no request to hand on, only a notice.
    bool refuse_head(int status, const std::string& reason) {
        notify_(fmt::format("{}: {}: answered {}", conn_.remote(), reason, status));
        if (send(status, error_body(reason), true)) conn_.linger_close();
        return false;
    }

    // Reads the body into `request.body`, or marks the request refused. False:
    // the connection ended (nothing to answer).
    bool read_body(const RequestHead& head, const BodyFraming& framing, Clock::time_point deadline, Request& request) {
        const auto timed_out = [&] {
            request.refused = Request::Refusal{408, fmt::format("request not complete within {}", seconds_text())};
        };
        if (framing.kind == BodyFraming::Kind::length) {
            if (framing.length > max_body_bytes) {
                request.refused = Request::Refusal{413, fmt::format("the body is {} bytes, over the 1 MiB limit", framing.length)};
                return true;
            }
            const auto length = static_cast<std::size_t>(framing.length);
            if (expects_continue(head) && in_.size() < length && !send(100, {}, false, true)) return false;
            while (in_.size() < length) {
                const auto status = conn_.read_some(in_, length - in_.size(), io_deadline(deadline));
                if (status == IoStatus::timeout) {
                    timed_out();
                    return true;
                }
                if (status != IoStatus::ok) return false;
            }
            request.body.assign(in_, 0, length);
            in_.erase(0, length);
            return true;
        }
        if (framing.kind == BodyFraming::Kind::chunked) {
            if (expects_continue(head) && in_.empty() && !send(100, {}, false, true)) return false;
            ChunkedDecoder decoder(max_body_bytes);
            for (;;) {
                std::size_t consumed = 0;
                const auto state = decoder.feed(in_, consumed, request.body);
                in_.erase(0, consumed);
                if (state == ChunkedDecoder::State::done) return true;
                if (state == ChunkedDecoder::State::too_large) {
                    request.refused = Request::Refusal{413, "the chunked body is over the 1 MiB limit"};
                    return true;
                }
                if (state == ChunkedDecoder::State::bad) {
                    request.refused = Request::Refusal{400, "broken chunked body: " + decoder.error()};
                    return true;
                }
                const auto status = conn_.read_some(in_, 16 * 1024, io_deadline(deadline));
                if (status == IoStatus::timeout) {
                    timed_out();
                    return true;
                }
                if (status != IoStatus::ok) return false;
            }
        }
        return true;
    }

    // One request and its answer. False: close the connection.
    bool serve_one(bool last) {
        const auto deadline = Clock::now() + options_.request_timeout;
        std::size_t head_end = 0;
        while ((head_end = find_head_end(in_)) == 0) {
            if (in_.size() > max_head_bytes) return refuse_head(431, "request head over 16 KiB");
            const auto status = conn_.read_some(in_, max_head_bytes + 1 - in_.size(), io_deadline(deadline));
            if (status == IoStatus::timeout) {
                return refuse_head(408, fmt::format("request head not complete within {}", seconds_text()));
            }
            if (status != IoStatus::ok) return false;
        }
        if (head_end > max_head_bytes) return refuse_head(431, "request head over 16 KiB");
        auto head = parse_request_head(std::string_view(in_).substr(0, head_end));
        if (!head) return refuse_head(400, "bad HTTP request: " + head.error().message);
        in_.erase(0, head_end);

        Request request;
        request.method = head->method;
        request.target = head->target;
        request.remote = conn_.remote();
        request.received_at = std::chrono::system_clock::now();
        auto framing = body_framing(*head);
        if (!framing) {
            request.refused = Request::Refusal{400, framing.error().message};
        } else if (!read_body(*head, *framing, deadline, request)) {
            return false;
        }
        request.headers = std::move(head->headers);
        // After a refusal mid-body the rest of it is still on the wire: the
        // connection cannot carry another request.
        const bool body_unread = request.refused.has_value();
        if (body_unread) request.body.clear();
        const bool head_only = request.method == "HEAD";

        const Answer answer = handler_(std::move(request));
        const bool close = last || body_unread || !keeps_alive(*head) || stopping_.load();
        if (!send(answer.status, answer.body, close, head_only)) return false;
        if (body_unread) conn_.linger_close();
        return !close;
    }

    Connection& conn_;
    const ServerOptions& options_;
    const HttpServer::Handler& handler_;
    const Notify& notify_;
    int stop_fd_;
    const std::atomic<bool>& stopping_;
    const WorkPool& pool_;
    std::chrono::milliseconds io_timeout_;
    std::string in_;  // received, not yet consumed (a pipelined next request may follow)
};

}  // namespace

HttpServer::HttpServer(const ServerOptions& options, Handler handler, Notify notify)
    : options_(options), handler_(std::move(handler)), notify_(std::move(notify)) {}

Result<std::unique_ptr<HttpServer>> HttpServer::bind(const ServerOptions& options, Handler handler, Notify notify) {
    std::unique_ptr<HttpServer> server(new HttpServer(options, std::move(handler), std::move(notify)));
    if (options.workers == 0) return make_error(ExitCode::usage, "the server needs at least one worker");
    if (options.tls) {
        auto tls = TlsContext::load(*options.tls);
        if (!tls) return std::move(tls).error();
        server->tls_ = std::move(*tls);
    }
    server->stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (server->stop_fd_ < 0) return make_error(ExitCode::internal, fmt::format("eventfd: {}", std::strerror(errno)));

    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(options.port);
    if (const int rc = ::getaddrinfo(options.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
        return make_error(ExitCode::network, fmt::format("cannot listen on {}: {}", options.host, ::gai_strerror(rc)));
    }
    int last_errno = 0;
    for (const addrinfo* ai = found; ai != nullptr && server->listen_fd_ < 0; ai = ai->ai_next) {
        const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        const int one = 1;
        ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, listen_backlog) == 0) {
            server->listen_fd_ = fd;
        } else {
            last_errno = errno;
            ::close(fd);
        }
    }
    ::freeaddrinfo(found);
    if (server->listen_fd_ < 0) {
        return make_error(ExitCode::network, fmt::format("cannot listen on {} port {}: {}", options.host, options.port,
                                                         std::strerror(last_errno)));
    }
    const bool ipv6_literal = options.host.find(':') != std::string::npos;
    server->url_ = fmt::format("{}://{}{}{}:{}", options.tls ? "https" : "http", ipv6_literal ? "[" : "", options.host,
                               ipv6_literal ? "]" : "", bound_port(server->listen_fd_));
    return server;
}

HttpServer::~HttpServer() {
    stop();
    if (stop_fd_ >= 0) ::close(stop_fd_);
}

void HttpServer::start() {
    // Up to four waiting connections per worker; beyond that the accept loop
    // waits and the kernel's backlog holds the rest.
    pool_ = std::make_unique<WorkPool>(options_.workers, options_.workers * 4);
    acceptor_ = std::thread([this] { accept_loop(); });
}

void HttpServer::accept_loop() {
    auto last_notice = Clock::time_point{};
    for (;;) {
        pollfd p[2] = {{listen_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
        if (::poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            notify_(fmt::format("the server stopped accepting: poll: {}", std::strerror(errno)));
            return;
        }
        if ((p[1].revents & POLLIN) != 0) return;
        sockaddr_storage address{};
        socklen_t length = sizeof address;
        const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                // Out of descriptors: say so (once a second at most) and let
                // the connections in hand finish before trying again.
                if (Clock::now() - last_notice > std::chrono::seconds(1)) {
                    notify_(fmt::format("cannot accept a connection: {}", std::strerror(errno)));
                    last_notice = Clock::now();
                }
                pollfd wait_stop{stop_fd_, POLLIN, 0};
                ::poll(&wait_stop, 1, 100);
            }
            continue;
        }
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        std::string remote = format_remote(address);
        const bool queued = pool_->submit([this, fd, remote = std::move(remote)](std::size_t) { serve(fd, remote); });
        if (!queued) {
            ::close(fd);
            return;
        }
    }
}

void HttpServer::serve(int fd, const std::string& remote) {
    Connection connection(fd, remote, tls_.get());
    Session(connection, options_, handler_, notify_, stop_fd_, stopping_, *pool_).run();
}

void HttpServer::stop() {
    stopping_.store(true);
    if (stop_fd_ >= 0) {
        const std::uint64_t one = 1;
        [[maybe_unused]] const auto ignored = ::write(stop_fd_, &one, sizeof one);
    }
    if (acceptor_.joinable()) acceptor_.join();
    if (listen_fd_ >= 0) {
        ::close(listen_fd_);
        listen_fd_ = -1;
    }
    if (pool_) pool_->shutdown();
}

}  // namespace callctl::listen::detail
