// Reading the push services' credentials from their settings rows
// (--fcm-credentials, --apns-key with --apns-key-id/--apns-team-id/--apns-topic,
// --fcm-url, --apns-url/--apns-env; callctl(1), "send-push"): shared by
// send-push and listen --relay.
#pragma once

#include <optional>
#include <string_view>

#include "callctl/config/settings.hpp"
#include "callctl/deliver/deliver.hpp"
#include "callctl/deliver/keys.hpp"
#include "callctl/error.hpp"

namespace callctl::cli {

// A resolved setting, when it has a value.
std::optional<config::SettingValue> given_setting(const config::Settings& settings, std::string_view name);

// The service account file `credentials` names (3 when it is not one); sets
// delivery.fcm_project_id and delivery.fcm_url.
Result<deliver::ServiceAccount> read_fcm_credentials(const config::SettingValue& credentials, const config::Settings& settings,
                                                     deliver::DeliveryOptions& delivery);

// The .p8 key `key_file` names with its key and team ids (usage 2 when one is
// missing or not 10 characters); sets delivery.apns.topic and delivery.apns_url.
Result<deliver::ApnsCredentials> read_apns_credentials(const config::SettingValue& key_file, const config::Settings& settings,
                                                       deliver::DeliveryOptions& delivery);

}  // namespace callctl::cli
