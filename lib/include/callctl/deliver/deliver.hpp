// send-push's engine (callctl(1), "send-push"): one payload to many device
// tokens over FCM HTTP v1 and APNs, concurrently over reused connections,
// each device's outcome reported as it completes. Where the OAuth access
// token and the APNs JWT come from (and how they are cached) is the caller's:
// the engine asks a TokenProvider, and once per run asks it to renew when a
// service refuses the token it was given.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "callctl/deliver/apns.hpp"
#include "callctl/deliver/fcm.hpp"
#include "callctl/deliver/payload.hpp"
#include "callctl/deliver/result.hpp"
#include "callctl/error.hpp"
#include "callctl/http/http.hpp"

namespace callctl::deliver {

struct Target {
    Platform platform = Platform::fcm;
    std::string token;
};

// `renew` false: the token to use (a cached one is fine). `renew` true: the
// service refused the last one (FCM 401, APNs ExpiredProviderToken): a fresh
// one. Failures are Errors (an OAuth exchange refused is auth, 5).
using TokenProvider = std::function<Result<std::string>(bool renew)>;

struct DeliveryOptions {
    std::string fcm_url;         // --fcm-url
    std::string fcm_project_id;  // the service account's project_id
    std::string apns_url;        // --apns-url, or the --apns-env default
    FcmSendOptions fcm;
    ApnsSendOptions apns;
    int parallel = 8;  // --parallel: transfers in flight per service
    // --cancel-after: the matching stop push goes to each device that long
    // after its incoming-call push was answered (intercom pushes only).
    std::optional<std::chrono::milliseconds> cancel_after;
    bool dry_run = false;  // no token is asked for; requests carry $CALLCTL_… stand-ins
};

// What the engine sends through: a client per service (APNs's with
// ClientOptions::http2) and where their tokens come from. Unused members
// (no APNs targets) may be null.
struct Services {
    http::Client* fcm_client = nullptr;
    http::Client* apns_client = nullptr;
    TokenProvider fcm_access_token;
    TokenProvider apns_jwt;
};

using ResultSink = std::function<void(DeviceResult)>;

// Checks everything that can be checked before a byte leaves (the payload
// fits every platform in `targets`, --cancel-after has an intercom incoming
// push, a client and a token provider for each platform, HTTP/2 for APNs),
// then delivers: FCM targets first, then APNs ones, `on_result` called on
// this thread as each device's answer arrives. A device that refuses never
// stops the others. Returns an Error only for what stops the whole run
// (those checks, a token that cannot be had at all, Ctrl-C); each device's
// own failure is in its DeviceResult.
Status deliver_push(const Payload& payload, const std::vector<Target>& targets, const DeliveryOptions& options,
               const Services& services, const ResultSink& on_result);

}  // namespace callctl::deliver
