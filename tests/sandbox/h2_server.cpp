#include "h2_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <map>

#include <fmt/format.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace callctl::sandbox {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kSlice{100};  // the longest any wait goes without looking at the stop flag
constexpr std::size_t kMaxHeaders = 64;
constexpr unsigned char kAlpnH2[] = {2, 'h', '2'};

// ALPN: "h2" or nothing (a client that cannot speak HTTP/2 gets a TLS alert,
// as from APNs).
extern "C" int select_h2(SSL* /*ssl*/, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
                         unsigned int in_length, void* /*arg*/) {
    unsigned char* selected = nullptr;
    unsigned char selected_length = 0;
    if (SSL_select_next_proto(&selected, &selected_length, kAlpnH2, sizeof kAlpnH2, in, in_length) != OPENSSL_NPN_NEGOTIATED) {
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    *out = selected;
    *out_length = selected_length;
    return SSL_TLSEXT_ERR_OK;
}

bool set_nonblocking(int fd) {
    const int flags = ::fcntl(fd, F_GETFL, 0);
    return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

// Waits for `events` on fd, in slices, until `deadline` or a stop. True when ready.
bool wait_for(int fd, short events, Clock::time_point deadline, const std::atomic<bool>& stopping) {
    while (!stopping.load()) {
        const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd, events, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(std::min(left, kSlice).count()));
        if (ready > 0) return true;
        if (ready < 0 && errno != EINTR) return false;
    }
    return false;
}

struct Stream {
    H2Request request;
    std::size_t header_count = 0;
    std::string response_body;
    std::size_t sent = 0;
};

}  // namespace

struct H2Server::Connection {
    H2Server& server;
    int fd;
    SSL* ssl = nullptr;
    nghttp2_session* session = nullptr;
    std::map<std::int32_t, std::unique_ptr<Stream>> streams;
    std::deque<std::int32_t> complete;  // requests received in full, to be answered
    bool close_now = false;

    long long number;

    Connection(H2Server& owner, int socket, long long accepted) : server(owner), fd(socket), number(accepted) {}
    ~Connection() {
        if (session != nullptr) nghttp2_session_del(session);
        if (ssl != nullptr) {
            SSL_shutdown(ssl);  // best effort: a close_notify if the socket takes it
            SSL_free(ssl);
        }
        ::close(fd);
        ERR_clear_error();
    }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    Stream* stream(std::int32_t id) {
        const auto it = streams.find(id);
        return it == streams.end() ? nullptr : it->second.get();
    }

    bool handshake() {
        const auto deadline = Clock::now() + server.limits_.handshake_timeout;
        for (;;) {
            const int rc = SSL_accept(ssl);
            if (rc == 1) break;
            const int error = SSL_get_error(ssl, rc);
            if (error == SSL_ERROR_WANT_READ) {
                if (!wait_for(fd, POLLIN, deadline, server.stopping_)) return false;
            } else if (error == SSL_ERROR_WANT_WRITE) {
                if (!wait_for(fd, POLLOUT, deadline, server.stopping_)) return false;
            } else {
                return false;
            }
        }
        const unsigned char* protocol = nullptr;
        unsigned int length = 0;
        SSL_get0_alpn_selected(ssl, &protocol, &length);
        return length == 2 && std::memcmp(protocol, "h2", 2) == 0;
    }

    // Writes all of `data`; false when the peer stops reading for too long.
    bool write_all(const std::uint8_t* data, std::size_t size) {
        const auto deadline = Clock::now() + server.limits_.idle_timeout;
        while (size > 0) {
            const int n = SSL_write(ssl, data, static_cast<int>(std::min<std::size_t>(size, 1 << 20)));
            if (n > 0) {
                data += n;
                size -= static_cast<std::size_t>(n);
                continue;
            }
            const int error = SSL_get_error(ssl, n);
            if (error == SSL_ERROR_WANT_WRITE) {
                if (!wait_for(fd, POLLOUT, deadline, server.stopping_)) return false;
            } else if (error == SSL_ERROR_WANT_READ) {
                if (!wait_for(fd, POLLIN, deadline, server.stopping_)) return false;
            } else {
                return false;
            }
        }
        return true;
    }

    bool flush() {
        for (;;) {
            const std::uint8_t* data = nullptr;
            const ssize_t n = nghttp2_session_mem_send(session, &data);
            if (n < 0) return false;
            if (n == 0) return true;
            if (!write_all(data, static_cast<std::size_t>(n))) return false;
        }
    }

    void answer(std::int32_t id) {
        Stream* s = stream(id);
        if (s == nullptr) return;  // the client reset it meanwhile
        H2Response response = server.handler_(s->request);
        for (auto waited = milliseconds{0}; waited < response.delay && !server.stopping_.load(); waited += kSlice) {
            std::this_thread::sleep_for(std::min(kSlice, response.delay - waited));
        }
        if (response.close_connection) {
            close_now = true;
            return;
        }
        if (response.reset_stream) {
            nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, id, NGHTTP2_INTERNAL_ERROR);
            return;
        }
        const std::string status = std::to_string(response.status);
        std::vector<nghttp2_nv> nva;
        const auto add = [&nva](const std::string& name, const std::string& value) {
            // nghttp2 copies names and values during submit.
            nva.push_back(nghttp2_nv{reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                                     reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
                                     value.size(), NGHTTP2_NV_FLAG_NONE});
        };
        const std::string status_name = ":status";
        add(status_name, status);
        for (const auto& [name, value] : response.headers) add(name, value);
        const std::string length_name = "content-length";
        const std::string length = std::to_string(response.body.size());
        if (!response.body.empty()) add(length_name, length);
        s->response_body = std::move(response.body);
        s->sent = 0;
        nghttp2_data_provider provider{};
        provider.source.ptr = s;
        provider.read_callback = read_body;
        nghttp2_submit_response(session, id, nva.data(), nva.size(), s->response_body.empty() ? nullptr : &provider);
    }

    void run() {
        if (!set_nonblocking(fd)) return;
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // small answers, no delayed-ACK stalls
        ssl = SSL_new(static_cast<SSL_CTX*>(server.tls_context_.get()));
        if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) return;
        SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        if (!handshake()) return;

        nghttp2_session_callbacks* callbacks = nullptr;
        if (nghttp2_session_callbacks_new(&callbacks) != 0) return;
        nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, on_begin_headers);
        nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
        nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data_chunk);
        nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, on_frame);
        nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);
        const int created = nghttp2_session_server_new(&session, callbacks, this);
        nghttp2_session_callbacks_del(callbacks);
        if (created != 0) return;
        const nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, server.limits_.max_streams}};
        nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, settings, 1);

        std::uint8_t buffer[16384];
        auto idle_since = Clock::now();
        while (!server.stopping_.load() && !close_now) {
            if (!flush()) return;
            if (nghttp2_session_want_read(session) == 0 && nghttp2_session_want_write(session) == 0) return;
            if (SSL_pending(ssl) == 0) {
                pollfd p{fd, POLLIN, 0};
                const int ready = ::poll(&p, 1, static_cast<int>(kSlice.count()));
                if (ready == 0) {
                    if (Clock::now() - idle_since >= server.limits_.idle_timeout) return;
                    continue;
                }
                if (ready < 0 && errno != EINTR) return;
            }
            const int n = SSL_read(ssl, buffer, sizeof buffer);
            if (n <= 0) {
                const int error = SSL_get_error(ssl, n);
                if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) continue;
                return;  // closed, or broken
            }
            idle_since = Clock::now();
            if (nghttp2_session_mem_recv(session, buffer, static_cast<std::size_t>(n)) < 0) return;
            while (!complete.empty() && !close_now) {
                const std::int32_t id = complete.front();
                complete.pop_front();
                answer(id);
            }
        }
    }

    // ---- nghttp2 callbacks (user_data is the Connection)
    static Connection& of(void* user_data) { return *static_cast<Connection*>(user_data); }

    static int on_begin_headers(nghttp2_session* session, const nghttp2_frame* frame, void* user_data) {
        if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
        auto& connection = of(user_data);
        auto stream = std::make_unique<Stream>();
        stream->request.connection = connection.number;
        nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, stream.get());
        connection.streams[frame->hd.stream_id] = std::move(stream);
        return 0;
    }

    static int on_header(nghttp2_session* /*session*/, const nghttp2_frame* frame, const std::uint8_t* name,
                         std::size_t name_length, const std::uint8_t* value, std::size_t value_length,
                         std::uint8_t /*flags*/, void* user_data) {
        Stream* s = of(user_data).stream(frame->hd.stream_id);
        if (s == nullptr) return 0;
        if (++s->header_count > kMaxHeaders) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // resets the stream
        const std::string key(reinterpret_cast<const char*>(name), name_length);
        std::string text(reinterpret_cast<const char*>(value), value_length);
        if (key == ":method") s->request.method = std::move(text);
        else if (key == ":path") s->request.path = std::move(text);
        else if (key == ":authority") s->request.authority = std::move(text);
        else if (!key.empty() && key.front() != ':') s->request.headers.emplace_back(key, std::move(text));
        return 0;
    }

    static int on_data_chunk(nghttp2_session* /*session*/, std::uint8_t /*flags*/, std::int32_t stream_id,
                             const std::uint8_t* data, std::size_t length, void* user_data) {
        auto& connection = of(user_data);
        Stream* s = connection.stream(stream_id);
        if (s == nullptr) return 0;
        const std::size_t room = connection.server.limits_.max_body - std::min(connection.server.limits_.max_body, s->request.body.size());
        if (length > room) s->request.body_too_large = true;
        s->request.body.append(reinterpret_cast<const char*>(data), std::min(length, room));
        return 0;
    }

    static int on_frame(nghttp2_session* /*session*/, const nghttp2_frame* frame, void* user_data) {
        const bool ends_request = (frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
                                  (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
        auto& connection = of(user_data);
        if (ends_request && connection.stream(frame->hd.stream_id) != nullptr) connection.complete.push_back(frame->hd.stream_id);
        return 0;
    }

    static int on_stream_close(nghttp2_session* /*session*/, std::int32_t stream_id, std::uint32_t /*error_code*/,
                               void* user_data) {
        of(user_data).streams.erase(stream_id);
        return 0;
    }

    static ssize_t read_body(nghttp2_session* /*session*/, std::int32_t /*stream_id*/, std::uint8_t* buffer,
                             std::size_t length, std::uint32_t* data_flags, nghttp2_data_source* source, void* /*user_data*/) {
        auto* s = static_cast<Stream*>(source->ptr);
        const std::size_t n = std::min(length, s->response_body.size() - s->sent);
        std::memcpy(buffer, s->response_body.data() + s->sent, n);
        s->sent += n;
        if (s->sent == s->response_body.size()) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
        return static_cast<ssize_t>(n);
    }
};

H2Server::H2Server(H2Handler handler, H2Limits limits) : handler_(std::move(handler)), limits_(limits) {}

H2Server::~H2Server() { stop(); }

Result<int> H2Server::bind(const std::string& cert_file, const std::string& key_file, int port) {
    SSL_CTX* context = SSL_CTX_new(TLS_server_method());
    if (context == nullptr) return make_error(ExitCode::internal, "cannot create a TLS context");
    tls_context_ = std::shared_ptr<void>(context, [](void* c) { SSL_CTX_free(static_cast<SSL_CTX*>(c)); });
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);  // HTTP/2 needs TLS 1.2 or later (RFC 9113 §9.2)
    SSL_CTX_set_options(context, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    if (SSL_CTX_use_certificate_chain_file(context, cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(context, key_file.c_str(), SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(context) != 1) {
        ERR_clear_error();
        return make_error(ExitCode::bad_input, fmt::format("cannot use TLS certificate {} with key {}", cert_file, key_file));
    }
    SSL_CTX_set_alpn_select_cb(context, select_h2, nullptr);

    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listener_ < 0) return make_error(ExitCode::network, "cannot create a socket");
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    // NOLINTNEXTLINE: the sockets API wants sockaddr*
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 128) != 0) {
        return make_error(ExitCode::network, fmt::format("cannot listen on 127.0.0.1:{}", port));
    }
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    return static_cast<int>(ntohs(address.sin_port));
}

void H2Server::start() {
    acceptor_ = std::thread([this] { accept_loop(); });
}

void H2Server::stop() {
    if (stopping_.exchange(true)) return;
    if (acceptor_.joinable()) acceptor_.join();
    if (listener_ >= 0) ::close(listener_);
    listener_ = -1;
    const std::lock_guard lock(threads_mutex_);
    for (auto& worker : threads_) {
        if (worker.thread.joinable()) worker.thread.join();
    }
    threads_.clear();
}

void H2Server::accept_loop() {
    while (!stopping_.load()) {
        pollfd p{listener_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(kSlice.count())) <= 0) continue;
        const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        if (connections_.load() >= limits_.max_connections) {
            ::close(fd);  // over the limit: refused at once, never queued
            continue;
        }
        ++connections_;
        const std::lock_guard lock(threads_mutex_);
        // Threads of closed connections are joined here, so the list stays
        // as long as the number of live connections.
        for (auto it = threads_.begin(); it != threads_.end();) {
            if (it->done->load()) {
                it->thread.join();
                it = threads_.erase(it);
            } else {
                ++it;
            }
        }
        auto done = std::make_shared<std::atomic<bool>>(false);
        const long long number = ++accepted_;
        threads_.push_back(Worker{std::thread([this, fd, done, number] {
                                      serve(fd, number);
                                      --connections_;
                                      done->store(true);
                                  }),
                                  done});
    }
}

void H2Server::serve(int fd, long long number) {
    Connection connection(*this, fd, number);
    connection.run();
}

}  // namespace callctl::sandbox
