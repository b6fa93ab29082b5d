#include "listen/connection.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace callctl::listen::detail {

namespace {

constexpr auto linger_time = std::chrono::seconds(2);
constexpr std::size_t linger_bytes = std::size_t{4} << 20;

std::string openssl_error() {
    const unsigned long code = ERR_get_error();
    if (code == 0) return "unknown TLS error";
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

// EAGAIN and EWOULDBLOCK are the same number on Linux, not everywhere.
bool would_block(int error) {
#if EAGAIN == EWOULDBLOCK
    return error == EAGAIN;
#else
    return error == EAGAIN || error == EWOULDBLOCK;
#endif
}

int remaining_ms(Clock::time_point deadline) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return 0;
    return left > INT_MAX ? INT_MAX : static_cast<int>(left);
}

}  // namespace

// ---------------------------------------------------------------- TlsContext

Result<std::unique_ptr<TlsContext>> TlsContext::load(const TlsFiles& files) {
    ERR_clear_error();
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == nullptr) return make_error(ExitCode::internal, "cannot create a TLS context: " + openssl_error());
    std::unique_ptr<TlsContext> owner(new TlsContext(ctx));
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    // A client that drops the TCP connection without close_notify is an
    // ordinary end of connection here, not an error to report.
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (SSL_CTX_use_certificate_chain_file(ctx, files.cert.c_str()) != 1) {
        return make_error(ExitCode::bad_input, fmt::format("--tls-cert {}: {}", files.cert, openssl_error()));
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, files.key.c_str(), SSL_FILETYPE_PEM) != 1) {
        return make_error(ExitCode::bad_input, fmt::format("--tls-key {}: {}", files.key, openssl_error()));
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        return make_error(ExitCode::bad_input, fmt::format("--tls-key {} does not match --tls-cert {}", files.key, files.cert));
    }
    return owner;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

// ---------------------------------------------------------------- Connection

Connection::Connection(int fd, std::string remote, const TlsContext* tls) : fd_(fd), remote_(std::move(remote)) {
    if (tls != nullptr) {
        ssl_ = SSL_new(tls->get());
        if (ssl_ != nullptr && SSL_set_fd(ssl_, fd_) != 1) {
            SSL_free(ssl_);
            ssl_ = nullptr;
        }
        if (ssl_ == nullptr) {  // handshake() reports it
            ::close(fd_);
            fd_ = -1;
        }
    }
}

Connection::~Connection() {
    if (ssl_ != nullptr) {
        ERR_clear_error();
        SSL_shutdown(ssl_);  // one non-blocking try at close_notify; nobody waits for the reply
        SSL_free(ssl_);
    }
    if (fd_ >= 0) ::close(fd_);
}

IoStatus Connection::wait(short events, Clock::time_point deadline) {
    for (;;) {
        pollfd p{fd_, events, 0};
        const int n = ::poll(&p, 1, remaining_ms(deadline));
        if (n > 0) return (p.revents & (POLLERR | POLLNVAL)) != 0 && (p.revents & events) == 0 ? IoStatus::error : IoStatus::ok;
        if (n == 0) return IoStatus::timeout;
        if (errno != EINTR) return IoStatus::error;
    }
}

IoStatus Connection::handshake(Clock::time_point deadline) {
    if (fd_ < 0) return IoStatus::error;
    if (ssl_ == nullptr) return IoStatus::ok;
    for (;;) {
        ERR_clear_error();
        const int rc = SSL_accept(ssl_);
        if (rc == 1) return IoStatus::ok;
        if (const auto waited = await_tls(rc, deadline); waited != IoStatus::ok) return waited;
    }
}

IoStatus Connection::await_tls(int rc, Clock::time_point deadline) {
    const int error = SSL_get_error(ssl_, rc);
    if (error == SSL_ERROR_WANT_READ) return wait(POLLIN, deadline);
    if (error == SSL_ERROR_WANT_WRITE) return wait(POLLOUT, deadline);  // renegotiation, or a read needing a write
    return error == SSL_ERROR_ZERO_RETURN ? IoStatus::eof : IoStatus::error;
}

IoStatus Connection::read_some(std::string& buffer, std::size_t max, Clock::time_point deadline) {
    char chunk[16 * 1024];
    const std::size_t want = max < sizeof chunk ? max : sizeof chunk;
    if (want == 0) return IoStatus::error;
    for (;;) {
        IoStatus waited = IoStatus::error;
        if (ssl_ != nullptr) {
            ERR_clear_error();
            std::size_t got = 0;
            const int rc = SSL_read_ex(ssl_, chunk, want, &got);
            if (rc == 1) {
                buffer.append(chunk, got);
                return IoStatus::ok;
            }
            waited = await_tls(rc, deadline);
        } else {
            const ssize_t got = ::recv(fd_, chunk, want, 0);
            if (got > 0) {
                buffer.append(chunk, static_cast<std::size_t>(got));
                return IoStatus::ok;
            }
            if (got == 0) return IoStatus::eof;
            if (errno == EINTR) continue;
            if (!would_block(errno)) return IoStatus::error;
            waited = wait(POLLIN, deadline);
        }
        if (waited != IoStatus::ok) return waited;
    }
}

IoStatus Connection::write_all(std::string_view data, Clock::time_point deadline) {
    while (!data.empty()) {
        IoStatus waited = IoStatus::error;
        if (ssl_ != nullptr) {
            ERR_clear_error();
            std::size_t sent = 0;
            const int rc = SSL_write_ex(ssl_, data.data(), data.size(), &sent);
            if (rc == 1) {
                data.remove_prefix(sent);
                continue;
            }
            waited = await_tls(rc, deadline);
            if (waited == IoStatus::eof) return IoStatus::error;  // the peer closed: the answer is lost
        } else {
            const ssize_t sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (sent >= 0) {
                data.remove_prefix(static_cast<std::size_t>(sent));
                continue;
            }
            if (errno == EINTR) continue;
            if (!would_block(errno)) return IoStatus::error;
            waited = wait(POLLOUT, deadline);
        }
        if (waited != IoStatus::ok) return waited;
    }
    return IoStatus::ok;
}

IoStatus Connection::wait_readable(Clock::time_point deadline, int stop_fd) {
    if (ssl_ != nullptr && SSL_pending(ssl_) > 0) return IoStatus::ok;
    for (;;) {
        pollfd p[2] = {{fd_, POLLIN, 0}, {stop_fd, POLLIN, 0}};
        const int n = ::poll(p, 2, remaining_ms(deadline));
        if (n < 0) {
            if (errno == EINTR) continue;
            return IoStatus::error;
        }
        if (n == 0) return IoStatus::timeout;
        if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) return IoStatus::ok;  // read_some tells data from EOF
        return IoStatus::stopped;
    }
}

void Connection::linger_close() {
    if (fd_ < 0) return;
    if (ssl_ != nullptr) {
        ERR_clear_error();
        SSL_shutdown(ssl_);
        SSL_free(ssl_);
        ssl_ = nullptr;
    }
    ::shutdown(fd_, SHUT_WR);
    const auto deadline = Clock::now() + linger_time;
    std::size_t discarded = 0;
    char sink[16 * 1024];
    while (discarded < linger_bytes && wait(POLLIN, deadline) == IoStatus::ok) {
        const ssize_t got = ::recv(fd_, sink, sizeof sink, 0);
        if (got == 0) break;
        if (got < 0) {
            if (errno == EINTR || would_block(errno)) continue;
            break;
        }
        discarded += static_cast<std::size_t>(got);
    }
    ::close(fd_);
    fd_ = -1;
}

}  // namespace callctl::listen::detail
