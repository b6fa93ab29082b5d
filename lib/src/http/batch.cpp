// http::detail::run_batch (batch.hpp): one run of the curl multi loop.
#include "http/batch.hpp"

#include <algorithm>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "callctl/util/interrupt.hpp"
#include "callctl/util/strings.hpp"
#include "callctl/version.hpp"

namespace callctl::http::detail {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

// How long the loop may go without looking at the interrupt flag.
constexpr milliseconds kPollSlice{100};
// -v shows this much of a body; enough for any error message.
constexpr std::size_t kLogBodyLimit = 2048;

milliseconds since(Clock::time_point start) {
    return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

struct Job {
    std::size_t index = 0;
    std::shared_ptr<const Request> request;  // kept alive until the job is done
    int attempts = 0;  // started so far
    Clock::time_point first_start{};
    Clock::time_point attempt_start{};
    Clock::time_point not_before{};
};

// One run of the multi loop over the requests of a source.
class Batch {
public:
    Batch(Engine& engine, RequestSource& source, int parallel, bool tag_lines)
        : engine_(engine),
          source_(source),
          parallel_(static_cast<std::size_t>(std::max(parallel, 1))),
          tag_lines_(tag_lines) {}

    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;

    // Detaches whatever is still in flight (only when on_done threw), so the
    // multi handle never holds a handle that is about to be destroyed.
    ~Batch() {
        for (auto& flight : in_flight_) {
            curl_multi_remove_handle(engine_.multi.handle(), flight.easy.handle());
            engine_.idle.push_back(std::move(flight.easy));
        }
    }

    void run() {
        if (!engine_.multi.valid()) {
            fail_all(TransportFailure::other, "cannot initialise libcurl");
            return;
        }
        if (engine_.settings.http2) {
            // One connection per host, every transfer a stream on it.
            engine_.multi.set_max_host_connections(1);
            engine_.multi.set_multiplexing(true);
        } else {
            engine_.multi.set_max_host_connections(static_cast<long>(parallel_));
        }
        for (;;) {
            if (util::interrupted()) {
                fail_all(TransportFailure::interrupted, "interrupted");
                return;
            }
            promote_due_retries();
            start_ready();
            // Nothing in flight or waiting: done, unless the source has said
            // when it will have more.
            if (remaining_ == 0 && (source_.exhausted() || !wake_at_)) break;
            int running = 0;
            curl_multi_perform(engine_.multi.handle(), &running);
            const bool progressed = collect_finished();
            if (remaining_ == 0 && source_.exhausted()) break;
            if (progressed) continue;  // capacity freed: start the next ones first
            int numfds = 0;
            curl_multi_poll(engine_.multi.handle(), nullptr, 0, poll_timeout_ms(), &numfds);
        }
    }

private:
    struct InFlight {
        Job job;
        detail::CurlEasy easy;
    };

    void log(const std::string& line) const {
        if (!engine_.options.log) return;
        engine_.options.log(line);
    }
    std::string tag(const Job& job) const { return tag_lines_ ? fmt::format("[#{}] ", job.index) : std::string(); }

    // A body as -v shows it: redacted first (so truncation cannot cut a
    // secret in half and show its start), then cut to kLogBodyLimit.
    void log_body(const Job& job, char direction, std::string_view body) const {
        if (body.empty()) return;
        std::string text = redact_body(body, job.request->secrets);
        const std::size_t full = text.size();
        if (full > kLogBodyLimit) {
            text.resize(kLogBodyLimit);
            text += fmt::format("... ({} bytes in all)", full);
        }
        for (const auto& line : util::split(text, '\n')) log(fmt::format("{}{} {}", tag(job), direction, line));
    }

    void log_request(const Job& job) const {
        if (!engine_.options.log) return;
        const Request& request = *job.request;
        log(fmt::format("{}> {} {}", tag(job), to_string(request.method), redact_url(request.url, request.secrets)));
        log(fmt::format("{}> User-Agent: {}", tag(job), engine_.settings.user_agent));
        for (const auto& header : request.headers) {
            log(fmt::format("{}> {}: {}", tag(job), header.name,
                            redact(redact_header_value(header.name, header.value), request.secrets)));
        }
        log_body(job, '>', request.body);
    }

    void log_response(const Job& job, const detail::TransferResult& result, milliseconds elapsed) const {
        if (!engine_.options.log) return;
        log(fmt::format("{}< {} {} ({} ms)", tag(job), result.status, result.reason, elapsed.count()));
        for (const auto& header : result.headers) {
            log(fmt::format("{}< {}: {}", tag(job), header.name,
                            redact(redact_header_value(header.name, header.value), job.request->secrets)));
        }
        log_body(job, '<', result.body);
    }

    void promote_due_retries() {
        const auto now = Clock::now();
        for (auto it = delayed_.begin(); it != delayed_.end();) {
            if (it->not_before <= now) {
                ready_.push_front(*it);  // a retry goes before requests not yet tried
                it = delayed_.erase(it);
            } else {
                ++it;
            }
        }
    }

    // The next job: a due retry first, else a new request from the source.
    std::optional<Job> next_job() {
        if (!ready_.empty()) {
            Job job = ready_.front();
            ready_.pop_front();
            return job;
        }
        wake_at_.reset();
        if (source_.exhausted()) return std::nullopt;
        auto item = source_.next(wake_at_);
        if (!item || !item->request) return std::nullopt;
        ++remaining_;
        Job job;
        job.index = item->index;
        job.request = std::move(item->request);
        return job;
    }

    void start_ready() {
        while (in_flight_.size() < parallel_) {
            auto next = next_job();
            if (!next) break;
            Job job = std::move(*next);
            remember_secrets(job.request->secrets);  // whatever answers, none of them is shown
            if (auto defect = request_defect(*job.request)) {
                finish(job, TransportError{TransportFailure::other, std::move(*defect), 0,
                                           redact_url(job.request->url, job.request->secrets), milliseconds{0},
                                           std::max(job.attempts, 1)});
                continue;
            }
            detail::CurlEasy easy;
            if (!engine_.idle.empty()) {
                easy = std::move(engine_.idle.back());
                engine_.idle.pop_back();
            }
            job.attempt_start = Clock::now();
            if (job.attempts++ == 0) job.first_start = job.attempt_start;
            log_request(job);
            CURLcode rc = easy.prepare(*job.request, engine_.settings);
            if (rc == CURLE_OK && curl_multi_add_handle(engine_.multi.handle(), easy.handle()) != CURLM_OK) {
                rc = CURLE_FAILED_INIT;
            }
            if (rc != CURLE_OK) {
                complete_attempt(job, std::move(easy), rc);
                continue;
            }
            in_flight_.push_back(InFlight{job, std::move(easy)});
        }
    }

    bool collect_finished() {
        bool any = false;
        int queued = 0;
        while (CURLMsg* message = curl_multi_info_read(engine_.multi.handle(), &queued)) {
            if (message->msg != CURLMSG_DONE) continue;
            CURL* handle = message->easy_handle;
            const CURLcode code = message->data.result;  // `message` dies with remove_handle
            const auto it = std::find_if(in_flight_.begin(), in_flight_.end(),
                                         [&](const InFlight& f) { return f.easy.handle() == handle; });
            curl_multi_remove_handle(engine_.multi.handle(), handle);
            if (it == in_flight_.end()) continue;
            InFlight flight = std::move(*it);
            in_flight_.erase(it);
            complete_attempt(flight.job, std::move(flight.easy), code);
            any = true;
        }
        return any;
    }

    void complete_attempt(Job job, detail::CurlEasy easy, CURLcode code) {
        const milliseconds attempt_elapsed = since(job.attempt_start);
        const Request& request = *job.request;
        AttemptResult attempt;
        std::optional<Response> response;
        std::optional<TransportError> error;
        if (code == CURLE_OK) {
            detail::TransferResult result = easy.take_result();
            log_response(job, result, attempt_elapsed);
            response = Response{result.status, std::move(result.reason), std::move(result.headers),
                                std::move(result.body), since(job.first_start), job.attempts};
            attempt.status = response->status;
            if (const auto retry_after = response->header("Retry-After")) attempt.retry_after = std::string(*retry_after);
        } else {
            const TransportFailure failure = easy.failure_of(code);
            error = TransportError{failure,
                                   redact(easy.error_text(code), request.secrets),
                                   static_cast<int>(code),
                                   redact_url(request.url, request.secrets),
                                   attempt_elapsed,
                                   job.attempts};
            attempt.failure = failure;
            log(fmt::format("{}* {} {} failed after {} ms: {} ({})", tag(job), to_string(request.method), error->url,
                            attempt_elapsed.count(), to_string(failure), error->message));
        }
        engine_.idle.push_back(std::move(easy));  // before on_done, which may throw

        std::optional<milliseconds> delay;
        if (!(attempt.failure && *attempt.failure == TransportFailure::interrupted)) {
            delay = retry_delay(engine_.options.retry, request.replay, job.attempts, attempt, engine_.rng);
        }
        if (delay) {
            const std::string reason = response ? fmt::format("{} {}", response->status, response->reason)
                                                : std::string(to_string(*attempt.failure));
            log(fmt::format("{}* retrying in {} ms (attempt {} of {}): {}", tag(job), delay->count(), job.attempts + 1,
                            std::max(engine_.options.retry.max_retries, 0) + 1, reason));
            job.not_before = Clock::now() + *delay;
            delayed_.push_back(job);
            return;
        }
        finish(job, response ? Outcome(std::move(*response)) : Outcome(std::move(*error)));
    }

    void finish(const Job& job, Outcome outcome) {
        --remaining_;
        source_.done(job.index, std::move(outcome));
    }

    // Ctrl-C (or a broken libcurl): every unfinished request ends now.
    void fail_all(TransportFailure failure, const std::string& message) {
        std::vector<Job> unfinished;
        for (auto& flight : in_flight_) {
            curl_multi_remove_handle(engine_.multi.handle(), flight.easy.handle());
            engine_.idle.push_back(std::move(flight.easy));
            unfinished.push_back(flight.job);
        }
        in_flight_.clear();
        unfinished.insert(unfinished.end(), ready_.begin(), ready_.end());
        unfinished.insert(unfinished.end(), delayed_.begin(), delayed_.end());
        ready_.clear();
        delayed_.clear();
        std::sort(unfinished.begin(), unfinished.end(), [](const Job& a, const Job& b) { return a.index < b.index; });
        for (const Job& job : unfinished) {
            const milliseconds elapsed = job.attempts > 0 ? since(job.attempt_start) : milliseconds{0};
            finish(job, TransportError{failure, message, 0, redact_url(job.request->url, job.request->secrets), elapsed,
                                       std::max(job.attempts, 1)});
        }
        // And whatever the source has ready: it ends the same way.
        while (!source_.exhausted()) {
            std::optional<RequestSource::TimePoint> ignored;
            auto item = source_.next(ignored);
            if (!item || !item->request) break;
            ++remaining_;
            Job job;
            job.index = item->index;
            job.request = std::move(item->request);
            finish(job, TransportError{failure, message, 0, redact_url(job.request->url, job.request->secrets),
                                       milliseconds{0}, 1});
        }
    }

    int poll_timeout_ms() const {
        milliseconds wait = kPollSlice;
        const auto now = Clock::now();
        for (const Job& job : delayed_) {
            const auto until = std::chrono::ceil<milliseconds>(job.not_before - now);
            wait = std::min(wait, std::max(until, milliseconds{0}));
        }
        // The source's next request matters only while there is room for it.
        if (wake_at_ && in_flight_.size() < parallel_) {
            const auto until = std::chrono::ceil<milliseconds>(*wake_at_ - now);
            wait = std::min(wait, std::max(until, milliseconds{0}));
        }
        return static_cast<int>(wait.count());
    }

    Engine& engine_;
    RequestSource& source_;
    std::size_t parallel_;
    std::size_t remaining_ = 0;  // pulled from the source and not finished
    std::optional<RequestSource::TimePoint> wake_at_;  // when the source expects to have more
    bool tag_lines_;
    std::deque<Job> ready_;
    std::vector<Job> delayed_;
    std::vector<InFlight> in_flight_;
};

}  // namespace

Engine::Engine(ClientOptions opts) : options(std::move(opts)) {
    settings.timeout = options.timeout;
    settings.connect_timeout = options.connect_timeout;
    settings.cacert = options.cacert;
    settings.insecure = options.insecure;
    settings.user_agent = options.user_agent.empty() ? std::string(user_agent()) : options.user_agent;
    settings.http2 = options.http2;
    settings.max_reply_bytes = options.max_reply_bytes;
    rng.seed(options.jitter_seed ? *options.jitter_seed : std::random_device{}());
}

void run_batch(Engine& engine, RequestSource& source, int parallel, bool tag_lines) {
    Batch batch(engine, source, parallel, tag_lines);
    batch.run();
}

}  // namespace callctl::http::detail
