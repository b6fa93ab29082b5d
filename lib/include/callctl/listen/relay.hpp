// listen --relay MAP.json (callctl(1), "listen"): each accepted incoming-call
// webhook (Kaleyra on_call_incoming, Webex telephony_push) is mapped to a push
// (deliver::map_payload, what send-push sends) and delivered to the devices
// MAP lists for its callees (webhook::relay_targets), through one PushSender
// that lives as long as the listener (cached FCM token, reused APNs JWT).
#pragma once

#include <cstddef>
#include <memory>

#include "callctl/deliver/sender.hpp"
#include "callctl/listen/listen.hpp"
#include "callctl/webhook/relay_map.hpp"

namespace callctl::listen {

struct RelayOptions {
    webhook::RelayMap map;
    deliver::SenderSetup sender;        // credentials for the platforms MAP uses
    deliver::DeliveryOptions delivery;  // urls, project id, topic; dry_run must be off
    std::size_t queue_capacity = 256;   // events waiting to be relayed; beyond that one is not relayed
};

// Its member, "relay", on each Kaleyra/Webex call.incoming event (none on
// others): {"results":[{"user", + send-push's result object}], "no_devices":
// [users MAP names no device for]} (+ "error" when the push could not be sent
// at all: not mappable, credentials refused, queue full). Events are relayed
// one at a time, in the order accepted; a push's devices concurrently. Failed
// devices and failed relays are also notices.
std::unique_ptr<EventAction> make_relayer(RelayOptions options, Notify notify);

}  // namespace callctl::listen
