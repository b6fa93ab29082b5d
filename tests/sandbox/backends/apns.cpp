#include "apns.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "callctl/crypto/crypto.hpp"
#include "callctl/deliver/keys.hpp"
#include "callctl/util/fs.hpp"
#include "callctl/util/strings.hpp"
#include "device_faults.hpp"
#include "request_log.hpp"
#include "support.hpp"
#include "vendor_keys.hpp"

namespace callctl::sandbox {

using nlohmann::json;

namespace {

// Apple's documented reasons and their statuses.
int status_for(std::string_view reason) {
    static const std::map<std::string_view, int> table = {
        {"BadCollapseId", 400}, {"BadDeviceToken", 400}, {"BadExpirationDate", 400}, {"BadMessageId", 400},
        {"BadPriority", 400}, {"BadTopic", 400}, {"DeviceTokenNotForTopic", 400}, {"DuplicateHeaders", 400},
        {"IdleTimeout", 400}, {"InvalidPushType", 400}, {"MissingDeviceToken", 400}, {"MissingTopic", 400},
        {"PayloadEmpty", 400}, {"TopicDisallowed", 400}, {"BadCertificate", 403}, {"BadCertificateEnvironment", 403},
        {"ExpiredProviderToken", 403}, {"Forbidden", 403}, {"InvalidProviderToken", 403}, {"MissingProviderToken", 403},
        {"UnrelatedKeyIdInToken", 403}, {"BadEnvironmentKeyInToken", 403}, {"BadPath", 404}, {"MethodNotAllowed", 405},
        {"ExpiredToken", 410}, {"Unregistered", 410}, {"PayloadTooLarge", 413}, {"TooManyProviderTokenUpdates", 429},
        {"TooManyRequests", 429}, {"InternalServerError", 500}, {"ServiceUnavailable", 503}, {"Shutdown", 503},
    };
    const auto it = table.find(reason);
    return it == table.end() ? 500 : it->second;
}

H2Response refuse(std::string_view reason, int status = 0) {
    H2Response response;
    response.status = status != 0 ? status : status_for(reason);
    json body = {{"reason", reason}};
    if (response.status == 410) body["timestamp"] = unix_now_ms();
    response.body = body.dump();
    response.headers.emplace_back("content-type", "application/json");
    return response;
}

const std::string* header(const H2Request& request, std::string_view name) {
    for (const auto& [key, value] : request.headers) {
        if (key == name) return &value;
    }
    return nullptr;
}

bool is_hex(std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

bool is_uuid(std::string_view text) {
    if (text.size() != 36) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? text[i] != '-' : std::isxdigit(static_cast<unsigned char>(text[i])) == 0) return false;
    }
    return true;
}

std::string random_key_id() {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::string id;
    for (const char byte : crypto::random_bytes(10)) id += alphabet[static_cast<unsigned char>(byte) % 36];
    return id;
}

}  // namespace

ApnsBackend::~ApnsBackend() {
    if (server_) server_->stop();
}

void ApnsBackend::add_options(CLI::App& app) {
    app.add_option("--apns-port", port_, "APNs (HTTP/2 over TLS) port; needs --tls-cert (default 0: pick a free one)")
        ->check(CLI::Range(0, 65535))
        ->option_text("N");
    app.add_option("--apns-key-file", key_file_, "APNs token key (.p8) whose public half checks provider tokens (default: a fresh one)")
        ->option_text("FILE");
    app.add_option("--apns-key-id", key_id_, "Its 10-character key id (default: random)")->option_text("KID");
    app.add_option("--apns-team-id", team_id_, "The team id provider tokens must name (default SANDBOXTM1)")->option_text("TEAM");
    app.add_option("--apns-bundle-id", bundle_id_, "The app whose topics APNs accepts (default com.example.callctl)")
        ->option_text("ID");
    app.add_option("--apns-token-renewal-min", renewal_min_seconds_,
                   "Answer TooManyProviderTokenUpdates to a new provider token sooner than SEC after the last (Apple: 1200; default 0: off)")
        ->check(CLI::Range(0LL, 86400LL))
        ->option_text("SEC");
}

Status ApnsBackend::start() {
    if (key_id_.empty()) key_id_ = random_key_id();
    if (auto ok = deliver::check_apple_id(key_id_, "--apns-key-id"); !ok) return ok;
    if (auto ok = deliver::check_apple_id(team_id_, "--apns-team-id"); !ok) return ok;
    if (!key_file_.empty()) {
        auto text = util::read_file(key_file_);
        if (!text) return text.error();
        auto key = deliver::parse_apns_key(*text, "--apns-key-file " + key_file_);
        if (!key) return key.error();
        key_pem_ = std::move(*text);
        public_key_ = crypto::PublicKey::of(*key);
        return {};
    }
    auto pem = generate_private_key_pem(KeyAlgorithm::ec_p256);
    if (!pem) return pem.error();
    auto key = deliver::parse_apns_key(*pem, "the sandbox's APNs key");
    if (!key) return key.error();
    key_pem_ = std::move(*pem);
    public_key_ = crypto::PublicKey::of(*key);
    return {};
}

void ApnsBackend::install(Router& router) {
    router.admin({"GET"}, exact("/_sandbox/apns"), [this](const httplib::Request&, const json&) {
        json info = {{"key_id", key_id_}, {"team_id", team_id_}, {"bundle_id", bundle_id_}, {"key_p8", key_pem_}};
        info["url"] = url_.empty() ? json(nullptr) : json(url_);
        return Reply{200, std::move(info)};
    });
}

Status ApnsBackend::serve(const ServeContext& context, json& ready) {
    if (context.tls_cert.empty()) return {};  // APNs is TLS only: no certificate, no APNs
    log_ = &context.log;
    server_ = std::make_unique<H2Server>([this](const H2Request& request) { return handle(request); });
    auto port = server_->bind(context.tls_cert, context.tls_key, port_);
    if (!port) return port.error();
    url_ = fmt::format("https://127.0.0.1:{}", *port);
    server_->start();
    ready["apns"] = url_;
    return {};
}

H2Response ApnsBackend::handle(const H2Request& request) {
    json entry = {{"method", request.method}, {"path", request.path}, {"target", request.path}, {"query", json::object()}};
    json headers = json::object();
    for (const auto& [name, value] : request.headers) {
        headers[name] = headers.contains(name) ? headers[name].get<std::string>() + ", " + value : value;
    }
    entry["headers"] = std::move(headers);
    entry["body"] = request.body;
    entry["received_at_ms"] = unix_now_ms();
    entry["protocol"] = "HTTP/2";
    entry["connection"] = request.connection;
    H2Response response = answer(request);
    if (response.reset_stream || response.close_connection) {
        entry["status"] = nullptr;
        entry["dropped"] = true;
    } else {
        entry["status"] = response.status;
    }
    if (log_ != nullptr) log_->record(std::move(entry));  // before the answer leaves, like every entry
    return response;
}

std::optional<H2Response> ApnsBackend::check_provider_token(const std::string& authorization) {
    if (authorization.empty()) return refuse("MissingProviderToken");
    if (!util::starts_with(util::to_lower(authorization), "bearer ")) return refuse("InvalidProviderToken");
    const std::string token(util::trim(std::string_view(authorization).substr(7)));
    const long long now = unix_now();
    const std::lock_guard lock(mutex_);
    if (token != last_token_) {
        auto verified = crypto::verify_jwt(token, *public_key_);
        if (!verified) return refuse("InvalidProviderToken");
        if (verified->header.value("kid", "") != key_id_) return refuse("InvalidProviderToken");
        if (verified->claims.value("iss", "") != team_id_) return refuse("InvalidProviderToken");
        const auto iat = verified->claims.find("iat");
        if (iat == verified->claims.end() || !iat->is_number_integer() || iat->get<long long>() > now + 60) {
            return refuse("InvalidProviderToken");
        }
        if (renewal_min_seconds_ > 0 && !last_token_.empty() && iat->get<long long>() - last_iat_ < renewal_min_seconds_) {
            return refuse("TooManyProviderTokenUpdates");
        }
        last_token_ = token;
        last_iat_ = iat->get<long long>();
    }
    if (now - last_iat_ > 3600) return refuse("ExpiredProviderToken");  // Apple: no older than an hour
    return std::nullopt;
}

H2Response ApnsBackend::answer(const H2Request& request) {
    if (request.method != "POST") return refuse("MethodNotAllowed");
    constexpr std::string_view prefix = "/3/device/";
    if (!util::starts_with(request.path, prefix)) return refuse("BadPath");
    const std::string device = request.path.substr(prefix.size());
    if (device.empty()) return refuse("MissingDeviceToken");

    for (std::size_t i = 0; i < request.headers.size(); ++i) {
        for (std::size_t j = i + 1; j < request.headers.size(); ++j) {
            if (request.headers[i].first == request.headers[j].first) return refuse("DuplicateHeaders");
        }
    }
    const std::string* authorization = header(request, "authorization");
    if (auto refused = check_provider_token(authorization != nullptr ? *authorization : std::string())) return *refused;
    if (device.size() < 64 || device.size() > 200 || device.size() % 2 != 0 || !is_hex(device)) return refuse("BadDeviceToken");

    const std::string* topic = header(request, "apns-topic");
    if (topic == nullptr || topic->empty()) return refuse("MissingTopic");
    const bool voip_topic = *topic == bundle_id_ + ".voip";
    if (*topic != bundle_id_ && !voip_topic) return refuse("TopicDisallowed");
    std::string push_type = "alert";
    if (const std::string* type = header(request, "apns-push-type")) {
        static const char* known[] = {"alert", "background", "location", "voip", "complication", "fileprovider", "mdm", "liveactivity"};
        if (std::find(std::begin(known), std::end(known), *type) == std::end(known)) return refuse("InvalidPushType");
        push_type = *type;
    }
    if ((push_type == "voip") != voip_topic) return refuse("InvalidPushType");
    if (const std::string* priority = header(request, "apns-priority")) {
        if (*priority != "10" && *priority != "5" && *priority != "1") return refuse("BadPriority");
        if (push_type == "background" && *priority == "10") return refuse("BadPriority");
    }
    if (const std::string* expiration = header(request, "apns-expiration"); expiration != nullptr && !util::all_digits(*expiration)) {
        return refuse("BadExpirationDate");
    }
    if (const std::string* collapse = header(request, "apns-collapse-id"); collapse != nullptr && collapse->size() > 64) {
        return refuse("BadCollapseId");
    }
    std::string apns_id = util::to_upper(uuid_v4());
    if (const std::string* id = header(request, "apns-id")) {
        if (!is_uuid(*id)) return refuse("BadMessageId");
        apns_id = *id;
    }
    if (request.body.empty()) return refuse("PayloadEmpty");
    const std::size_t limit = push_type == "voip" ? 5120 : 4096;
    if (request.body_too_large || request.body.size() > limit) return refuse("PayloadTooLarge");

    if (auto fault = faults_.take(device)) {
        H2Response response;
        if (!fault->error.empty() || fault->status != 0 || fault->echo) {
            const std::string reason = fault->error.empty() ? "InternalServerError" : fault->error;
            response = refuse(reason, fault->status);
            if (fault->echo && authorization != nullptr) {
                response.body = json{{"reason", reason + " " + *authorization}}.dump();
                response.headers.emplace_back("apns-echo", *authorization);
            }
            if (!fault->retry_after.empty()) response.headers.emplace_back("retry-after", fault->retry_after);
        }
        response.reset_stream = fault->drop;
        response.delay = std::chrono::milliseconds(fault->delay_ms);
        if (response.reset_stream || !response.body.empty()) return response;
        response.status = 200;
        response.headers = {{"apns-id", apns_id}};
        return response;
    }
    H2Response ok;
    ok.headers.emplace_back("apns-id", apns_id);
    return ok;
}

}  // namespace callctl::sandbox
