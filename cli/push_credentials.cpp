#include "push_credentials.hpp"

#include <fmt/format.h>

#include "callctl/config/setting_table.hpp"
#include "callctl/util/fs.hpp"

namespace callctl::cli {

std::optional<config::SettingValue> given_setting(const config::Settings& settings, std::string_view name) {
    const config::SettingValue& value = settings.value(name);
    if (value.source == config::Source::none || value.text.empty()) return std::nullopt;
    return value;
}

Result<deliver::ServiceAccount> read_fcm_credentials(const config::SettingValue& credentials, const config::Settings& settings,
                                                     deliver::DeliveryOptions& delivery) {
    auto text = util::read_file(credentials.text);
    if (!text) return text.error();
    auto account = deliver::parse_service_account(*text, fmt::format("{} {}", credentials.origin, credentials.text));
    if (!account) return account.error();
    delivery.fcm_project_id = account->project_id;
    delivery.fcm_url = settings.text("fcm_url");
    return account;
}

Result<deliver::ApnsCredentials> read_apns_credentials(const config::SettingValue& key_file, const config::Settings& settings,
                                                       deliver::DeliveryOptions& delivery) {
    auto text = util::read_file(key_file.text);
    if (!text) return text.error();
    auto key = deliver::parse_apns_key(*text, fmt::format("{} {}", key_file.origin, key_file.text));
    if (!key) return key.error();
    const auto required = [&](std::string_view name, std::string_view flag, bool apple_id) -> Result<std::string> {
        auto value = given_setting(settings, name);
        if (!value) {
            return make_error(ExitCode::usage, fmt::format("APNs needs {} (or {})", flag, config::find_setting(name)->env));
        }
        if (apple_id) {
            if (auto ok = deliver::check_apple_id(value->text, value->origin); !ok) return ok.error();
        }
        return value->text;
    };
    auto key_id = required("apns_key_id", "--apns-key-id", true);
    if (!key_id) return key_id.error();
    auto team_id = required("apns_team_id", "--apns-team-id", true);
    if (!team_id) return team_id.error();
    auto topic = required("apns_topic", "--apns-topic", false);
    if (!topic) return topic.error();
    delivery.apns.topic = *topic;
    delivery.apns_url = settings.text("apns_url");
    return deliver::ApnsCredentials{std::move(*key), std::move(*key_id), std::move(*team_id)};
}

}  // namespace callctl::cli
