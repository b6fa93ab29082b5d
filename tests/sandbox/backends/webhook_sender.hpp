// The webhook sender: when a call is created (POST /rtc/createCall) or an
// admin asks (POST /_sandbox/webhooks/send), the sandbox POSTs the webhooks
// Kaleyra and Webex would send for it (webhook/examples.hpp), signed
// (push/signature.hpp): one Kaleyra on_call_incoming per Kaleyra target, one
// Webex telephony_push per invitee per Webex target (the targets given by
// flag or admin route, and the telephony_push webhooks created through the
// fake Webex API with their secrets). A fixed pool of sender threads works a
// bounded queue; each POST is bounded in time and made once. What came of
// each is kept for GET /_sandbox/webhooks/deliveries.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend.hpp"

namespace callctl::sandbox {

class RestBackend;
class WebexApiBackend;

class WebhookSenderBackend final : public Backend {
public:
    WebhookSenderBackend(RestBackend& rest, WebexApiBackend& webex);
    ~WebhookSenderBackend() override;

    void add_options(CLI::App& app) override;
    Status start() override;
    void install(Router& router) override;

    // Who a call rings: its creator and invitees, as the REST API has them.
    struct CallParties {
        std::string call_id;
        nlohmann::json caller;                // a contact: userId, displayName, ...
        std::vector<nlohmann::json> callees;  // contacts
    };
    // Queues the webhooks of one call for every target; returns their delivery seqs.
    std::vector<std::uint64_t> send_for(const CallParties& call, const std::string& trigger);

private:
    struct Target {
        std::string id;      // "flag-1", "tgt_1", "webex:<webhook id>"
        std::string vendor;  // kaleyra | webex
        std::string url;
        std::optional<std::string> secret;
        std::string signature = "v1";  // Kaleyra: v1 | v0
        std::string t_unit = "s";      // Kaleyra v1: s | ms
        bool kaleyra_v1 = false;       // Kaleyra: the v1 envelope
        std::string cacert;            // https: trust this CA file (else the system's)
        nlohmann::json webex_webhook;  // a fake-API webhook: its envelope fields
        nlohmann::json describe() const;
    };
    struct Job {
        std::uint64_t seq = 0;
        Target target;
        nlohmann::json record;  // the delivery as far as it is known
        std::string body;
        std::vector<std::pair<std::string, std::string>> headers;
    };

    Reply add_target(const nlohmann::json& body);
    Reply list_targets() const;
    Reply send_admin(const nlohmann::json& body);
    Reply deliveries(const httplib::Request& request);
    std::vector<Target> all_targets() const;
    std::optional<Job> make_job(const Target& target, const CallParties& call, const nlohmann::json* callee,
                                const std::string& trigger);
    void work();
    nlohmann::json deliver(const Job& job) const;

    RestBackend& rest_;
    WebexApiBackend& webex_;
    // Flags
    std::vector<std::string> flag_urls_;
    std::string flag_vendors_ = "both";
    std::string kaleyra_key_ = "ak_sandbox_callctl";
    std::string webex_secret_;
    std::string cacert_;
    double timeout_seconds_ = 5;

    mutable std::mutex mutex_;
    std::condition_variable work_ready_;
    std::condition_variable delivered_;
    std::vector<Target> flag_targets_;
    std::vector<Target> admin_targets_;
    std::uint64_t next_target_ = 1;
    std::deque<Job> queue_;
    std::map<std::uint64_t, nlohmann::json> deliveries_;  // by seq; "state" queued | done
    std::uint64_t next_seq_ = 1;
    std::vector<std::thread> workers_;
    bool stopping_ = false;
};

}  // namespace callctl::sandbox
