// One accepted connection of the listen server, plain or TLS, where every
// wait has a deadline: the caller passes the earlier of the request's
// deadline and the per-read/-write timeout, so a client that trickles bytes
// is cut off at the deadline however often it sends.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "callctl/error.hpp"
#include "callctl/listen/listen.hpp"

struct ssl_ctx_st;
struct ssl_st;

namespace callctl::listen::detail {

using Clock = std::chrono::steady_clock;

// The server's certificate and key, loaded once and shared by every connection.
class TlsContext {
public:
    static Result<std::unique_ptr<TlsContext>> load(const TlsFiles& files);
    ~TlsContext();
    TlsContext(const TlsContext&) = delete;
    TlsContext& operator=(const TlsContext&) = delete;
    ssl_ctx_st* get() const { return ctx_; }

private:
    explicit TlsContext(ssl_ctx_st* ctx) : ctx_(ctx) {}
    ssl_ctx_st* ctx_;
};

enum class IoStatus { ok, eof, timeout, stopped, error };

class Connection {
public:
    // Takes ownership of `fd` (non-blocking). `tls` null: plain HTTP.
    Connection(int fd, std::string remote, const TlsContext* tls);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    const std::string& remote() const { return remote_; }
    bool is_tls() const { return ssl_ != nullptr; }

    IoStatus handshake(Clock::time_point deadline);
    // Appends at least one byte (up to `max`) to `buffer`, or says why not.
    IoStatus read_some(std::string& buffer, std::size_t max, Clock::time_point deadline);
    IoStatus write_all(std::string_view data, Clock::time_point deadline);
    // Waits for a request's first byte. `stop_fd` becoming readable ends the
    // wait (stopped) unless bytes have already arrived: those are in flight.
    IoStatus wait_readable(Clock::time_point deadline, int stop_fd);
    // After an answer sent without reading the body (413): send FIN, then
    // discard what still comes for a bounded time, so the client can read the
    // answer before the close turns into a reset.
    void linger_close();

private:
    IoStatus wait(short events, Clock::time_point deadline);
    // After an SSL call returned `rc`: waits for what OpenSSL wants (ok: try
    // again), or says why the connection is done.
    IoStatus await_tls(int rc, Clock::time_point deadline);

    int fd_;
    ssl_st* ssl_ = nullptr;
    std::string remote_;
};

}  // namespace callctl::listen::detail
