// The built-in example webhooks (callctl(1), send-webhook --event, and WIRE
// FORMATS): the one place that knows what a Kaleyra or Webex webhook body
// looks like when callctl makes one. send-webhook --event sends them; the
// sandbox sends them when a call is created and answers them from its
// generator routes.
//
//   on_call_incoming  Kaleyra's push example (a room, its initiator and the
//                     invited users, the call options), fresh ids, the current time
//   on_missed_call    data.caller_id, data.called_users[{user_id,status}]
//   on_message_sent   illustrative: Kaleyra's payload is not public
//   on_room_deleted   the room id (top and data.roomAlias)
//   telephony_push    a Webex firehose webhook (resource telephony_push, event
//                     updated) whose data carries fcmPayload and apnsPayload with
//                     webhookTelephonyPush as JSON text
//
// Kaleyra bodies come as v0 bodies (room_id at the top) or, with `kaleyra_v1`,
// in the v1 envelope {"event","event_version":"1.0","namespace":"room",
// "timestamp":<ms>,"data":{"room_id",…}}.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/error.hpp"
#include "callctl/push/push.hpp"

namespace callctl::webhook {

using Json = push::Json;

struct ExampleEvent {
    std::string_view name;  // as --event takes it, the vendor's own event name
    push::Vendor vendor;
    std::string_view summary;  // one line for --help and errors
};
// Every event --event knows, in the order of the man page.
const std::vector<ExampleEvent>& example_events();
// The entry named `name` (exact), or nullptr.
const ExampleEvent* find_example_event(std::string_view name);

struct ExampleParams {
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
    // Kaleyra
    std::string caller = "usr_123";
    std::vector<std::string> callees = {"usr_999"};
    std::string room_id;     // "" : a fresh room_<12 hex>
    bool kaleyra_v1 = false;  // the v1 envelope
    // Webex: the callee's person id goes into actorId, createdBy and
    // data.personId (the backend of Cisco's guide looks the user up by
    // actorId, Cisco's forwarder samples by createdBy).
    std::string person_id;  // "" : a fresh one
    std::optional<std::string> created_by;  // another createdBy than person_id
    std::string person_email = "callee@example.com";
    std::string caller_name = "Alice Caller";
    std::string caller_number = "+14085550100";
    std::string target_url = "https://example.com/webex/telephony-push";
    std::optional<std::string> filter;
};

// The example body of `event`; an unknown event is usage (2) listing the known ones.
Result<Json> example_webhook(std::string_view event, const ExampleParams& params);

// Webex ids: unpadded base64 of "ciscospark://us/<KIND>/<id>" (KIND PEOPLE,
// WEBHOOK, ORGANIZATION, APPLICATION, CALL, TELEPHONY_PUSH); `id` "" is a fresh UUID.
std::string webex_id(std::string_view kind, std::string_view id = {});
// A random (version 4) UUID, lower case.
std::string uuid_v4();
// "2024-06-01T10:00:00.123Z"
std::string iso8601_millis(std::chrono::system_clock::time_point when);

}  // namespace callctl::webhook
