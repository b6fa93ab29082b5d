// A tiny HTTP/1.1 server on 127.0.0.1 for the http client's transport tests:
// raw POSIX sockets, one thread per connection, keep-alive, and scripted
// replies (answer, answer late, or drop the connection). Bounded: at most
// kMaxConnections connections, every wait polls the stop flag, and the
// destructor joins everything. Not the sandbox (tests/sandbox): this one only
// has to be small and predictable.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace callctl::testing {

struct RawRequest {
    std::string method;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    std::string header(const std::string& name) const {
        for (const auto& [key, value] : headers) {
            if (key.size() == name.size() &&
                std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
                return value;
            }
        }
        return {};
    }
};

struct Reply {
    std::string raw;                      // the whole response, as sent
    bool drop = false;                    // close the connection instead of answering
    std::chrono::milliseconds delay{0};   // wait this long first (stop-aware)
};

inline std::string http_response(int status, const std::string& reason, const std::string& body = {},
                                 const std::vector<std::string>& extra_headers = {}) {
    std::string raw = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
    raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    for (const auto& header : extra_headers) raw += header + "\r\n";
    raw += "\r\n" + body;
    return raw;
}

class TinyHttpServer {
public:
    // `number` counts requests from 1 across all connections.
    using Handler = std::function<Reply(const RawRequest& request, int number)>;
    static constexpr int kMaxConnections = 64;

    explicit TinyHttpServer(Handler handler) : handler_(std::move(handler)) {
        listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (listener_ < 0) throw std::runtime_error("socket failed");
        const int one = 1;
        ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        address.sin_port = 0;
        if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 64) != 0) {
            ::close(listener_);
            throw std::runtime_error("bind/listen failed");
        }
        socklen_t length = sizeof address;
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
        acceptor_ = std::thread([this] { accept_loop(); });
    }

    ~TinyHttpServer() {
        stop_ = true;
        if (acceptor_.joinable()) acceptor_.join();
        std::vector<std::thread> workers;
        {
            std::lock_guard lock(mutex_);
            workers.swap(workers_);
        }
        for (auto& worker : workers) worker.join();
        ::close(listener_);
    }

    TinyHttpServer(const TinyHttpServer&) = delete;
    TinyHttpServer& operator=(const TinyHttpServer&) = delete;

    int port() const { return port_; }
    std::string url(const std::string& path = "/") const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    int connections() const { return connections_; }
    int requests() const { return requests_; }

    // A port on which nothing listens (bound, then closed).
    static int closed_port() {
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
        socklen_t length = sizeof address;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
        ::close(fd);
        return ntohs(address.sin_port);
    }

private:
    // Waits for `fd` to be readable, checking the stop flag every 20 ms.
    bool wait_readable(int fd) const {
        while (!stop_) {
            pollfd entry{fd, POLLIN, 0};
            const int ready = ::poll(&entry, 1, 20);
            if (ready > 0) return true;
            if (ready < 0 && errno != EINTR) return false;
        }
        return false;
    }

    void accept_loop() {
        while (wait_readable(listener_)) {
            const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) continue;
            if (connections_ >= kMaxConnections) {
                ::close(fd);
                continue;
            }
            ++connections_;
            std::lock_guard lock(mutex_);
            workers_.emplace_back([this, fd] { serve(fd); });
        }
    }

    void serve(int fd) {
        std::string buffer;
        char chunk[4096];
        while (!stop_) {
            // Read one request: head up to the blank line, then Content-Length bytes.
            std::size_t head_end;
            while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
                if (!wait_readable(fd)) return close_fd(fd);
                const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
                if (got <= 0) return close_fd(fd);
                buffer.append(chunk, static_cast<std::size_t>(got));
            }
            RawRequest request = parse_head(buffer.substr(0, head_end));
            buffer.erase(0, head_end + 4);
            const std::string length_text = request.header("Content-Length");
            const std::size_t length = length_text.empty() ? 0 : std::stoul(length_text);
            while (buffer.size() < length) {
                if (!wait_readable(fd)) return close_fd(fd);
                const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
                if (got <= 0) return close_fd(fd);
                buffer.append(chunk, static_cast<std::size_t>(got));
            }
            request.body = buffer.substr(0, length);
            buffer.erase(0, length);

            const Reply reply = handler_(request, ++requests_);
            for (auto waited = std::chrono::milliseconds{0}; waited < reply.delay && !stop_; waited += std::chrono::milliseconds{10}) {
                std::this_thread::sleep_for(std::chrono::milliseconds{10});
            }
            if (reply.drop || stop_) return close_fd(fd);
            std::size_t sent = 0;
            while (sent < reply.raw.size()) {
                const ssize_t wrote = ::send(fd, reply.raw.data() + sent, reply.raw.size() - sent, MSG_NOSIGNAL);
                if (wrote <= 0) return close_fd(fd);
                sent += static_cast<std::size_t>(wrote);
            }
            if (reply.raw.find("Connection: close") != std::string::npos) return close_fd(fd);
        }
        close_fd(fd);
    }

    static void close_fd(int fd) { ::close(fd); }

    static RawRequest parse_head(const std::string& head) {
        RawRequest request;
        std::size_t line_start = 0;
        bool first = true;
        while (line_start <= head.size()) {
            std::size_t line_end = head.find("\r\n", line_start);
            if (line_end == std::string::npos) line_end = head.size();
            const std::string line = head.substr(line_start, line_end - line_start);
            if (first) {
                const auto space = line.find(' ');
                request.method = line.substr(0, space);
                request.target = line.substr(space + 1, line.rfind(' ') - space - 1);
                first = false;
            } else if (const auto colon = line.find(':'); colon != std::string::npos) {
                std::string value = line.substr(colon + 1);
                while (!value.empty() && value.front() == ' ') value.erase(0, 1);
                request.headers.emplace_back(line.substr(0, colon), value);
            }
            line_start = line_end + 2;
        }
        return request;
    }

    Handler handler_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    std::atomic<int> requests_{0};
    std::mutex mutex_;
    std::thread acceptor_;
    std::vector<std::thread> workers_;
};

}  // namespace callctl::testing
