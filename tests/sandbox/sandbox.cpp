#include "sandbox.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cctype>
#include <charconv>
#include <filesystem>
#include <thread>

#include <fmt/format.h>
#include <openssl/ssl.h>

#include "support.hpp"


namespace callctl::sandbox {

using nlohmann::json;

namespace {

constexpr std::string_view admin_prefix = "/_sandbox/";

bool is_admin(const std::string& path) { return path.rfind(admin_prefix, 0) == 0 || path == "/_sandbox"; }

std::string lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

// Headers as the client sent them. httplib adds the peer's address as
// pseudo-headers (REMOTE_ADDR, ...); those were never on the wire.
json headers_of(const httplib::Request& req) {
    json out = json::object();
    for (const auto& [name, value] : req.headers) {
        if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" || name == "LOCAL_PORT") continue;
        const std::string key = lower(name);
        if (out.contains(key)) {
            out[key] = out[key].get<std::string>() + ", " + value;
        } else {
            out[key] = value;
        }
    }
    return out;
}

std::string percent_decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) != 0 &&
                   std::isxdigit(static_cast<unsigned char>(text[i + 2])) != 0) {
            unsigned value = 0;
            std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
            out += static_cast<char>(value);
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

// The query string of the request line only: httplib also folds the fields of
// a form-encoded body into req.params, which were never part of the URL.
json query_of(const httplib::Request& req) {
    json out = json::object();
    const auto question = req.target.find('?');
    if (question == std::string::npos) return out;
    const std::string_view query = std::string_view(req.target).substr(question + 1);
    std::size_t start = 0;
    while (start <= query.size()) {
        const auto amp = std::min(query.find('&', start), query.size());
        const std::string_view pair = query.substr(start, amp - start);
        start = amp + 1;
        if (pair.empty()) continue;
        const auto eq = pair.find('=');
        const std::string name = percent_decode(pair.substr(0, eq));
        const std::string value = eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
        if (!out.contains(name)) {
            out[name] = value;
        } else {
            if (!out[name].is_array()) out[name] = json::array({out[name]});
            out[name].push_back(value);
        }
    }
    return out;
}

json log_entry(const httplib::Request& req) {
    return json{{"method", req.method}, {"path", req.path},    {"target", req.target},
                {"query", query_of(req)}, {"headers", headers_of(req)}, {"body", req.body},
                {"received_at_ms", unix_now_ms()}};
}

void write_reply(const Reply& reply, httplib::Response& res) {
    res.status = reply.status;
    for (const auto& [name, value] : reply.headers) res.set_header(name, value);
    if (reply.text) {
        res.set_content(*reply.text, reply.text_type);
    } else {
        res.set_content(reply.body.dump(), "application/json");
    }
}

// The socket of the connection `req` arrived on. httplib 0.11 does not hand
// it to handlers, so find it: the TLS session knows its fd; for plain HTTP,
// look for the socket whose two ends match the request's addresses.
int connection_fd(const httplib::Request& req) {
    if (req.ssl != nullptr) return SSL_get_fd(req.ssl);
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
        const std::string name = entry.path().filename().string();
        int fd = -1;
        if (std::from_chars(name.data(), name.data() + name.size(), fd).ec != std::errc{}) continue;
        sockaddr_in peer{};
        sockaddr_in local{};
        socklen_t peer_len = sizeof peer;
        socklen_t local_len = sizeof local;
        // NOLINTNEXTLINE: the sockets API wants sockaddr*
        if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0 || peer.sin_family != AF_INET) continue;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) continue;
        if (ntohs(peer.sin_port) == req.remote_port && (req.local_port <= 0 || ntohs(local.sin_port) == req.local_port)) return fd;
    }
    return -1;
}

// Ends the connection without a byte of answer: shutting the socket down
// makes the client see EOF (curl: "Empty reply from server", exit 52), and
// httplib's own write of the response then fails and it closes the socket.
void drop_connection(const httplib::Request& req) {
    const int fd = connection_fd(req);
    if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

// Announces more body than it sends, then closes: the client gets headers and
// a short body (curl: "transfer closed with N bytes remaining", exit 18).
void write_truncated(const Reply& reply, httplib::Response& res) {
    res.status = reply.status;
    for (const auto& [name, value] : reply.headers) res.set_header(name, value);
    auto body = std::make_shared<std::string>(reply.text ? *reply.text : reply.body.dump());
    const std::size_t announced = body->size() + 64;
    const std::size_t sent = body->size() / 2;  // half of the real body
    res.set_content_provider(announced, reply.text ? reply.text_type : "application/json",
                             [body, sent](std::size_t offset, std::size_t, httplib::DataSink& sink) {
                                 if (offset < sent) {
                                     sink.write(body->data() + offset, sent - offset);
                                     return true;
                                 }
                                 return false;  // abort: httplib closes the connection
                             });
}

}  // namespace

Sandbox::Sandbox(FaultPlan startup_faults) : faults_(std::move(startup_faults)) {
    auto ok = [](json value) { return Reply{200, std::move(value)}; };
    router_.admin({}, exact("/_sandbox/health"), [ok](const httplib::Request&, const json&) { return ok(json{{"ok", true}}); });
    router_.admin({"DELETE"}, exact("/_sandbox/requests"), [this, ok](const httplib::Request&, const json&) {
        log_.clear();
        return ok(json::object());
    });
    router_.admin({}, exact("/_sandbox/requests"), [this, ok](const httplib::Request&, const json&) { return ok(log_.entries()); });
    router_.admin({}, exact("/_sandbox/faults"), [this, ok](const httplib::Request& req, const json& body) {
        if (req.method == "DELETE") {
            faults_.reset();
        } else if (req.method == "POST" || req.method == "PUT") {
            auto plan = FaultPlan::from_json(body.is_null() ? json::object() : body);
            if (!plan) return error_reply(400, "bad_request", plan.error().message);
            faults_.set(std::move(*plan));
        }
        return ok(faults_.describe());
    });
}

void Sandbox::install(httplib::Server& server, const std::string& base_url) {
    // Every method and path comes to one handler: routing by hand lets faults,
    // logging and 404/405 answers treat all requests alike.
    auto handler = [this, base_url](const httplib::Request& req, httplib::Response& res) { handle(req, res, base_url); };
    server.Get(".*", handler);
    server.Post(".*", handler);
    server.Put(".*", handler);
    server.Patch(".*", handler);
    server.Delete(".*", handler);
    server.Options(".*", handler);
}

void Sandbox::handle(const httplib::Request& req, httplib::Response& res, const std::string& base_url) {
    if (is_admin(req.path)) {
        write_reply(admin(req), res);
        return;
    }

    if (const auto latency = faults_.latency(); latency.count() > 0) std::this_thread::sleep_for(latency);
    const FaultAction fault = faults_.next(req.path);
    json entry = log_entry(req);
    if (!fault.rule.empty()) entry["fault"] = fault.rule;

    switch (fault.kind) {
    case FaultAction::Kind::drop:
        entry["status"] = nullptr;
        entry["dropped"] = true;
        log_.record(std::move(entry));
        drop_connection(req);
        res.status = 500;  // never reaches the client
        return;
    case FaultAction::Kind::status: {
        Reply reply = error_reply(fault.status, "injected_fault",
                                  fmt::format("callctl-sandbox: injected {} ({}) for {} {}", fault.status, fault.rule, req.method, req.path));
        if (!fault.retry_after.empty()) reply.headers.emplace_back("Retry-After", fault.retry_after);
        entry["status"] = reply.status;
        log_.record(std::move(entry));
        write_reply(reply, res);
        return;
    }
    case FaultAction::Kind::none:
    case FaultAction::Kind::truncate: break;
    }

    Exchange exchange{req, base_url, {}, {}, fault.shapes, json::object()};
    const Reply reply = router_.dispatch(exchange);
    for (auto& [key, value] : exchange.log_fields.items()) entry[key] = std::move(value);
    if (reply.drop) {
        entry["status"] = nullptr;
        entry["dropped"] = true;
        log_.record(std::move(entry));
        drop_connection(req);
        res.status = 500;  // never reaches the client
        return;
    }
    entry["status"] = reply.status;
    if (fault.kind == FaultAction::Kind::truncate) entry["truncated"] = true;
    log_.record(std::move(entry));
    for (const auto& push : exchange.pushes) {
        log_.record(json{{"method", "PUSH"},
                         {"path", "/_push/" + push.type},
                         {"target", "/_push/" + push.type},
                         {"query", json::object()},
                         {"headers", json::object()},
                         {"body", push.payload.dump()},
                         {"status", 200}});
    }
    if (fault.kind == FaultAction::Kind::truncate) {
        write_truncated(reply, res);
    } else {
        write_reply(reply, res);
    }
}

Reply Sandbox::admin(const httplib::Request& req) {
    const auto body = body_json(req);
    if (!body) return error_reply(400, "bad_request", "the body is not valid JSON");
    return router_.dispatch_admin(req, *body);
}

}  // namespace callctl::sandbox
