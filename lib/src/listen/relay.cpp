// --relay: one worker of its own owns the PushSender (not thread-safe, and
// its credentials are not copyable), so a slow push service delays only the
// lines waiting for it, never the server.
#include "callctl/listen/relay.hpp"

#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "callctl/deliver/payload.hpp"
#include "callctl/deliver/result.hpp"
#include "callctl/util/json.hpp"
#include "listen/work_pool.hpp"

namespace callctl::listen {

namespace {

// Kaleyra and Webex incoming calls: what the relay is for (an intercom push is already one).
std::optional<push::Vendor> relayed_vendor(const Json& event) {
    if (!event.is_object() || event.value("event", "") != "call.incoming") return std::nullopt;
    const std::string vendor = event.value("vendor", "");
    if (vendor == "kaleyra") return push::Vendor::kaleyra;
    if (vendor == "webex") return push::Vendor::webex;
    return std::nullopt;
}

class Relayer final : public EventAction {
public:
    Relayer(RelayOptions options, Notify notify)
        : map_(std::move(options.map)),
          delivery_(std::move(options.delivery)),
          queue_capacity_(options.queue_capacity),
          notify_(std::move(notify)),
          sender_(std::move(options.sender)),
          pool_(1, options.queue_capacity) {
        delivery_.dry_run = false;
    }

    std::string_view key() const override { return "relay"; }

    void start(const Request& request, const Json& event, Done done) override {
        const auto vendor = relayed_vendor(event);
        if (!vendor) {
            done(nullptr);
            return;
        }
        auto body = std::make_shared<std::string>(request.body);
        const bool queued = pool_.try_submit([this, body, vendor, done](std::size_t) { done(relay(*body, *vendor)); });
        if (!queued) {
            const std::string reason = fmt::format("not relayed: {} events already waiting", queue_capacity_);
            notify_(fmt::format("relay: {}", reason));
            done(Json{{"results", Json::array()}, {"no_devices", Json::array()}, {"error", reason}});
        }
    }

    void finish() override { pool_.shutdown(); }

private:
    Json relay(const std::string& raw, push::Vendor vendor) {
        Json out{{"results", Json::array()}, {"no_devices", Json::array()}};
        // listen accepted the body, so it parses; a body that did not would name no callees.
        const auto parsed = util::parse_ordered_json(raw);
        const Json body = parsed ? *parsed : Json();
        const std::vector<std::string> callees = webhook::callees_of(body, vendor);
        const std::vector<webhook::RelayTarget> targets = webhook::relay_targets(map_, callees);
        for (const auto& callee : callees) {
            const auto it = map_.find(callee);
            if (it == map_.end() || it->second.empty()) out["no_devices"].push_back(callee);
        }
        if (targets.empty()) return out;

        auto payload = deliver::map_payload(raw);
        if (!payload) return failed(out, payload.error().message);
        std::vector<deliver::Target> devices;
        devices.reserve(targets.size());
        for (const auto& target : targets) {
            devices.push_back({target.device.platform == "apns" ? deliver::Platform::apns : deliver::Platform::fcm,
                               target.device.token});
        }
        std::vector<std::optional<Json>> results(targets.size());
        const Status sent = sender_.send(*payload, devices, delivery_, [&](deliver::DeviceResult result) {
            if (result.index >= targets.size()) return;
            const std::string& user = targets[result.index].user;
            if (!result.ok) {
                notify_(fmt::format("relay to {} ({}): {}", user, to_string(result.platform),
                                    result.message.empty() ? result.error : result.message));
            }
            Json line{{"user", user}};
            const Json fields = deliver::to_json(result);
            for (const auto& [name, value] : fields.items()) line[name] = value;
            results[result.index] = std::move(line);
        });
        for (auto& result : results) {
            if (result) out["results"].push_back(std::move(*result));
        }
        if (!sent) return failed(out, sent.error().message);
        return out;
    }

    Json failed(Json out, const std::string& message) {
        notify_(fmt::format("relay failed: {}", message));
        out["error"] = message;
        return out;
    }

    webhook::RelayMap map_;
    deliver::DeliveryOptions delivery_;
    std::size_t queue_capacity_;
    Notify notify_;
    deliver::PushSender sender_;  // used by the pool's one worker only
    detail::WorkPool pool_;       // last: its worker uses the members above
};

}  // namespace

std::unique_ptr<EventAction> make_relayer(RelayOptions options, Notify notify) {
    return std::make_unique<Relayer>(std::move(options), std::move(notify));
}

}  // namespace callctl::listen
