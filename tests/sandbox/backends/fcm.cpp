#include "fcm.hpp"

#include <regex>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "callctl/deliver/keys.hpp"
#include "callctl/util/fs.hpp"
#include "callctl/util/strings.hpp"
#include "device_faults.hpp"
#include "support.hpp"
#include "vendor_keys.hpp"

namespace callctl::sandbox {

using nlohmann::json;

namespace {

constexpr std::string_view scope_fcm = "https://www.googleapis.com/auth/firebase.messaging";
constexpr std::string_view jwt_bearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";
constexpr std::size_t data_limit = 4096;

Reply oauth_error(std::string_view error, std::string description) {
    return Reply{400, json{{"error", error}, {"error_description", std::move(description)}}};
}

// Google's error shape; FCM adds its errorCode in details.
Reply fcm_error(int status, std::string_view grpc_status, std::string message, std::string_view error_code = {}) {
    json error = {{"code", status}, {"message", std::move(message)}, {"status", grpc_status}};
    if (!error_code.empty()) {
        error["details"] = json::array(
            {{{"@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError"}, {"errorCode", error_code}}});
    }
    return Reply{status, json{{"error", std::move(error)}}};
}

Reply invalid_argument(std::string message) { return fcm_error(400, "INVALID_ARGUMENT", std::move(message)); }

// FCM's documented errorCodes: HTTP status, gRPC status, message.
struct FcmErrorInfo {
    int status;
    std::string_view grpc;
    std::string_view message;
};
FcmErrorInfo fcm_error_info(std::string_view code) {
    if (code == "UNREGISTERED") return {404, "NOT_FOUND", "Requested entity was not found."};
    if (code == "INVALID_ARGUMENT") return {400, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token"};
    if (code == "SENDER_ID_MISMATCH") return {403, "PERMISSION_DENIED", "SenderId mismatch"};
    if (code == "QUOTA_EXCEEDED") return {429, "RESOURCE_EXHAUSTED", "Quota exceeded for sending messages to this device."};
    if (code == "UNAVAILABLE") return {503, "UNAVAILABLE", "The service is currently unavailable."};
    if (code == "INTERNAL") return {500, "INTERNAL", "Internal error encountered."};
    if (code == "THIRD_PARTY_AUTH_ERROR") return {401, "UNAUTHENTICATED", "Auth error from APNS or Web Push Service"};
    return {500, "UNKNOWN", "Unknown error."};
}

Reply fault_reply(const DeviceFault& fault, const httplib::Request& request) {
    const std::string code = fault.error.empty() ? "INTERNAL" : fault.error;
    const FcmErrorInfo info = fcm_error_info(code);
    std::string message(info.message);
    if (fault.echo) message = "echo: " + request.get_header_value("Authorization");
    Reply reply = fcm_error(fault.status != 0 ? fault.status : info.status, info.grpc, std::move(message), code);
    if (!fault.retry_after.empty()) reply.headers.emplace_back("Retry-After", fault.retry_after);
    return reply;
}

// "60s", "0.5s", "3600s" (a protobuf Duration in JSON).
bool is_duration(const std::string& text) {
    static const std::regex pattern(R"(^[0-9]{1,11}(\.[0-9]{1,9})?s$)");
    return std::regex_match(text, pattern);
}

std::optional<Reply> check_android(const json& android) {
    if (!android.is_object()) return invalid_argument("Invalid value at 'message.android' (type.googleapis.com/google.firebase.fcm.v1.AndroidConfig)");
    for (const auto& [key, value] : android.items()) {
        if (key == "priority") {
            const std::string p = value.is_string() ? util::to_lower(value.get<std::string>()) : std::string();
            if (p != "high" && p != "normal") {
                return invalid_argument(fmt::format("Invalid value at 'message.android.priority' "
                                                    "(type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority), {}",
                                                    value.dump()));
            }
        } else if (key == "ttl") {
            if (!value.is_string() || !is_duration(value.get<std::string>())) {
                return invalid_argument(fmt::format(
                    "Invalid value at 'message.android.ttl' (type.googleapis.com/google.protobuf.Duration), {}", value.dump()));
            }
        } else if (key == "collapse_key" || key == "restricted_package_name") {
            if (!value.is_string()) return invalid_argument(fmt::format("Invalid value at 'message.android.{}' (TYPE_STRING)", key));
        } else if (key != "data" && key != "notification" && key != "fcm_options" && key != "direct_boot_ok") {
            return invalid_argument(fmt::format("Invalid JSON payload received. Unknown name \"{}\" at 'message.android': Cannot find field.", key));
        }
    }
    return std::nullopt;
}

std::optional<Reply> check_message(const json& body) {
    if (!body.is_object() || !body.contains("message") || !body["message"].is_object()) {
        return invalid_argument("Invalid JSON payload received. The body must be {\"message\":{...}}.");
    }
    const json& message = body["message"];
    for (const auto& [key, value] : message.items()) {
        if (key != "token" && key != "data" && key != "android" && key != "notification" && key != "apns" &&
            key != "webpush" && key != "fcm_options" && key != "name") {
            return invalid_argument(fmt::format("Invalid JSON payload received. Unknown name \"{}\" at 'message': Cannot find field.", key));
        }
    }
    if (!message.contains("token") || !message["token"].is_string() || message["token"].get<std::string>().empty()) {
        return invalid_argument("Recipient of the message is not set.");
    }
    if (message.contains("data")) {
        const json& data = message["data"];
        if (!data.is_object()) return invalid_argument("Invalid value at 'message.data' (type.googleapis.com/google.protobuf.Struct)");
        std::size_t index = 0;
        for (const auto& [key, value] : data.items()) {
            if (!value.is_string()) {
                return invalid_argument(fmt::format("Invalid value at 'message.data[{}].value' (TYPE_STRING), {}", index, value.dump()));
            }
            ++index;
        }
        if (data.dump().size() > data_limit) return invalid_argument("Android message is too big");
    }
    if (message.contains("android")) return check_android(message["android"]);
    return std::nullopt;
}

}  // namespace

void FcmBackend::add_options(CLI::App& app) {
    app.add_option("--fcm-service-account", service_account_file_,
                   "Google service-account JSON whose key OAuth assertions must be signed with (default: a fresh one)")
        ->option_text("FILE");
    app.add_option("--fcm-token-ttl", token_ttl_, "Lifetime of FCM OAuth access tokens (default 3599)")
        ->check(CLI::Range(1LL, 86400LL))
        ->option_text("SEC");
}

Status FcmBackend::start() {
    if (!service_account_file_.empty()) {
        auto text = util::read_file(service_account_file_);
        if (!text) return text.error();
        auto account = deliver::parse_service_account(*text, "--fcm-service-account " + service_account_file_);
        if (!account) return account.error();
        project_id_ = account->project_id;
        client_email_ = account->client_email;
        private_key_id_ = account->private_key_id;
        private_key_pem_ = json::parse(*text).at("private_key").get<std::string>();
        public_key_ = crypto::PublicKey::of(account->private_key);
        return {};
    }
    auto pem = generate_private_key_pem(KeyAlgorithm::rsa_2048);
    if (!pem) return pem.error();
    auto key = crypto::PrivateKey::from_pem(*pem, "the sandbox's service-account key", crypto::KeyKind::rsa);
    if (!key) return key.error();
    project_id_ = "callctl-sandbox";
    client_email_ = "fcm-sender@callctl-sandbox.iam.gserviceaccount.com";
    private_key_id_ = random_hex(20);
    private_key_pem_ = std::move(*pem);
    public_key_ = crypto::PublicKey::of(*key);
    return {};
}

void FcmBackend::install(Router& router) {
    router.route({"POST"}, exact("/token"), [this](Exchange& x) { return token(x.request, x.base_url + "/token"); });
    router.route({"POST"}, prefix("/v1/projects/"), [this](Exchange& x) { return send(x.request); });
    router.admin({"GET"}, exact("/_sandbox/fcm/service-account"), [this](const httplib::Request& req, const json&) {
        const std::string scheme = req.ssl != nullptr ? "https" : "http";
        return Reply{200, service_account(fmt::format("{}://{}/token", scheme, req.get_header_value("Host")))};
    });
    router.admin({"POST"}, exact("/_sandbox/fcm/revoke"), [this](const httplib::Request&, const json&) {
        const std::lock_guard lock(mutex_);
        for (auto& [value, issued] : tokens_) issued.revoked = true;
        return Reply{200, json{{"revoked", tokens_.size()}}};
    });
}

json FcmBackend::service_account(const std::string& token_uri) const {
    return json{{"type", "service_account"},
                {"project_id", project_id_},
                {"private_key_id", private_key_id_},
                {"private_key", private_key_pem_},
                {"client_email", client_email_},
                {"client_id", "100000000000000000000"},
                {"auth_uri", "https://accounts.google.com/o/oauth2/auth"},
                {"token_uri", token_uri}};
}

Reply FcmBackend::token(const httplib::Request& request, const std::string& token_uri) {
    if (!util::starts_with(util::to_lower(request.get_header_value("Content-Type")), "application/x-www-form-urlencoded")) {
        return oauth_error("invalid_request", "the body must be application/x-www-form-urlencoded");
    }
    const std::string grant_type = request.get_param_value("grant_type");
    if (grant_type != jwt_bearer) return oauth_error("unsupported_grant_type", fmt::format("Invalid grant_type: {}", grant_type));
    const std::string assertion = request.get_param_value("assertion");
    if (assertion.empty()) return oauth_error("invalid_request", "Missing required parameter: assertion");

    auto verified = crypto::verify_jwt(assertion, *public_key_);
    if (!verified) return oauth_error("invalid_grant", "Invalid JWT Signature.");
    const json& header = verified->header;
    const json& claims = verified->claims;
    if (header.value("kid", "") != private_key_id_) {
        return oauth_error("invalid_grant", "Invalid JWT Signature.");  // what Google says of an unknown key id
    }
    if (claims.value("iss", "") != client_email_) return oauth_error("invalid_grant", "Invalid JWT: iss is not this service account");
    if (claims.value("aud", "") != token_uri) {
        return oauth_error("invalid_grant", fmt::format("Invalid JWT: Failed audience check. The right audience is {}", token_uri));
    }
    const std::string scope = claims.value("scope", "");
    bool has_scope = false;
    for (const auto& one : util::split(scope, ' ')) has_scope = has_scope || one == scope_fcm;
    if (!has_scope) return oauth_error("invalid_scope", fmt::format("the scope must include {}", scope_fcm));
    const auto iat = claims.find("iat");
    const auto exp = claims.find("exp");
    const long long now = unix_now();
    if (iat == claims.end() || exp == claims.end() || !iat->is_number_integer() || !exp->is_number_integer() ||
        exp->get<long long>() - iat->get<long long>() > 3600 || exp->get<long long>() <= iat->get<long long>() ||
        exp->get<long long>() <= now || iat->get<long long>() > now + 60) {
        return oauth_error("invalid_grant",
                           "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
                           "Check your iat and exp values in the JWT claim.");
    }
    const std::string access = "ya29.sandbox-" + random_hex(24);
    {
        const std::lock_guard lock(mutex_);
        tokens_[access] = IssuedToken{now + token_ttl_, false};
    }
    return Reply{200, json{{"access_token", access}, {"expires_in", token_ttl_}, {"token_type", "Bearer"}}};
}

std::optional<Reply> FcmBackend::check_bearer(const std::string& authorization) const {
    const auto refuse = [] {
        Reply reply = fcm_error(401, "UNAUTHENTICATED",
                                "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
                                "or other valid authentication credential.");
        reply.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"https://accounts.google.com/\"");
        return reply;
    };
    if (!util::starts_with(util::to_lower(authorization), "bearer ")) return refuse();
    const std::string token(util::trim(std::string_view(authorization).substr(7)));
    const std::lock_guard lock(mutex_);
    const auto it = tokens_.find(token);
    if (it == tokens_.end() || it->second.revoked || it->second.expires_at <= unix_now()) return refuse();
    return std::nullopt;
}

Reply FcmBackend::send(const httplib::Request& request) {
    if (auto denied = check_bearer(request.get_header_value("Authorization"))) return *denied;
    constexpr std::string_view suffix = "/messages:send";
    const std::string& path = request.path;
    if (path.size() <= std::string_view("/v1/projects/").size() + suffix.size() || !path.ends_with(suffix)) {
        return fcm_error(404, "NOT_FOUND", fmt::format("no route for POST {}", path));
    }
    const std::string project = path.substr(13, path.size() - 13 - suffix.size());
    if (project != project_id_) {
        return fcm_error(403, "PERMISSION_DENIED",
                         fmt::format("Permission 'cloudmessaging.messages.create' denied on resource '//fcm.googleapis.com/projects/{}' "
                                     "(or it may not exist).",
                                     project));
    }
    const json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded()) return invalid_argument("Invalid JSON payload received.");
    if (auto invalid = check_message(body)) return *invalid;

    const std::string device = body["message"]["token"].get<std::string>();
    if (auto fault = faults_.take(device)) {
        if (fault->delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(fault->delay_ms));
        if (fault->drop) {
            Reply reply;
            reply.drop = true;
            return reply;
        }
        if (!fault->error.empty() || fault->status != 0 || fault->echo) return fault_reply(*fault, request);
    }
    return Reply{200, json{{"name", fmt::format("projects/{}/messages/0:{}%{}", project_id_, unix_now_ms(), random_hex(8))}}};
}

}  // namespace callctl::sandbox
