#include "backends.hpp"

#include <utility>

#include "apns.hpp"
#include "device_faults.hpp"
#include "fcm.hpp"
#include "intercom.hpp"
#include "intercom_auth.hpp"
#include "kaleyra.hpp"
#include "push.hpp"
#include "rest.hpp"
#include "token.hpp"
#include "webex_api.hpp"
#include "webhook_sender.hpp"
#include "webhooks.hpp"

namespace callctl::sandbox {

template <class Kind, class... Args>
Kind& Backends::add(Args&&... args) {
    auto backend = std::make_unique<Kind>(std::forward<Args>(args)...);
    Kind& added = *backend;
    all_.push_back(std::move(backend));
    return added;
}

// The registration list. Order matters only for --help (option groups appear
// in it) and for a backend that needs another one (push rings intercom's devices,
// the webhook sender hears of calls from rest and of Webex webhooks from webex).
Backends::Backends(Shared& shared) {
    add<TokenBackend>(shared);
    auto& rest = add<RestBackend>(shared);
    auto& intercom = add<IntercomBackend>(shared);
    add<PushBackend>(shared, intercom);
    add<WebhookBackend>();
    add<IntercomAuthBackend>(shared);
    add<KaleyraBackend>(shared);
    auto& device_faults = add<DeviceFaults>();
    add<FcmBackend>(device_faults);
    add<ApnsBackend>(device_faults);
    auto& webex = add<WebexApiBackend>();
    add<WebhookSenderBackend>(rest, webex);  // sends a created call's webhooks, also to the fake API's webhooks
}

void Backends::add_options(CLI::App& app) {
    for (const auto& backend : all_) backend->add_options(app);
}

Status Backends::start() {
    for (const auto& backend : all_) {
        if (auto started = backend->start(); !started) return started;
    }
    return {};
}

void Backends::install(Router& router) {
    for (const auto& backend : all_) backend->install(router);
}

Status Backends::serve(const ServeContext& context, nlohmann::json& ready) {
    for (const auto& backend : all_) {
        if (auto served = backend->serve(context, ready); !served) return served;
    }
    return {};
}

}  // namespace callctl::sandbox
