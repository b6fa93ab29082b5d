// listen's request → event path (listen::examine), the record line, UTF-8
// validation, and the ordered event lines (listen/sequencer.hpp).
#include <doctest/doctest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "callctl/crypto/crypto.hpp"
#include "callctl/listen/listen.hpp"
#include "callctl/push/signature.hpp"
#include "listen/record.hpp"
#include "listen/sequencer.hpp"
#include "listen/work_pool.hpp"
#include "push_testutil.hpp"
#include "testutil.hpp"

using namespace callctl;
using namespace callctl::testing;
using namespace std::chrono_literals;
using listen::Json;
using listen::Request;

namespace {

const std::string key = "ak_live_123456";
const long long now_s = 1700000000;

Request post(std::string body, std::vector<Request::Header> headers = {}) {
    Request request;
    request.method = "POST";
    request.target = "/hook";
    request.headers = std::move(headers);
    request.body = std::move(body);
    request.remote = "127.0.0.1:5000";
    request.received_at = at(now_s) + 123ms;
    return request;
}

listen::CheckOptions with_kaleyra_key() {
    listen::CheckOptions options;
    options.secrets.kaleyra_api_key = key;
    return options;
}

}  // namespace

TEST_CASE("examine: seed 001 unchecked: decode-push's object plus signature and request") {
    const std::string body = read_test_data("kaleyra_on_call_incoming.json");
    const auto verdict = listen::examine(post(body), {}, at(now_s));
    REQUIRE(verdict.status == 200);
    auto expected = push::decode(body, {});
    REQUIRE(expected.has_value());
    Json event = expected->normalized;
    event["signature"] = "unchecked";
    event["request"] = Json{{"method", "POST"}, {"path", "/hook"}, {"received_at", "2023-11-14T22:13:20.123Z"},
                            {"remote", "127.0.0.1:5000"}};
    CHECK(verdict.event == event);
    CHECK(verdict.event.dump().find("\"signature\":\"unchecked\",\"request\"") != std::string::npos);  // key order
}

TEST_CASE("examine: Kaleyra v1 verified, wrong, missing, stale; the tolerance is listen's") {
    const std::string body = R"({"event":"on_call_incoming","room_id":"r1","data":{"initiator":"a"}})";
    const auto sign = [&](long long t) { return push::sign_kaleyra_v1(key, t, body); };

    auto ok = listen::examine(post(body, {{"bandyer-signature", sign(now_s - 10)}}), with_kaleyra_key(), at(now_s));
    REQUIRE(ok.status == 200);
    CHECK(ok.event["signature"] == "verified");
    CHECK(ok.event["signature_scheme"] == "kaleyra-v1");
    CHECK(ok.event["signed_at"] == "2023-11-14T22:13:10Z");
    auto ms = listen::examine(post(body, {{"bandyer-signature", sign(now_s * 1000 - 5)}}), with_kaleyra_key(), at(now_s));
    REQUIRE(ms.status == 200);
    CHECK(ms.event["signed_at"] == "2023-11-14T22:13:19.995Z");

    CHECK(listen::examine(post(body), with_kaleyra_key(), at(now_s)).status == 401);
    auto wrong = listen::examine(post(body, {{"bandyer-signature", push::sign_kaleyra_v1("other", now_s, body)}}),
                                 with_kaleyra_key(), at(now_s));
    CHECK(wrong.status == 401);
    CHECK(wrong.reason == "signature does not match");
    CHECK(wrong.reason.find(key) == std::string::npos);
    CHECK(wrong.event.is_null());
    CHECK(listen::examine(post(body, {{"bandyer-signature", sign(now_s - 301)}}), with_kaleyra_key(), at(now_s)).status == 401);
    CHECK(listen::examine(post(body, {{"bandyer-signature", sign(now_s - 300)}}), with_kaleyra_key(), at(now_s)).status == 200);
    auto off = with_kaleyra_key();
    off.tolerance = 0s;
    CHECK(listen::examine(post(body, {{"bandyer-signature", sign(1)}}), off, at(now_s)).status == 200);
}

TEST_CASE("examine: Webex X-Spark-Signature, and the header naming the vendor when the body cannot") {
    const std::string body = R"({"id":"w","resource":"telephony_push","event":"updated","actorId":"p","data":{}})";
    listen::CheckOptions options;
    options.secrets.webex_secret = "s3";
    auto ok = listen::examine(post(body, {{"x-spark-signature", push::sign_webex("s3", body)}}), options, at(now_s));
    REQUIRE(ok.status == 200);
    CHECK(ok.event["vendor"] == "webex");
    CHECK(ok.event["event"] == "call.incoming");
    CHECK(ok.event["signature_scheme"] == "webex");
    CHECK(listen::examine(post(body, {{"x-spark-signature", push::sign_webex("s4", body)}}), options, at(now_s)).status == 401);
    auto missing = listen::examine(post(body), options, at(now_s));
    CHECK(missing.status == 401);
    CHECK(missing.reason == "webex webhook with no X-Spark-Signature header");

    // Kaleyra's published vector: {"event":"test"} is only Kaleyra's because its header says so.
    const std::string vector = "t=1554193902,v0=6841e55cb12f2d9d1216c47097c75fd737a22a3a00c8d8f8d3d35fb2b613ce5b";
    auto test_event = with_kaleyra_key();
    test_event.tolerance = 0s;
    auto hinted = listen::examine(post(R"({"event":"test"})", {{"bandyer-signature", vector}}), test_event, at(now_s));
    REQUIRE(hinted.status == 200);
    CHECK(hinted.event["vendor_event"] == "test");
    auto unknown = listen::examine(post(R"({"event":"test"})"), {}, at(now_s));
    CHECK(unknown.status == 400);
    CHECK(unknown.reason == "unknown push payload: cannot tell the vendor");
}

TEST_CASE("examine: refusals") {
    Request get = post("");
    get.method = "GET";
    CHECK(listen::examine(get, {}, at(now_s)).status == 405);
    CHECK(listen::examine(post("{"), {}, at(now_s)).reason.rfind("the body is not JSON: ", 0) == 0);
    CHECK(listen::examine(post(""), {}, at(now_s)).reason == "the body is empty");
    CHECK(listen::examine(post(R"({"type":"Call.StopIncoming","iotDeviceId":"d"})"), {}, at(now_s)).reason ==
          "an intercom push is not a webhook (decode-push reads it)");
    CHECK(listen::examine(post(std::string(listen::max_body_bytes + 1, ' ')), {}, at(now_s)).status == 413);
    Request refused = post("");
    refused.refused = Request::Refusal{408, "request not complete within 10 s"};
    const auto verdict = listen::examine(refused, {}, at(now_s));
    CHECK(verdict.status == 408);
    CHECK(verdict.reason == "request not complete within 10 s");
    // Nested 100,000 deep: refused, not a crash.
    CHECK(listen::examine(post(std::string(100000, '[') + std::string(100000, ']')), {}, at(now_s)).status == 400);
    listen::Secrets empty;
    empty.webex_secret = "";
    CHECK(listen::check_secrets_usable(empty).error().code == ExitCode::usage);
}

TEST_CASE("record_line: headers joined, body, body_base64, body_omitted") {
    Request request = post("{\"a\":\"\xc3\xa9\"}", {{"host", "h"}, {"x-a", "1"}, {"x-a", "2"}});
    CHECK(listen::record_line(request, 200) ==
          R"({"received_at":"2023-11-14T22:13:20.123Z","method":"POST","path":"/hook","headers":{"host":"h","x-a":"1, 2"},)"
          "\"body\":\"{\\\"a\\\":\\\"\xc3\xa9\\\"}\",\"status\":200}");
    request.body = std::string("\xff\x00z", 3);
    CHECK(listen::record_line(request, 400).find(R"("body_base64":"/wB6","status":400})") != std::string::npos);
    request.refused = Request::Refusal{413, "too big"};
    CHECK(listen::record_line(request, 413).find(R"("body_omitted":true,"status":413})") != std::string::npos);
    request.headers = {{"x-bin", "\xff"}};
    CHECK(Json::parse(listen::record_line(request, 413))["headers"]["x-bin"] == "\xef\xbf\xbd");  // U+FFFD, not a failure
}

TEST_CASE("is_utf8") {
    CHECK(listen::is_utf8(""));
    CHECK(listen::is_utf8("plain"));
    CHECK(listen::is_utf8("\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    CHECK(listen::is_utf8(std::string("nul\0inside", 10)));
    for (const char* bad : {"\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\x80",
                            "\xe2\x82", "\xc3\x28"}) {
        CAPTURE(std::string(bad));
        CHECK_FALSE(listen::is_utf8(bad));
    }
}

TEST_CASE("sequencer: lines in acceptance order whatever order the actions finish in") {
    std::vector<std::string> lines;
    listen::detail::EventSequencer sequencer([&](std::string_view line) { lines.emplace_back(line); return true; }, std::nullopt);
    const auto a = sequencer.accept(Json{{"n", 0}}, 1);
    const auto b = sequencer.accept(Json{{"n", 1}}, 1);
    const auto c = sequencer.accept(Json{{"n", 2}}, 0);
    REQUIRE((a && b && c));
    CHECK(lines.empty());  // 0 waits for its action
    sequencer.complete(*b, "forward", Json{{"status", 200}});
    CHECK(lines.empty());
    sequencer.complete(*a, "forward", Json());  // null: no member
    CHECK(lines == std::vector<std::string>{R"({"n":0})", R"({"n":1,"forward":{"status":200}})", R"({"n":2})"});
    sequencer.wait_all_written();
}

TEST_CASE("sequencer: --max-events accepts exactly N under contention; a failed write stops accepting") {
    std::atomic<int> written{0};
    listen::detail::EventSequencer sequencer([&](std::string_view) { ++written; return true; }, 50);
    std::atomic<int> accepted{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 20; ++i) {
                if (sequencer.accept(Json::object(), 0)) ++accepted;
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(accepted == 50);
    CHECK(written == 50);
    CHECK(sequencer.limit_reached());
    CHECK(sequencer.wait_for_end(0ms));

    listen::detail::EventSequencer failing([](std::string_view) { return false; }, std::nullopt);
    CHECK(failing.accept(Json::object(), 0).has_value());
    CHECK(failing.write_failed());
    CHECK_FALSE(failing.accept(Json::object(), 0).has_value());
}

TEST_CASE("record file: whole lines from many threads, appended, 0600") {
    TempDir dir;
    const auto path = (dir / "record.jsonl").string();
    {
        auto file = listen::detail::RecordFile::open(path);
        REQUIRE(file.has_value());
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                for (int i = 0; i < 250; ++i) CHECK((*file)->append(std::string(100 + i, static_cast<char>('a' + t))).has_value());
            });
        }
        for (auto& thread : threads) thread.join();
    }
    std::ifstream in(path);
    std::string line;
    int count = 0;
    while (std::getline(in, line)) {
        ++count;
        CHECK(line.find_first_not_of(line.front()) == std::string::npos);  // never two writers' bytes in one line
    }
    CHECK(count == 1000);
    CHECK((std::filesystem::status(path).permissions() & std::filesystem::perms::all) ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
    CHECK(listen::detail::RecordFile::open((dir / "no" / "dir").string()).error().code == ExitCode::bad_input);
}

TEST_CASE("work pool: bounded queue, try_submit refuses when full, shutdown runs what was queued") {
    listen::detail::WorkPool pool(1, 2);
    std::atomic<bool> release{false};
    std::atomic<int> ran{0};
    REQUIRE(pool.submit([&](std::size_t) {
        while (!release) std::this_thread::sleep_for(1ms);
        ++ran;
    }));
    while (pool.waiting() != 0) std::this_thread::sleep_for(1ms);  // the worker took it
    CHECK(pool.try_submit([&](std::size_t) { ++ran; }));
    CHECK(pool.try_submit([&](std::size_t) { ++ran; }));
    CHECK_FALSE(pool.try_submit([&](std::size_t) { ++ran; }));  // two waiting: full
    release = true;
    pool.shutdown();
    CHECK(ran == 3);
    CHECK_FALSE(pool.submit([](std::size_t) {}));
}
