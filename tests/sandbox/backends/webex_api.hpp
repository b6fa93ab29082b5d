// A fake Webex webhooks API (callctl(1), "webex-webhook"): POST, GET (paged
// with Link: <…>; rel="next") and DELETE /v1/webhooks behind a bearer check,
// with Webex's error shape {"message","errors":[{"description"}],"trackingId"}.
// The telephony_push webhooks created here are where the webhook sender
// (webhook_sender.hpp) delivers a call's telephony_push webhooks.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backend.hpp"

namespace callctl::sandbox {

class WebexApiBackend final : public Backend {
public:
    void add_options(CLI::App& app) override;
    void install(Router& router) override;

    // A created webhook that wants telephony_push deliveries.
    struct Subscriber {
        nlohmann::json webhook;  // as GET shows it (secret included)
        std::optional<std::string> secret;
    };
    std::vector<Subscriber> telephony_push_subscribers() const;

private:
    enum class Role { none, user, admin };
    Role role_of(const std::string& authorization) const;

    Reply create(const nlohmann::json& body, Role role);
    Reply list(const httplib::Request& request, const std::string& base_url) const;
    Reply get(const std::string& id) const;
    Reply remove(const std::string& id);

    std::string admin_token_ = "webex-sandbox-admin-token";
    std::string user_token_ = "webex-sandbox-user-token";
    std::size_t page_size_ = 100;  // a list's page when the client asks for no `max`
    mutable std::mutex mutex_;
    std::map<std::uint64_t, nlohmann::json> webhooks_;  // by creation order
    std::uint64_t next_seq_ = 1;
    std::string org_id_;
};

// Webex's error answer: {"message","errors":[{"description"}],"trackingId"} (+ TrackingID header).
Reply webex_error(int status, const std::string& message);

}  // namespace callctl::sandbox
