// The send-push engine (deliver/deliver.hpp) against a scripted local HTTP
// server: every device's result, a refusing device never stopping the
// others, one token renewal per run, retries only where a push cannot have
// been delivered, --cancel-after timing, checks before anything leaves, dry run.
// (APNs's HTTP/2 is exercised end to end against the sandbox; here its
// requests go over HTTP/1.1, which libcurl uses for http:// URLs.)
#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <mutex>

#include "callctl/deliver/deliver.hpp"
#include "http_test_server.hpp"
#include "push_testutil.hpp"

using namespace callctl;
using namespace callctl::deliver;
using namespace callctl::testing;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

namespace {

http::ClientOptions fast_options() {
    http::ClientOptions options;
    options.timeout = milliseconds{5000};
    options.connect_timeout = milliseconds{2000};
    options.retry.max_retries = 2;
    options.retry.base_delay = milliseconds{5};
    options.retry.max_delay = milliseconds{20};
    options.jitter_seed = 1;
    return options;
}

// What the server saw, by device token.
struct Seen {
    std::mutex mutex;
    std::vector<RawRequest> requests;
    std::map<std::string, std::vector<Clock::time_point>> arrivals;
    std::map<std::string, std::vector<Clock::time_point>> answers;

    void add(const RawRequest& request, const std::string& device) {
        const std::lock_guard lock(mutex);
        requests.push_back(request);
        arrivals[device].push_back(Clock::now());
    }
    std::size_t count() {
        const std::lock_guard lock(mutex);
        return requests.size();
    }
};

std::string fcm_device(const RawRequest& request) {
    return nlohmann::json::parse(request.body)["message"]["token"].get<std::string>();
}

std::string stop_payload() { return R"({"type":"Call.StopIncoming","iotDeviceId":"dev_42"})"; }

Payload payload_of(const std::string& text) {
    auto payload = map_payload(text);
    REQUIRE(payload.has_value());
    return std::move(*payload);
}

std::vector<Target> fcm_targets(std::initializer_list<const char*> tokens) {
    std::vector<Target> targets;
    for (const char* token : tokens) targets.push_back({Platform::fcm, token});
    return targets;
}

DeliveryOptions fcm_options(const TinyHttpServer& server) {
    DeliveryOptions options;
    options.fcm_url = server.url("");
    options.fcm_project_id = "demo";
    return options;
}

// A token provider that hands out "token-1", then "token-2" on renewal.
struct Tokens {
    int asked = 0;
    int renewals = 0;
    TokenProvider provider() {
        return [this](bool renew) -> Result<std::string> {
            ++asked;
            if (renew) ++renewals;
            return "token-" + std::to_string(renewals + 1);
        };
    }
};

std::vector<DeviceResult> run(const Payload& payload, const std::vector<Target>& targets, const DeliveryOptions& options,
                              http::Client& client, Tokens& tokens, Status* status = nullptr) {
    std::vector<DeviceResult> results;
    Services services;
    services.fcm_client = &client;
    services.apns_client = &client;
    services.fcm_access_token = tokens.provider();
    services.apns_jwt = tokens.provider();
    const Status done = deliver_push(payload, targets, options, services, [&](DeviceResult r) { results.push_back(std::move(r)); });
    if (status != nullptr) *status = done;
    else REQUIRE(done.has_value());
    return results;
}

Reply fcm_ok(const std::string& device) {
    return Reply{http_response(200, "OK", nlohmann::json{{"name", "projects/demo/messages/" + device}}.dump())};
}

Reply fcm_error(int status, const std::string& code) {
    return Reply{http_response(status, "Error",
                               nlohmann::json{{"error",
                                               {{"code", status},
                                                {"message", "says " + code},
                                                {"status", "X"},
                                                {"details", {{{"errorCode", code}}}}}}}
                                   .dump())};
}

}  // namespace

TEST_CASE("engine: every device gets its push; a refusing one stops no other") {
    Seen seen;
    TinyHttpServer server([&](const RawRequest& request, int) {
        const std::string device = fcm_device(request);
        seen.add(request, device);
        if (device == "gone") return fcm_error(404, "UNREGISTERED");
        return fcm_ok(device);
    });
    http::Client client(fast_options());
    Tokens tokens;
    const auto results = run(payload_of(stop_payload()), fcm_targets({"a", "gone", "c"}), fcm_options(server), client, tokens);
    REQUIRE(results.size() == 3);
    std::map<std::string, DeviceResult> by_device;
    for (const auto& r : results) by_device[r.to] = r;
    CHECK(by_device["a"].ok);
    CHECK(by_device["a"].id == "projects/demo/messages/a");
    CHECK(by_device["a"].index == 0);
    CHECK(by_device["gone"].index == 1);
    CHECK_FALSE(by_device["gone"].ok);
    CHECK(by_device["gone"].error == "UNREGISTERED");
    CHECK(by_device["gone"].code == ExitCode::http_client);
    CHECK(by_device["c"].ok);
    CHECK(tokens.asked == 1);

    REQUIRE(seen.count() == 3);
    for (const auto& request : seen.requests) {
        CHECK(request.method == "POST");
        CHECK(request.target == "/v1/projects/demo/messages:send");
        CHECK(request.header("Authorization") == "Bearer token-1");
        CHECK(request.header("Content-Type") == "application/json");
        const std::string device = fcm_device(request);
        CHECK(request.body == R"({"message":{"token":")" + device +
                                  R"(","data":{"type":"Call.StopIncoming","iotDeviceId":"dev_42"},"android":{"priority":"high","ttl":"60s"}}})");
    }
}

TEST_CASE("engine: a refused access token is renewed once, and only the refused pushes go again") {
    Seen seen;
    TinyHttpServer server([&](const RawRequest& request, int) {
        const std::string device = fcm_device(request);
        seen.add(request, device);
        if (request.header("Authorization") == "Bearer token-1") return fcm_error(401, "THIRD_PARTY_AUTH_ERROR");
        return fcm_ok(device);
    });
    http::Client client(fast_options());
    Tokens tokens;
    const auto results = run(payload_of(stop_payload()), fcm_targets({"a", "b", "c", "d"}), fcm_options(server), client, tokens);
    REQUIRE(results.size() == 4);
    for (const auto& r : results) CHECK(r.ok);
    CHECK(tokens.renewals == 1);  // four 401s, one renewal
    CHECK(seen.count() == 8);     // each refused once, delivered once
    std::map<std::string, int> per_device;
    for (const auto& request : seen.requests) ++per_device[fcm_device(request)];
    for (const auto& [device, count] : per_device) CHECK(count == 2);
}

TEST_CASE("engine: a token refused after its renewal is an auth failure, not a loop") {
    Seen seen;
    TinyHttpServer server([&](const RawRequest& request, int) {
        seen.add(request, fcm_device(request));
        return fcm_error(401, "THIRD_PARTY_AUTH_ERROR");
    });
    http::Client client(fast_options());
    Tokens tokens;
    const auto results = run(payload_of(stop_payload()), fcm_targets({"a", "b"}), fcm_options(server), client, tokens);
    REQUIRE(results.size() == 2);
    for (const auto& r : results) {
        CHECK_FALSE(r.ok);
        CHECK(r.code == ExitCode::auth);
    }
    CHECK(tokens.renewals == 1);
    CHECK(seen.count() == 4);
}

TEST_CASE("engine: never twice - retried only where surely undelivered") {
    SUBCASE("503 with Retry-After: once more") {
        Seen seen;
        TinyHttpServer server([&](const RawRequest& request, int number) {
            seen.add(request, fcm_device(request));
            if (number == 1) return Reply{http_response(503, "Service Unavailable", "{}", {"Retry-After: 0"})};
            return fcm_ok("a");
        });
        http::Client client(fast_options());
        Tokens tokens;
        const auto results = run(payload_of(stop_payload()), fcm_targets({"a"}), fcm_options(server), client, tokens);
        REQUIRE(results.size() == 1);
        CHECK(results[0].ok);
        CHECK(results[0].attempts == 2);
        CHECK(seen.count() == 2);
    }
    SUBCASE("500: not again") {
        Seen seen;
        TinyHttpServer server([&](const RawRequest& request, int) {
            seen.add(request, fcm_device(request));
            return fcm_error(500, "INTERNAL");
        });
        http::Client client(fast_options());
        Tokens tokens;
        const auto results = run(payload_of(stop_payload()), fcm_targets({"a"}), fcm_options(server), client, tokens);
        REQUIRE(results.size() == 1);
        CHECK(results[0].code == ExitCode::http_server);
        CHECK(seen.count() == 1);
    }
    SUBCASE("503 without Retry-After: not again") {
        Seen seen;
        TinyHttpServer server([&](const RawRequest& request, int) {
            seen.add(request, fcm_device(request));
            return fcm_error(503, "UNAVAILABLE");
        });
        http::Client client(fast_options());
        Tokens tokens;
        run(payload_of(stop_payload()), fcm_targets({"a"}), fcm_options(server), client, tokens);
        CHECK(seen.count() == 1);
    }
    SUBCASE("a dropped connection: not again") {
        Seen seen;
        TinyHttpServer server([&](const RawRequest& request, int) {
            seen.add(request, fcm_device(request));
            return Reply{"", true};
        });
        http::Client client(fast_options());
        Tokens tokens;
        const auto results = run(payload_of(stop_payload()), fcm_targets({"a"}), fcm_options(server), client, tokens);
        REQUIRE(results.size() == 1);
        CHECK(results[0].code == ExitCode::network);
        CHECK_FALSE(results[0].status.has_value());
        CHECK(results[0].error == "connection dropped");
        CHECK(seen.count() == 1);
    }
    SUBCASE("a refused connection: again (nothing was listening)") {
        http::Client client(fast_options());
        Tokens tokens;
        DeliveryOptions options;
        options.fcm_url = "http://127.0.0.1:" + std::to_string(TinyHttpServer::closed_port());
        options.fcm_project_id = "demo";
        const auto results = run(payload_of(stop_payload()), fcm_targets({"a"}), options, client, tokens);
        REQUIRE(results.size() == 1);
        CHECK(results[0].error == "connection refused");
        CHECK(results[0].attempts == 3);
        CHECK(results[0].code == ExitCode::network);
    }
}

TEST_CASE("engine: --cancel-after sends the stop push that long after each device's answer") {
    Seen seen;
    TinyHttpServer server([&](const RawRequest& request, int) {
        const std::string device = fcm_device(request);
        seen.add(request, device);
        // The second device answers late: its stop push must wait for its own answer.
        return Reply{fcm_ok(device).raw, false, device == "slow" && request.body.find("Call.Incoming") != std::string::npos ? milliseconds{300} : milliseconds{0}};
    });
    http::Client client(fast_options());
    Tokens tokens;
    DeliveryOptions options = fcm_options(server);
    options.cancel_after = milliseconds{200};
    std::map<std::string, Clock::time_point> answered;
    std::vector<DeviceResult> results;
    Services services;
    services.fcm_client = &client;
    services.fcm_access_token = tokens.provider();
    const Payload incoming = payload_of(intercom_incoming().dump());
    REQUIRE(deliver_push(incoming, fcm_targets({"fast", "slow"}), options, services, [&](DeviceResult r) {
                if (r.role == PushRole::incoming) answered[r.to] = Clock::now();
                results.push_back(std::move(r));
            }).has_value());
    REQUIRE(results.size() == 4);
    for (const auto& r : results) CHECK(r.ok);
    for (const char* device : {"fast", "slow"}) {
        CAPTURE(device);
        const auto& arrivals = seen.arrivals[device];
        REQUIRE(arrivals.size() == 2);  // the incoming push, then the stop push
        const auto waited = std::chrono::duration_cast<milliseconds>(arrivals[1] - answered[device]);
        CHECK(waited >= milliseconds{195});  // scheduling slack of the clocks compared, not of the engine
        CHECK(waited < milliseconds{1000});
    }
    // The stop pushes carry the stop payload.
    std::size_t stops = 0;
    for (const auto& request : seen.requests) {
        if (request.body.find(R"("data":{"type":"Call.StopIncoming","iotDeviceId":"dev_42"})") != std::string::npos) ++stops;
    }
    CHECK(stops == 2);
    // A cancel-after on a non-incoming push is refused before anything leaves.
    Status refused;
    run(payload_of(stop_payload()), fcm_targets({"x"}), options, client, tokens, &refused);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == ExitCode::usage);
}

TEST_CASE("engine: nothing leaves when the payload is too big, or a check fails") {
    Seen seen;
    TinyHttpServer server([&](const RawRequest& request, int) {
        seen.add(request, "x");
        return fcm_ok("x");
    });
    http::Client client(fast_options());
    Tokens tokens;
    const std::string big = nlohmann::json{{"type", "Call.StopIncoming"}, {"iotDeviceId", "d"}, {"pad", std::string(5000, 'x')}}.dump();
    Status status;
    const auto results = run(payload_of(big), fcm_targets({"a", "b"}), fcm_options(server), client, tokens, &status);
    REQUIRE_FALSE(status.has_value());
    CHECK(status.error().code == ExitCode::bad_input);
    CHECK(results.empty());
    CHECK(tokens.asked == 0);  // not even the OAuth exchange
    CHECK(seen.count() == 0);

    // APNs without a topic
    run(payload_of(stop_payload()), {{Platform::apns, "ab"}}, fcm_options(server), client, tokens, &status);
    REQUIRE_FALSE(status.has_value());
    CHECK(status.error().code == ExitCode::usage);
    // a token that cannot be had stops the run: its error is the run's
    Services services;
    services.fcm_client = &client;
    services.fcm_access_token = [](bool) -> Result<std::string> { return make_error(ExitCode::auth, "refused"); };
    status = deliver_push(payload_of(stop_payload()), fcm_targets({"a"}), fcm_options(server), services, [](DeviceResult) {});
    REQUIRE_FALSE(status.has_value());
    CHECK(status.error().code == ExitCode::auth);
    CHECK(seen.count() == 0);
}

TEST_CASE("engine: APNs requests, and an expired provider token renewed once") {
    Seen seen;
    TinyHttpServer server([&](const RawRequest& request, int) {
        const std::string device = request.target.substr(std::string("/3/device/").size());
        seen.add(request, device);
        if (request.header("authorization") == "bearer token-1") {
            return Reply{http_response(403, "Forbidden", R"({"reason":"ExpiredProviderToken"})")};
        }
        if (device == "bad") return Reply{http_response(400, "Bad Request", R"({"reason":"BadDeviceToken"})")};
        return Reply{http_response(200, "OK", "", {"apns-id: ID-" + device})};
    });
    http::Client client(fast_options());
    Tokens tokens;
    DeliveryOptions options;
    options.apns_url = server.url("");
    options.apns.topic = "com.example.app";
    options.apns.ttl = std::chrono::seconds{0};
    options.apns.collapse_id = "c1";
    const auto results = run(payload_of(stop_payload()), {{Platform::apns, "ab01"}, {Platform::apns, "bad"}}, options, client, tokens);
    REQUIRE(results.size() == 2);
    std::map<std::string, DeviceResult> by_device;
    for (const auto& r : results) by_device[r.to] = r;
    CHECK(by_device["ab01"].ok);
    CHECK(by_device["ab01"].id == "ID-ab01");
    CHECK(by_device["ab01"].platform == Platform::apns);
    CHECK(by_device["bad"].error == "BadDeviceToken");
    CHECK(tokens.renewals == 1);
    const std::lock_guard lock(seen.mutex);
    REQUIRE(seen.requests.size() == 4);
    const RawRequest& last = seen.requests.back();
    CHECK(last.method == "POST");
    CHECK(last.header("authorization") == "bearer token-2");
    CHECK(last.header("apns-topic") == "com.example.app.voip");
    CHECK(last.header("apns-push-type") == "voip");
    CHECK(last.header("apns-priority") == "10");
    CHECK(last.header("apns-expiration") == "0");
    CHECK(last.header("apns-collapse-id") == "c1");
    CHECK(last.body == R"({"type":"Call.StopIncoming","iotDeviceId":"dev_42","aps":{}})");
}

TEST_CASE("engine: a server echoing the token gets it redacted in the result") {
    TinyHttpServer server([&](const RawRequest& request, int) {
        return fcm_error(400, "INVALID_ARGUMENT " + request.header("Authorization"));
    });
    http::Client client(fast_options());
    Tokens tokens;
    const auto results = run(payload_of(stop_payload()), fcm_targets({"a"}), fcm_options(server), client, tokens);
    REQUIRE(results.size() == 1);
    CHECK(results[0].error == "INVALID_ARGUMENT Bearer ***");
    CHECK(results[0].message == "says INVALID_ARGUMENT Bearer ***");
}

TEST_CASE("engine: dry run asks for no token and records every request, stop pushes too") {
    http::ClientOptions client_options = fast_options();
    client_options.dry_run = true;
    http::Client client(client_options);
    Tokens tokens;
    DeliveryOptions options;
    options.fcm_url = "https://fcm.googleapis.com";
    options.fcm_project_id = "demo";
    options.cancel_after = milliseconds{5000};
    options.dry_run = true;
    const auto started = Clock::now();
    const auto results = run(payload_of(intercom_incoming().dump()), fcm_targets({"a", "b"}), options, client, tokens);
    CHECK(Clock::now() - started < milliseconds{4000});  // a dry run does not wait out --cancel-after
    CHECK(results.empty());
    CHECK(tokens.asked == 0);
    const auto& commands = client.dry_run_commands();
    REQUIRE(commands.size() == 4);
    for (const auto& command : commands) {
        CHECK(command.find(R"(-H "Authorization: Bearer $CALLCTL_FCM_ACCESS_TOKEN")") != std::string::npos);
        CHECK(command.find("dry-run") == std::string::npos);
    }
    // Each device's stop push right after its incoming one (no waiting in a dry run).
    CHECK(commands[0].find("Call.Incoming") != std::string::npos);
    CHECK(commands[1].find("Call.StopIncoming") != std::string::npos);
    CHECK(commands[2].find("Call.Incoming") != std::string::npos);
    CHECK(commands[3].find("Call.StopIncoming") != std::string::npos);
}
