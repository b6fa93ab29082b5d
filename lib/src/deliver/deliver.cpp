// The send-push engine: a RequestSource per service that builds each
// device's request only when a transfer slot is free (10 000 devices never
// sit in memory as requests), renews a refused token once per run and
// re-sends what it refused, and schedules --cancel-after stop pushes at the
// exact time they are due.
#include "callctl/deliver/deliver.hpp"

#include <chrono>
#include <deque>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "callctl/util/interrupt.hpp"
#include "callctl/util/time.hpp"

namespace callctl::deliver {

namespace {

using Clock = std::chrono::steady_clock;

// What a dry run's requests carry instead of secrets: to_curl_command turns
// them into $CALLCTL_FCM_ACCESS_TOKEN / $CALLCTL_APNS_JWT.
constexpr const char* dry_run_fcm_token = "dry-run-fcm-access-token";
constexpr const char* dry_run_apns_jwt = "dry-run-apns-provider-token";

// The service says the token it was given is no good any more: worth one
// renewal and one more try (the push was refused, so it was not delivered).
bool refused_token(Platform platform, const http::Response& response) {
    if (platform == Platform::fcm) return response.status == 401;
    return response.status == 403 && response.body.find("ExpiredProviderToken") != std::string::npos;
}

// One push, rendered once for every device of one platform.
struct RenderedPush {
    std::optional<FcmMessage> fcm;  // FCM: completed per device token
    std::string apns_body;          // APNs: the same body for every device
};

RenderedPush render(const Payload& payload, Platform platform, const DeliveryOptions& options) {
    RenderedPush out;
    if (platform == Platform::fcm) out.fcm.emplace(*payload.fcm_data, options.fcm);
    else out.apns_body = apns_body_text(*payload.apns_body);
    return out;
}

class PushSource : public http::RequestSource {
public:
    PushSource(Platform platform, const std::vector<Target>& targets, std::vector<std::size_t> devices,
               const Payload& payload, const Payload* stop, const DeliveryOptions& options, const TokenProvider& tokens,
               std::string token, const ResultSink& sink)
        : platform_(platform),
          targets_(targets),
          devices_(std::move(devices)),
          incoming_(render(payload, platform, options)),
          options_(options),
          tokens_(tokens),
          token_(std::move(token)),
          sink_(sink) {
        used_tokens_.push_back({token_, ""});
        if (stop != nullptr) stop_.emplace(render(*stop, platform, options));
        if (platform_ == Platform::fcm) fcm_url_ = fcm_send_url(options.fcm_url, options.fcm_project_id);
    }

    std::optional<http::SourcedRequest> next(std::optional<TimePoint>& wake_at) override {
        if (!resend_.empty()) {
            const std::size_t index = resend_.front();
            resend_.pop_front();
            return build(index);
        }
        const auto now = Clock::now();
        if (!stops_due_.empty() && stops_due_.front().due <= now) {
            const std::size_t device = stops_due_.front().device;
            stops_due_.pop_front();
            return build(devices_.size() + device);
        }
        if (next_device_ < devices_.size()) return build(next_device_++);
        if (!stops_due_.empty()) wake_at = stops_due_.front().due;
        return std::nullopt;
    }

    bool exhausted() const override {
        return next_device_ == devices_.size() && resend_.empty() && stops_due_.empty() && in_flight_ == 0;
    }

    void done(std::size_t index, http::Outcome outcome) override {
        --in_flight_;
        const auto generation = generation_of_.find(index);
        const int used = generation != generation_of_.end() ? generation->second : generation_;
        if (generation != generation_of_.end()) generation_of_.erase(generation);
        const bool is_stop = index >= devices_.size();
        const std::size_t device = is_stop ? index - devices_.size() : index;

        if (options_.dry_run) {
            if (!is_stop && stop_) stops_due_.push_back({device, Clock::now()});
            return;
        }
        DeviceResult result;
        if (outcome) {
            if (refused_token(platform_, *outcome) && resent_.count(index) == 0 && renew(used)) {
                resent_.insert(index);
                resend_.push_back(index);
                return;
            }
            result = platform_ == Platform::fcm ? fcm_result(*outcome) : apns_result(*outcome);
        } else {
            const auto& error = outcome.error();
            result = transport_result(error, fmt::format("POST {}", error.url));
        }
        // A server that echoes the token back must not put it on stdout.
        result.error = http::redact(result.error, used_tokens_);
        result.message = http::redact(result.message, used_tokens_);
        result.index = devices_[device];
        result.to = targets_[devices_[device]].token;
        result.platform = platform_;
        result.role = stop_ ? (is_stop ? PushRole::stop : PushRole::incoming) : PushRole::single;
        const bool schedule_stop = !is_stop && stop_ && result.ok;
        sink_(std::move(result));
        if (schedule_stop) stops_due_.push_back({device, Clock::now() + *options_.cancel_after});
    }

private:
    struct DueStop {
        std::size_t device;
        TimePoint due;  // answers arrive in order, so these are too: a FIFO suffices
    };

    // Renews the token once per run. True when a newer token than `used` is
    // there to retry with.
    bool renew(int used) {
        if (used != generation_) return true;  // renewed meanwhile by another device's refusal
        if (renewed_) return false;
        renewed_ = true;
        auto fresh = tokens_(true);
        if (!fresh) return false;
        token_ = std::move(*fresh);
        used_tokens_.push_back({token_, ""});
        ++generation_;
        return true;
    }

    // Request indexes: the device's position for its (incoming) push, that
    // plus the number of devices for its stop push; -v tags lines with them.
    http::SourcedRequest build(std::size_t index) {
        const bool is_stop = index >= devices_.size();
        const RenderedPush& push = is_stop ? *stop_ : incoming_;
        const std::string& device_token = targets_[devices_[is_stop ? index - devices_.size() : index]].token;
        auto request = std::make_shared<http::Request>(
            platform_ == Platform::fcm
                ? fcm_send_request(fcm_url_, push.fcm->body_for(device_token), token_)
                : apns_send_request(options_.apns_url, device_token, push.apns_body, options_.apns, util::unix_now(), token_));
        generation_of_[index] = generation_;
        ++in_flight_;
        return http::SourcedRequest{index, std::move(request)};
    }

    Platform platform_;
    const std::vector<Target>& targets_;
    std::vector<std::size_t> devices_;  // positions in targets_ of this platform's devices
    RenderedPush incoming_;
    std::optional<RenderedPush> stop_;  // --cancel-after
    const DeliveryOptions& options_;
    const TokenProvider& tokens_;
    std::string token_;
    std::vector<http::Secret> used_tokens_;  // every token this run sent (at most two)
    int generation_ = 0;  // bumped by each renewal
    bool renewed_ = false;
    std::string fcm_url_;

    std::size_t next_device_ = 0;
    std::size_t in_flight_ = 0;
    std::deque<std::size_t> resend_;          // refused for their token: again with the new one
    std::unordered_set<std::size_t> resent_;  // each at most once
    std::unordered_map<std::size_t, int> generation_of_;  // in flight: which token they carry
    std::deque<DueStop> stops_due_;
    const ResultSink& sink_;
};

Status check_services(Platform platform, const DeliveryOptions& options, const Services& services) {
    const bool fcm = platform == Platform::fcm;
    if ((fcm ? services.fcm_client : services.apns_client) == nullptr ||
        (!options.dry_run && !(fcm ? services.fcm_access_token : services.apns_jwt))) {
        return make_error(ExitCode::internal, fmt::format("send-push has no {} client or token (a bug)", to_string(platform)));
    }
    if (fcm) {
        if (options.fcm_project_id.empty()) return make_error(ExitCode::usage, "FCM needs the service account's project_id");
        return {};
    }
    if (options.apns.topic.empty()) {
        return make_error(ExitCode::usage, "APNs needs --apns-topic (or CALLCTL_APNS_TOPIC): the app's bundle id");
    }
    if (!http::http2_available()) {
        return make_error(ExitCode::network, "this libcurl has no HTTP/2, and APNs speaks nothing else",
                          "install a libcurl built with nghttp2 (Debian's libcurl4 is)");
    }
    return {};
}

}  // namespace

Status deliver_push(const Payload& payload, const std::vector<Target>& targets, const DeliveryOptions& options,
               const Services& services, const ResultSink& on_result) {
    if (targets.empty()) return make_error(ExitCode::usage, "send-push needs at least one device token (--to or --to-file)");
    if (options.parallel < 1) return make_error(ExitCode::usage, "--parallel must be at least 1");

    std::optional<Payload> stop;
    if (options.cancel_after) {
        auto matching = matching_stop_push(payload);
        if (!matching) return std::move(matching).error();
        stop = std::move(*matching);
    }

    std::vector<std::size_t> by_platform[2];
    for (std::size_t i = 0; i < targets.size(); ++i) by_platform[targets[i].platform == Platform::fcm ? 0 : 1].push_back(i);

    // Everything that could fail is checked for both services before either sends.
    for (const Platform platform : {Platform::fcm, Platform::apns}) {
        if (by_platform[platform == Platform::fcm ? 0 : 1].empty()) continue;
        if (auto ok = check_services(platform, options, services); !ok) return ok;
        const PushType push_type = platform == Platform::apns ? options.apns.push_type : PushType::alert;
        if (auto ok = check_deliverable(payload, platform, push_type); !ok) return ok;
        if (stop) {
            if (auto ok = check_deliverable(*stop, platform, push_type); !ok) return ok;
        }
    }

    for (const Platform platform : {Platform::fcm, Platform::apns}) {
        auto& devices = by_platform[platform == Platform::fcm ? 0 : 1];
        if (devices.empty()) continue;
        const bool fcm = platform == Platform::fcm;
        const TokenProvider& tokens = fcm ? services.fcm_access_token : services.apns_jwt;
        std::string token = fcm ? dry_run_fcm_token : dry_run_apns_jwt;
        if (!options.dry_run) {
            auto first = tokens(false);
            if (!first) return std::move(first).error();
            token = std::move(*first);
        }
        PushSource source(platform, targets, std::move(devices), payload, stop ? &*stop : nullptr, options, tokens,
                          std::move(token), on_result);
        (fcm ? services.fcm_client : services.apns_client)->send_from(source, options.parallel);
        if (util::interrupted()) return stopped_error("send-push");
    }
    return {};
}

}  // namespace callctl::deliver
