// send-push on the wire (deliver/fcm.hpp, apns.hpp, keys.hpp, result.hpp):
// the service-account file, the OAuth assertion and exchange, FCM and APNs
// requests byte for byte, and how each answer becomes a device result.
#include <doctest/doctest.h>

#include "callctl/deliver/apns.hpp"
#include "callctl/deliver/fcm.hpp"
#include "callctl/deliver/keys.hpp"
#include "callctl/deliver/result.hpp"
#include "push_testutil.hpp"

using namespace callctl;
using namespace callctl::deliver;
using nlohmann::json;

namespace {

std::string rsa_pem() { return testing::read_test_data("rfc7515_a2_rsa.pem"); }
std::string ec_pem() { return testing::read_test_data("rfc7515_a3_ec.pem"); }

json service_account_json() {
    return json{{"type", "service_account"},
                {"project_id", "demo-project"},
                {"private_key_id", "0123456789abcdef"},
                {"private_key", rsa_pem()},
                {"client_email", "fcm@demo-project.iam.gserviceaccount.com"},
                {"client_id", "1234"},
                {"token_uri", "https://oauth2.googleapis.com/token"}};
}

ServiceAccount account() {
    auto parsed = parse_service_account(service_account_json().dump(), "sa.json");
    REQUIRE(parsed.has_value());
    return std::move(*parsed);
}

http::Response response(long status, std::string body, std::vector<http::Header> headers = {}) {
    http::Response r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    r.reason = status == 200 ? "OK" : "Error";
    return r;
}

std::string header(const http::Request& request, std::string_view name) {
    for (const auto& h : request.headers) {
        if (h.name == name) return h.value;
    }
    return "<absent>";
}

}  // namespace

TEST_CASE("service account: the fields callctl uses") {
    const ServiceAccount sa = account();
    CHECK(sa.client_email == "fcm@demo-project.iam.gserviceaccount.com");
    CHECK(sa.private_key_id == "0123456789abcdef");
    CHECK(sa.project_id == "demo-project");
    CHECK(sa.token_uri == "https://oauth2.googleapis.com/token");
    CHECK(sa.private_key.kind() == crypto::KeyKind::rsa);
}

TEST_CASE("service account: exact errors, never the key") {
    auto error_for = [](const json& file) {
        auto parsed = parse_service_account(file.dump(), "sa.json");
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error().code == ExitCode::bad_input);
        CHECK(parsed.error().message.find("MII") == std::string::npos);
        return parsed.error().message;
    };
    for (const char* field : {"client_email", "private_key", "project_id", "token_uri"}) {
        json file = service_account_json();
        file.erase(field);
        CHECK(error_for(file) == fmt::format("sa.json: missing \"{}\" (a service-account JSON has client_email, "
                                             "private_key, project_id and token_uri)",
                                             field));
    }
    // Found by fuzz_deliver: valid JSON syntax nlohmann refuses (a number past double) threw out of the parser.
    {
        auto parsed = parse_service_account(R"({"project_id": -1e50769, "private_key": "MII"})", "sa.json");
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error().code == ExitCode::bad_input);
        CHECK(parsed.error().message == "sa.json: not a service-account JSON file (a number out of range)");
    }
    json file = service_account_json();
    file["project_id"] = 42;
    CHECK(error_for(file) == "sa.json: \"project_id\" must be a string, not number");
    file = service_account_json();
    file["client_email"] = "";
    CHECK(error_for(file) == "sa.json: \"client_email\" is empty");
    file = service_account_json();
    file["type"] = "authorized_user";
    CHECK(error_for(file) == "sa.json: is a authorized_user credential, not a service account (\"type\":\"service_account\")");
    file = service_account_json();
    file["token_uri"] = "file:///etc/passwd";
    CHECK(error_for(file) == "sa.json: \"token_uri\" must be an http(s) URL, got \"file:///etc/passwd\"");
    file = service_account_json();
    file["private_key"] = "not a key";
    CHECK(error_for(file) == "sa.json: private_key: not a PEM private key (no -----BEGIN PRIVATE KEY----- line)");
    file = service_account_json();
    file["private_key"] = ec_pem();
    CHECK(error_for(file) == "sa.json: private_key: is an EC P-256 key; RS256 needs RSA");
    file = service_account_json();
    file["private_key"] = crypto::PrivateKey::from_pem(rsa_pem(), "k")->public_pem();
    CHECK(error_for(file) == "sa.json: private_key: holds a PEM PUBLIC KEY, not a private key");

    // Not JSON: the parser's own message would quote the key; ours gives the offset only.
    const std::string broken = service_account_json().dump().substr(0, 300);
    auto parsed = parse_service_account(broken, "sa.json");
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().message == "sa.json: not a service-account JSON file (not JSON at byte 301)");
    CHECK(parse_service_account("[]", "sa.json").error().message ==
          "sa.json: not a service-account JSON file (a JSON array, not an object)");
}

TEST_CASE("APNs key and Apple ids") {
    CHECK(parse_apns_key(ec_pem(), "AuthKey.p8").has_value());
    CHECK(parse_apns_key(rsa_pem(), "AuthKey.p8").error().message == "AuthKey.p8: is an RSA key; ES256 needs EC P-256");
    CHECK(check_apple_id("ABC123DEFG", "--apns-key-id").has_value());
    auto bad = check_apple_id("abc123defg", "--apns-key-id");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().code == ExitCode::usage);
    CHECK(bad.error().message == "--apns-key-id must be 10 characters, A-Z and 0-9 (got \"abc123defg\")");
    CHECK_FALSE(check_apple_id("ABC123DEF", "--apns-team-id").has_value());
}

TEST_CASE("OAuth: the RS256 assertion and the exchange request") {
    const ServiceAccount sa = account();
    auto assertion = oauth_assertion(sa, 1700000000);
    REQUIRE(assertion.has_value());
    auto verified = crypto::verify_jwt(*assertion, crypto::PublicKey::of(sa.private_key));
    REQUIRE(verified.has_value());
    CHECK(verified->header == json{{"alg", "RS256"}, {"kid", "0123456789abcdef"}, {"typ", "JWT"}});
    CHECK(verified->claims == json{{"iss", "fcm@demo-project.iam.gserviceaccount.com"},
                                   {"scope", "https://www.googleapis.com/auth/firebase.messaging"},
                                   {"aud", "https://oauth2.googleapis.com/token"},
                                   {"iat", 1700000000},
                                   {"exp", 1700003600}});
    // RS256 is deterministic: the same input signs the same.
    CHECK(*oauth_assertion(sa, 1700000000) == *assertion);

    const http::Request request = oauth_token_request(sa, *assertion);
    CHECK(request.method == http::Method::post);
    CHECK(request.url == "https://oauth2.googleapis.com/token");
    CHECK(request.replay == http::Replay::unsafe);
    CHECK(header(request, "Content-Type") == "application/x-www-form-urlencoded");
    CHECK(request.body == "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + *assertion);
    // --dry-run and -v never show the assertion.
    const std::string curl = http::to_curl_command(request);
    CHECK(curl.find(*assertion) == std::string::npos);
    CHECK(curl.find("$CALLCTL_FCM_ASSERTION") != std::string::npos);
    CHECK(http::redact(request.body, request.secrets).find(*assertion) == std::string::npos);

    // Without private_key_id there is no kid.
    json file = service_account_json();
    file.erase("private_key_id");
    auto no_kid = parse_service_account(file.dump(), "sa.json");
    REQUIRE(no_kid.has_value());
    auto header_only = crypto::decode_jwt(*oauth_assertion(*no_kid, 1));
    REQUIRE(header_only.has_value());
    CHECK(header_only->header == json{{"alg", "RS256"}, {"typ", "JWT"}});
}

TEST_CASE("OAuth: the token endpoint's answers") {
    auto token = parse_oauth_answer(response(200, R"({"access_token":"ya29.abc","expires_in":3599,"token_type":"Bearer"})"),
                                    1000, "https://t/token");
    REQUIRE(token.has_value());
    CHECK(token->value == "ya29.abc");
    CHECK(token->expires_at == 4599);

    auto refused = parse_oauth_answer(response(400, R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})"),
                                      1000, "https://t/token");
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ExitCode::auth);
    CHECK(refused.error().message ==
          "the OAuth token exchange at https://t/token refused the service account (400): Invalid JWT Signature.");
    CHECK(parse_oauth_answer(response(503, "{}"), 0, "u").error().code == ExitCode::http_server);
    CHECK(parse_oauth_answer(response(200, "<html>"), 0, "u").error().code == ExitCode::http_server);
    CHECK(parse_oauth_answer(response(200, R"({"expires_in":10})"), 0, "u").error().code == ExitCode::http_server);
    CHECK(parse_oauth_answer(response(200, R"({"access_token":"x","expires_in":-5})"), 0, "u").error().code ==
          ExitCode::http_server);
}

TEST_CASE("FCM: messages:send, byte for byte") {
    CHECK(fcm_send_url("https://fcm.googleapis.com", "demo-project") ==
          "https://fcm.googleapis.com/v1/projects/demo-project/messages:send");
    CHECK(fcm_send_url("http://127.0.0.1:9/", "a b") == "http://127.0.0.1:9/v1/projects/a%20b/messages:send");

    const push::Json data = {{"type", "Call.StopIncoming"}, {"iotDeviceId", "dev_42"}};
    const FcmMessage message(data, FcmSendOptions{});
    CHECK(message.body_for("tok\"1") ==
          R"({"message":{"token":"tok\"1","data":{"type":"Call.StopIncoming","iotDeviceId":"dev_42"},"android":{"priority":"high","ttl":"60s"}}})");
    FcmSendOptions options;
    options.priority = Priority::normal;
    options.ttl = std::chrono::seconds{0};
    options.collapse_key = "call-1";
    CHECK(FcmMessage(data, options).body_for("t") ==
          R"({"message":{"token":"t","data":{"type":"Call.StopIncoming","iotDeviceId":"dev_42"},"android":{"priority":"normal","ttl":"0s","collapse_key":"call-1"}}})");

    const http::Request request = fcm_send_request("https://f/v1/projects/p/messages:send", "{}", "ya29.secret");
    CHECK(request.replay == http::Replay::unsafe);
    CHECK(header(request, "Authorization") == "Bearer ya29.secret");
    CHECK(header(request, "Content-Type") == "application/json");
    CHECK(http::to_curl_command(request) ==
          R"(curl -sS -X POST 'https://f/v1/projects/p/messages:send' -H "Authorization: Bearer $CALLCTL_FCM_ACCESS_TOKEN" -H 'Content-Type: application/json' --data-binary '{}')");
}

TEST_CASE("APNs: provider token, topic, priority, expiration, headers") {
    auto key = parse_apns_key(ec_pem(), "k.p8");
    REQUIRE(key.has_value());
    const ApnsCredentials credentials{*key, "ABC123DEFG", "TEAM123456"};
    auto jwt = apns_provider_token(credentials, 1700000000);
    REQUIRE(jwt.has_value());
    auto verified = crypto::verify_jwt(*jwt, crypto::PublicKey::of(*key));
    REQUIRE(verified.has_value());
    CHECK(verified->header == json{{"alg", "ES256"}, {"kid", "ABC123DEFG"}, {"typ", "JWT"}});
    CHECK(verified->claims == json{{"iss", "TEAM123456"}, {"iat", 1700000000}});

    CHECK(apns_topic("com.example.app", PushType::voip) == "com.example.app.voip");
    CHECK(apns_topic("com.example.app.voip", PushType::voip) == "com.example.app.voip");
    CHECK(apns_topic("com.example.app", PushType::alert) == "com.example.app");
    CHECK(apns_priority(Priority::high, PushType::voip) == 10);
    CHECK(apns_priority(Priority::normal, PushType::alert) == 5);
    CHECK(apns_priority(Priority::high, PushType::background) == 5);
    CHECK(apns_expiration(std::chrono::seconds{60}, 1700000000) == 1700000060);
    CHECK(apns_expiration(std::chrono::seconds{0}, 1700000000) == 0);
    CHECK(check_collapse_id(std::string(64, 'c')).has_value());
    CHECK(check_collapse_id(std::string(65, 'c')).error().message == "--collapse-id is 65 bytes; APNs allows at most 64");

    ApnsSendOptions options;
    options.topic = "com.example.app";
    options.collapse_id = "call-1";
    const http::Request request = apns_send_request("https://api.push.apple.com", "a1b2", R"({"aps":{}})", options,
                                                    1700000000, *jwt);
    CHECK(request.url == "https://api.push.apple.com/3/device/a1b2");
    CHECK(request.replay == http::Replay::unsafe);
    CHECK(header(request, "authorization") == "bearer " + *jwt);
    CHECK(header(request, "apns-topic") == "com.example.app.voip");
    CHECK(header(request, "apns-push-type") == "voip");
    CHECK(header(request, "apns-priority") == "10");
    CHECK(header(request, "apns-expiration") == "1700000060");
    CHECK(header(request, "apns-collapse-id") == "call-1");
    const std::string curl = http::to_curl_command(request);
    CHECK(curl.find(*jwt) == std::string::npos);
    CHECK(curl.find(R"("authorization: bearer $CALLCTL_APNS_JWT")") != std::string::npos);
    // A token with path characters stays one path segment.
    CHECK(apns_send_request("https://a", "../x?y", "{}", options, 0, *jwt).url == "https://a/3/device/..%2Fx%3Fy");
}

TEST_CASE("results: FCM answers") {
    auto ok = fcm_result(response(200, R"({"name":"projects/p/messages/0:123"})"));
    CHECK(ok.ok);
    CHECK(ok.code == ExitCode::ok);
    CHECK(ok.id == "projects/p/messages/0:123");

    const auto failure = [](long status, std::string_view code, std::string_view grpc) {
        return fcm_result(response(status, fmt::format(R"({{"error":{{"code":{},"message":"m {}","status":"{}","details":[)"
                                                       R"({{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"{}"}}]}}}})",
                                                       status, code, grpc, code)));
    };
    auto unregistered = failure(404, "UNREGISTERED", "NOT_FOUND");
    CHECK_FALSE(unregistered.ok);
    CHECK(unregistered.error == "UNREGISTERED");
    CHECK(unregistered.message == "m UNREGISTERED");
    CHECK(unregistered.code == ExitCode::http_client);
    CHECK(failure(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT").code == ExitCode::http_client);
    CHECK(failure(403, "SENDER_ID_MISMATCH", "PERMISSION_DENIED").code == ExitCode::http_client);
    CHECK(failure(401, "THIRD_PARTY_AUTH_ERROR", "UNAUTHENTICATED").code == ExitCode::auth);
    CHECK(failure(429, "QUOTA_EXCEEDED", "RESOURCE_EXHAUSTED").code == ExitCode::http_client);
    CHECK(failure(503, "UNAVAILABLE", "UNAVAILABLE").code == ExitCode::http_server);
    CHECK(failure(500, "INTERNAL", "INTERNAL").code == ExitCode::http_server);
    // No details: the status names it; no JSON at all: the HTTP reason.
    auto no_details = fcm_result(response(401, R"({"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}})"));
    CHECK(no_details.error == "UNAUTHENTICATED");
    CHECK(no_details.code == ExitCode::auth);
    CHECK(fcm_result(response(502, "<html>bad gateway</html>")).error == "Error");

    CHECK(to_json(unregistered).dump() ==
          R"({"to":"","platform":"fcm","ok":false,"status":404,"error":"UNREGISTERED","message":"m UNREGISTERED"})");
    ok.to = "tok";
    CHECK(to_json(ok).dump() == R"({"to":"tok","platform":"fcm","ok":true,"status":200,"id":"projects/p/messages/0:123"})");
}

TEST_CASE("results: APNs answers") {
    auto ok = apns_result(response(200, "", {{"apns-id", "EC1BF194-B3B2-424A-89A9-5A918A6E6B5D"}}));
    CHECK(ok.ok);
    CHECK(ok.id == "EC1BF194-B3B2-424A-89A9-5A918A6E6B5D");
    const auto reason = [](long status, std::string body) { return apns_result(response(status, std::move(body))); };
    auto bad_token = reason(400, R"({"reason":"BadDeviceToken"})");
    CHECK(bad_token.error == "BadDeviceToken");
    CHECK(bad_token.code == ExitCode::http_client);
    CHECK(reason(403, R"({"reason":"InvalidProviderToken"})").code == ExitCode::auth);
    CHECK(reason(403, R"({"reason":"ExpiredProviderToken"})").code == ExitCode::auth);
    CHECK(reason(413, R"({"reason":"PayloadTooLarge"})").code == ExitCode::bad_input);
    CHECK(reason(429, R"({"reason":"TooManyRequests"})").code == ExitCode::http_client);
    CHECK(reason(500, R"({"reason":"InternalServerError"})").code == ExitCode::http_server);
    CHECK(reason(503, R"({"reason":"ServiceUnavailable"})").code == ExitCode::http_server);
    auto gone = reason(410, R"({"reason":"Unregistered","timestamp":1700000000123})");
    CHECK(gone.timestamp == 1700000000123);
    CHECK(gone.code == ExitCode::http_client);
    gone.to = "abcd";
    CHECK(to_json(gone).dump() ==
          R"({"to":"abcd","platform":"apns","ok":false,"status":410,"error":"Unregistered","timestamp":1700000000123})");
    gone.role = PushRole::stop;
    CHECK(to_json(gone).dump().find(R"("platform":"apns","push":"stop","ok":false)") != std::string::npos);
}

TEST_CASE("results: no answer at all") {
    http::TransportError refused{http::TransportFailure::refused, "Failed to connect", 7, "https://127.0.0.1:9/3/device/ab"};
    auto result = transport_result(refused, "POST https://127.0.0.1:9/3/device/ab");
    CHECK_FALSE(result.ok);
    CHECK_FALSE(result.status.has_value());
    CHECK(result.error == "connection refused");
    CHECK(result.code == ExitCode::network);
    CHECK(result.message == "cannot connect to 127.0.0.1:9 (connection refused)");
    CHECK(to_json(result).dump() ==
          R"x({"to":"","platform":"fcm","ok":false,"status":null,"error":"connection refused","message":"cannot connect to 127.0.0.1:9 (connection refused)"})x");
}
