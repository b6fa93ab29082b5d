#include "callctl/deliver/sender.hpp"

#include <utility>

#include "callctl/deliver/apns.hpp"

namespace callctl::deliver {

PushSender::PushSender(SenderSetup setup) : setup_(std::move(setup)) {
    // The OAuth exchange has its own client: a renewal may happen while the FCM batch runs.
    oauth_client_ = std::make_unique<http::Client>(setup_.client);
    fcm_client_ = std::make_unique<http::Client>(setup_.client);
    http::ClientOptions h2 = setup_.client;
    h2.http2 = true;
    apns_client_ = std::make_unique<http::Client>(h2);
    if (setup_.fcm) {
        fcm_token_ = std::make_unique<FcmAccessToken>(*setup_.fcm, *oauth_client_, setup_.credentials_path, setup_.profile,
                                                      setup_.note, setup_.clock);
    }
}

PushSender::~PushSender() = default;

Result<std::string> PushSender::apns_jwt(bool renew) {
    const std::int64_t now = setup_.clock();
    const bool stale = now - apns_jwt_signed_at_ >= std::chrono::seconds(apns_jwt_lifetime).count();
    if (apns_jwt_ && !renew && !stale) return *apns_jwt_;
    if (setup_.note) {
        setup_.note(renew ? "APNs called the provider token expired; signing a new one" : "signing an ES256 APNs provider token");
    }
    auto token = apns_provider_token(*setup_.apns, now);
    if (!token) return token;
    apns_jwt_ = *token;
    apns_jwt_signed_at_ = now;
    return token;
}

Status PushSender::send(const Payload& payload, const std::vector<Target>& targets, DeliveryOptions options,
                        const ResultSink& on_result) {
    Services services;
    services.fcm_client = fcm_client_.get();
    services.apns_client = apns_client_.get();
    if (fcm_token_) {
        services.fcm_access_token = token_provider(*fcm_token_);
        if (options.fcm_project_id.empty()) options.fcm_project_id = setup_.fcm->project_id;
    }
    if (setup_.apns) services.apns_jwt = [this](bool renew) { return apns_jwt(renew); };
    return deliver_push(payload, targets, options, services, on_result);
}

std::vector<std::string> PushSender::dry_run_commands() const {
    std::vector<std::string> out = fcm_client_->dry_run_commands();
    const auto& apns = apns_client_->dry_run_commands();
    out.insert(out.end(), apns.begin(), apns.end());
    return out;
}

}  // namespace callctl::deliver
