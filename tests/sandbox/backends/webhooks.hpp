// Kaleyra and Webex webhook generator (callctl(1), WIRE FORMATS): admin
// routes that answer with the body a vendor would POST to its customer's
// server, and, given the secret, the signature header the vendor would send
// with it. Like the intercom push routes, they make payloads; they send none
// (the webhook sender does). And a receiver: POST /hooks/... answers 200.
#pragma once

#include <nlohmann/json.hpp>

#include "backend.hpp"

namespace callctl::sandbox {

class WebhookBackend final : public Backend {
public:
    void install(Router& router) override;

    // POST /_sandbox/push/webex: a telephony_push firehose webhook.
    static Reply webex(const nlohmann::json& request);
    // POST /_sandbox/push/kaleyra: an on_call_incoming or on_missed_call body.
    static Reply kaleyra(const nlohmann::json& request);
};

}  // namespace callctl::sandbox
