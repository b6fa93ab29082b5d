#include "callctl/deliver/apns.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "callctl/util/strings.hpp"

namespace callctl::deliver {

Result<std::string> apns_provider_token(const ApnsCredentials& credentials, std::int64_t now_unix) {
    return crypto::sign_jwt({{"kid", credentials.key_id}}, {{"iss", credentials.team_id}, {"iat", now_unix}}, credentials.key);
}

std::string apns_topic(std::string_view topic, PushType push_type) {
    std::string out(topic);
    if (push_type == PushType::voip && !(out.size() >= 5 && out.compare(out.size() - 5, 5, ".voip") == 0)) out += ".voip";
    return out;
}

int apns_priority(Priority priority, PushType push_type) {
    // Apple: background pushes must use 5, or they are refused.
    return priority == Priority::high && push_type != PushType::background ? 10 : 5;
}

std::int64_t apns_expiration(std::chrono::seconds ttl, std::int64_t now_unix) {
    return ttl.count() == 0 ? 0 : now_unix + ttl.count();
}

Status check_collapse_id(std::string_view collapse_id) {
    if (collapse_id.empty()) return make_error(ExitCode::usage, "--collapse-id must not be empty");
    if (collapse_id.size() > 64) {
        return make_error(ExitCode::usage, fmt::format("--collapse-id is {} bytes; APNs allows at most 64", collapse_id.size()));
    }
    for (const char c : collapse_id) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return make_error(ExitCode::usage, "--collapse-id has a control character");
    }
    return {};
}

http::Request apns_send_request(std::string_view apns_url, std::string_view device_token, std::string body,
                                const ApnsSendOptions& options, std::int64_t now_unix, const std::string& provider_token) {
    http::Request request;
    request.method = http::Method::post;
    request.url = http::join_url(apns_url, "/3/device/" + http::percent_encode(device_token));
    request.headers = {
        {"authorization", "bearer " + provider_token},
        {"apns-topic", apns_topic(options.topic, options.push_type)},
        {"apns-push-type", std::string(to_string(options.push_type))},
        {"apns-priority", std::to_string(apns_priority(options.priority, options.push_type))},
        {"apns-expiration", std::to_string(apns_expiration(options.ttl, now_unix))},
    };
    if (options.collapse_id) request.headers.push_back({"apns-collapse-id", *options.collapse_id});
    request.headers.push_back({"content-type", "application/json"});
    request.body = std::move(body);
    request.replay = http::Replay::unsafe;
    request.secrets = {{provider_token, apns_jwt_env}};
    return request;
}

}  // namespace callctl::deliver
