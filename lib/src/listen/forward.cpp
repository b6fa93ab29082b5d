// --forward-to: each accepted request's exact body and end-to-end headers,
// POSTed once to another URL by a small pool of its own, so a slow or dead
// target delays only the lines waiting for it, never the server.
#include <fmt/format.h>

#include "callctl/api/errors.hpp"
#include "callctl/listen/listen.hpp"
#include "callctl/util/strings.hpp"
#include "listen/work_pool.hpp"

namespace callctl::listen {

namespace {

// RFC 9110 7.6.1: these describe one connection, not the message; Host and
// Content-Length are the new request's own.
bool is_hop_by_hop(std::string_view name, const Request& request) {
    for (const std::string_view fixed : {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
                                         "upgrade", "host", "content-length", "expect"}) {
        if (name == fixed) return true;
    }
    bool named = false;  // headers the Connection header lists are hop-by-hop too
    if (const std::string* connection = request.header("connection")) {
        for (const auto& token : util::split(*connection, ',')) named = named || util::iequals(util::trim(token), name);
    }
    return named;
}

class Forwarder final : public EventAction {
public:
    Forwarder(ForwardOptions options, Notify notify)
        : options_(std::move(options)),
          notify_(std::move(notify)),
          clients_(options_.parallel == 0 ? 1 : options_.parallel),
          pool_(clients_.size(), options_.queue_capacity) {
        options_.client.retry.max_retries = 0;  // a webhook is never delivered twice
        options_.client.dry_run = false;
    }

    std::string_view key() const override { return "forward"; }

    void start(const Request& request, const Json& /*event*/, Done done) override {
        auto forward = std::make_shared<http::Request>();
        forward->method = http::Method::post;
        forward->url = options_.url;
        forward->replay = http::Replay::unsafe;
        forward->body = request.body;
        bool has_content_type = false;
        for (const auto& h : request.headers) {
            if (is_hop_by_hop(h.name, request)) continue;
            has_content_type = has_content_type || h.name == "content-type";
            forward->headers.push_back({h.name, h.value});
        }
        // Without one, libcurl would label the body a form.
        if (!has_content_type) forward->headers.push_back({"content-type", "application/json"});

        const bool queued = pool_.try_submit([this, forward, done](std::size_t worker) { done(send(worker, *forward)); });
        if (!queued) {
            const std::string reason = fmt::format("not forwarded: {} forwards already waiting", options_.queue_capacity);
            notify_(fmt::format("forward to {}: {}", options_.url, reason));
            done(Json{{"error", reason}});
        }
    }

    void finish() override { pool_.shutdown(); }

private:
    Json send(std::size_t worker, const http::Request& request) {
        auto& client = clients_[worker];
        if (!client) client = std::make_unique<http::Client>(options_.client);
        auto outcome = client->send(request);
        if (!outcome) {
            const Error error = api::to_error(outcome.error(), fmt::format("POST {}", options_.url));
            notify_(fmt::format("forward to {} failed: {}", options_.url, error.message));
            return Json{{"error", error.message}};
        }
        if (!api::is_success(outcome->status)) {
            notify_(fmt::format("forward to {} answered {}", options_.url, outcome->status));
        }
        return Json{{"status", outcome->status}};
    }

    ForwardOptions options_;
    Notify notify_;
    std::vector<std::unique_ptr<http::Client>> clients_;  // one per pool worker, used by that worker only
    detail::WorkPool pool_;
};

}  // namespace

Status check_forward_url(std::string_view url) {
    const std::string lower = util::to_lower(url);
    const bool http = util::starts_with(lower, "http://");
    const bool https = util::starts_with(lower, "https://");
    const std::string_view rest = url.substr(http ? 7 : https ? 8 : 0);
    if ((!http && !https) || rest.empty() || rest.front() == '/' || url.find_first_of(" \t\r\n") != std::string_view::npos) {
        return make_error(ExitCode::usage, fmt::format("--forward-to {}: not an http:// or https:// URL", url));
    }
    return {};
}

std::unique_ptr<EventAction> make_forwarder(ForwardOptions options, Notify notify) {
    return std::make_unique<Forwarder>(std::move(options), std::move(notify));
}

}  // namespace callctl::listen
