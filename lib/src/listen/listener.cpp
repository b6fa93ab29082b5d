// Listener: the server, the checks, the record, the actions and the ordered
// event lines, put together (callctl(1), "listen").
#include <chrono>

#include <fmt/format.h>

#include "callctl/listen/listen.hpp"
#include "listen/http_server.hpp"
#include "listen/record.hpp"
#include "listen/sequencer.hpp"

namespace callctl::listen {

namespace {

constexpr auto poll_interval = std::chrono::milliseconds(50);
constexpr std::size_t max_target_in_notice = 200;


std::string ok_body(const Json& event) {
    const auto it = event.find("event");
    if (it == event.end()) return R"({"ok":true})";
    return fmt::format(R"({{"ok":true,"event":{}}})", it->dump(-1, ' ', false, Json::error_handler_t::replace));
}

std::string error_body(std::string_view reason) {
    return Json{{"ok", false}, {"error", reason}}.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

struct Listener::Impl {
    Impl(ListenOptions listen_options, ListenOutput listen_output, std::vector<std::unique_ptr<EventAction>> event_actions)
        : options(std::move(listen_options)),
          output(std::move(listen_output)),
          actions(std::move(event_actions)),
          sequencer(output.event, options.max_events) {}

    detail::Answer handle(Request&& request);
    void record(const Request& request, int status);

    ListenOptions options;
    ListenOutput output;
    std::vector<std::unique_ptr<EventAction>> actions;
    detail::EventSequencer sequencer;
    std::unique_ptr<detail::RecordFile> record_file;
    std::unique_ptr<detail::HttpServer> server;
    std::mutex record_notice_mutex;
    std::chrono::steady_clock::time_point last_record_notice{};
};

detail::Answer Listener::Impl::handle(Request&& request) {
    Verdict verdict = examine(request, options.check, std::chrono::system_clock::now());
    if (verdict.status == 200) {
        // The actions read the event after the sequencer owns it: give them their own copy.
        const Json for_actions = actions.empty() ? Json() : verdict.event;
        const std::string body = ok_body(verdict.event);
        if (const auto seq = sequencer.accept(std::move(verdict.event), actions.size())) {
            for (auto& action : actions) {
                const std::string key(action->key());
                action->start(request, for_actions, [this, seq = *seq, key](Json result) {
                    sequencer.complete(seq, key, std::move(result));
                });
            }
            record(request, 200);
            return {200, body};
        }
        verdict.status = 503;
        verdict.reason = sequencer.write_failed() ? "not accepting events: the output is gone"
                                                  : "not accepting events: --max-events reached";
    }
    record(request, verdict.status);
    const bool long_target = request.target.size() > max_target_in_notice;
    output.notice(fmt::format("refused {} {}{} from {}: {} {}", request.method,
                              std::string_view(request.target).substr(0, max_target_in_notice), long_target ? "..." : "",
                              request.remote, verdict.status, verdict.reason));
    return {verdict.status, error_body(verdict.reason)};
}

void Listener::Impl::record(const Request& request, int status) {
    if (!record_file) return;
    auto appended = record_file->append(record_line(request, status));
    if (appended) return;
    // A full disk fails every request: say so once a second, not once a request.
    const std::lock_guard lock(record_notice_mutex);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_record_notice >= std::chrono::seconds(1)) {
        output.notice(appended.error().message);
        last_record_notice = now;
    }
}

Listener::Listener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Listener::~Listener() {
    if (impl_ && impl_->server) impl_->server->stop();
    if (impl_) {
        for (auto& action : impl_->actions) action->finish();
    }
}

Result<std::unique_ptr<Listener>> Listener::open(ListenOptions options, ListenOutput output,
                                                 std::vector<std::unique_ptr<EventAction>> actions) {
    if (auto usable = check_secrets_usable(options.check.secrets); !usable) return std::move(usable).error();
    auto impl = std::make_unique<Impl>(std::move(options), std::move(output), std::move(actions));
    if (impl->options.record_path) {
        auto file = detail::RecordFile::open(*impl->options.record_path);
        if (!file) return std::move(file).error();
        impl->record_file = std::move(*file);
    }
    Impl* raw = impl.get();
    auto server = detail::HttpServer::bind(
        impl->options.server, [raw](Request&& request) { return raw->handle(std::move(request)); }, impl->output.notice);
    if (!server) return std::move(server).error();
    impl->server = std::move(*server);
    return std::unique_ptr<Listener>(new Listener(std::move(impl)));
}

const std::string& Listener::url() const { return impl_->server->url(); }

std::uint64_t Listener::accepted_events() const { return impl_->sequencer.accepted(); }

StopCause Listener::serve(const std::function<bool()>& should_stop) {
    impl_->server->start();
    StopCause cause = StopCause::requested;
    for (;;) {
        if (impl_->sequencer.wait_for_end(poll_interval)) {
            cause = impl_->sequencer.write_failed() ? StopCause::output_failed : StopCause::max_events;
            break;
        }
        if (should_stop()) break;
    }
    // Every handler call has returned once the server stopped, so every
    // action that will ever start has started; then each finishes, and with
    // that every line can be written.
    impl_->server->stop();
    for (auto& action : impl_->actions) action->finish();
    impl_->sequencer.wait_all_written();
    return cause;
}

}  // namespace callctl::listen
