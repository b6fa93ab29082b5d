// The Client: one request or a bounded concurrent batch, both driven by one
// curl multi loop (batch.cpp). Here: the facade, dry runs, and the
// vocabulary's names.
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "callctl/http/http.hpp"
#include "callctl/util/interrupt.hpp"
#include "callctl/util/strings.hpp"
#include "http/batch.hpp"
#include "http/curl_easy.hpp"

namespace callctl::http {

using std::chrono::milliseconds;

std::string_view to_string(Method m) {
    switch (m) {
    case Method::get: return "GET";
    case Method::post: return "POST";
    case Method::put: return "PUT";
    case Method::del: return "DELETE";
    }
    return "GET";
}

std::string_view to_string(TransportFailure failure) {
    switch (failure) {
    case TransportFailure::refused: return "connection refused";
    case TransportFailure::resolve: return "host name not resolved";
    case TransportFailure::timeout: return "timed out";
    case TransportFailure::tls: return "TLS failure";
    case TransportFailure::send: return "sending failed";
    case TransportFailure::receive: return "connection dropped";
    case TransportFailure::bad_url: return "bad URL";
    case TransportFailure::too_large: return "reply too large";
    case TransportFailure::interrupted: return "interrupted";
    case TransportFailure::dry_run: return "dry run";
    case TransportFailure::other: return "transfer failed";
    }
    return "transfer failed";
}

std::size_t default_max_reply_bytes() {
    return static_cast<std::size_t>(config::default_count("max_reply_mib")) << 20;
}

std::optional<std::string_view> Response::header(std::string_view name) const {
    for (const auto& h : headers) {
        if (util::iequals(h.name, name)) return std::string_view(h.value);
    }
    return std::nullopt;
}

namespace {

// send()/send_all() as a RequestSource: the caller's vector, not copied.
class VectorSource : public RequestSource {
public:
    using OnDone = std::function<void(std::size_t, Outcome)>;
    VectorSource(const std::vector<Request>& requests, const OnDone& on_done) : requests_(requests), on_done_(on_done) {}

    std::optional<SourcedRequest> next(std::optional<TimePoint>& /*wake_at*/) override {
        if (next_ == requests_.size()) return std::nullopt;
        // Aliasing constructor with no owner: a non-owning pointer.
        const std::size_t index = next_++;
        return SourcedRequest{index, std::shared_ptr<const Request>(std::shared_ptr<const Request>(), &requests_[index])};
    }
    bool exhausted() const override { return next_ == requests_.size(); }
    void done(std::size_t index, Outcome outcome) override { on_done_(index, std::move(outcome)); }

private:
    const std::vector<Request>& requests_;
    OnDone on_done_;  // a copy: send() passes a temporary
    std::size_t next_ = 0;
};

TransportError dry_run_error(const Request& request) {
    return TransportError{TransportFailure::dry_run, "dry run: not sent", 0,
                          redact_url(request.url, request.secrets), milliseconds{0}, 0};
}

}  // namespace

struct Client::Impl {
    explicit Impl(ClientOptions options) : engine(std::move(options)) {}
    detail::Engine engine;

    std::string curl_command(const Request& request) const {
        remember_secrets(request.secrets);
        const auto& o = engine.options;
        std::string command = to_curl_command(request, o.insecure, o.cacert, engine.settings.user_agent);
        if (o.http2) command.insert(std::string_view("curl").size(), " --http2");
        return command;
    }
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

const ClientOptions& Client::options() const { return impl_->engine.options; }
const std::vector<std::string>& Client::dry_run_commands() const { return impl_->engine.dry_run_commands; }

Outcome Client::send(const Request& request) {
    try {
        if (impl_->engine.options.dry_run) {
            impl_->engine.dry_run_commands.push_back(impl_->curl_command(request));
            return dry_run_error(request);
        }
        std::optional<Outcome> outcome;
        const std::vector<Request> requests{request};
        VectorSource source(requests, [&](std::size_t, Outcome o) { outcome.emplace(std::move(o)); });
            detail::run_batch(impl_->engine, source, 1, false);
        if (outcome) return std::move(*outcome);
        return TransportError{TransportFailure::other, "no outcome (a bug)", 0, redact_url(request.url, request.secrets)};
    } catch (const std::exception& e) {
        // The library throws nothing at its callers: out-of-memory and the
        // like become a transport error.
        return TransportError{TransportFailure::other, e.what(), 0, redact_url(request.url, request.secrets)};
    }
}

void Client::send_all(const std::vector<Request>& requests, int parallel,
                      const std::function<void(std::size_t, Outcome)>& on_done) {
    if (impl_->engine.options.dry_run) {
        for (const auto& request : requests) impl_->engine.dry_run_commands.push_back(impl_->curl_command(request));
        for (std::size_t i = 0; i < requests.size(); ++i) on_done(i, dry_run_error(requests[i]));
        return;
    }
    VectorSource source(requests, on_done);
    detail::run_batch(impl_->engine, source, parallel, requests.size() > 1);
}

void Client::send_from(RequestSource& source, int parallel) {
    if (impl_->engine.options.dry_run) {
        for (;;) {
            std::optional<RequestSource::TimePoint> wake_at;
            auto item = source.next(wake_at);
            if (item && item->request) {
                impl_->engine.dry_run_commands.push_back(impl_->curl_command(*item->request));
                source.done(item->index, dry_run_error(*item->request));
                continue;
            }
            if (source.exhausted() || !wake_at || util::interrupted()) break;
            std::this_thread::sleep_until(*wake_at);  // a source may pace even a dry run
        }
        return;
    }
    detail::run_batch(impl_->engine, source, parallel, true);
}

bool http2_available() {
    if (!detail::ensure_curl_global_init()) return false;
    const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
    return info != nullptr && (info->features & CURL_VERSION_HTTP2) != 0;
}

}  // namespace callctl::http
