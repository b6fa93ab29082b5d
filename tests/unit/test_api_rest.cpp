#include <doctest/doctest.h>

#include <string>

#include "callctl/api/rest.hpp"

using callctl::ExitCode;
using namespace callctl::api;
using nlohmann::ordered_json;
using std::chrono::milliseconds;

namespace {

CreateCallRequest one_invite() {
    CreateCallRequest request;
    request.title = "Test Call";
    request.contacts.push_back(*parse_invite("tester:8"));
    return request;
}

std::string body_of(const CreateCallRequest& request) { return create_call_body(request).dump(); }

ordered_json contact(const char* user, int db_id) { return ordered_json{{"id", db_id}, {"userId", user}, {"userDbId", db_id}}; }

ordered_json event(const char* type, const ordered_json& who, const char* when = nullptr) {
    ordered_json e = {{"id", 1}, {"type", type}, {"contact", who}};
    if (when != nullptr) e["timestamp"] = when;
    return e;
}

}  // namespace

TEST_CASE("rest: createCall body: defaults for one invitee are MESH, STANDARD, notify on, anonymous off") {
    CHECK(body_of(one_invite()) ==
          R"({"callTitle":"Test Call","callReason":"STANDARD","callType":"MESH","invitedContacts":[{"userId":"tester","userDbId":8}],)"
          R"("invitedTeams":[],"joinAnonymousAllowed":false,"informOthersDirectly":true,"plannedDateTime":null})");
}

TEST_CASE("rest: createCall body: more than one invitee defaults to SFU; an explicit type wins") {
    CreateCallRequest request = one_invite();
    request.contacts.push_back(*parse_invite("other"));
    CHECK(create_call_body(request)["callType"] == "SFU");
    request.type = CallType::mesh;
    CHECK(create_call_body(request)["callType"] == "MESH");
    CreateCallRequest single = one_invite();
    single.type = CallType::sfu;
    CHECK(create_call_body(single)["callType"] == "SFU");
}

TEST_CASE("rest: createCall body: every flag set, in the protocol's key order") {
    CreateCallRequest request = one_invite();
    request.teams.push_back(team_object("5"));
    request.teams.push_back(team_object("ops"));
    request.reason = CallReason::service_request;
    request.anonymous = true;
    request.notify = false;
    request.creator = 12;
    request.planned = "2030-01-31T09:30:00Z";
    CHECK(body_of(request) ==
          R"({"callTitle":"Test Call","callReason":"SERVICE_REQUEST","callType":"MESH","invitedContacts":[{"userId":"tester","userDbId":8}],)"
          R"("invitedTeams":[{"id":5},{"id":"ops"}],"joinAnonymousAllowed":true,"informOthersDirectly":false,"creatorUser":12,)"
          R"("plannedDateTime":"2030-01-31T09:30:00Z"})");
}

TEST_CASE("rest: createCall request: POST to /rtc/createCall, never replayed blindly") {
    const auto request = create_call_request("http://127.0.0.1:9/base/", one_invite());
    CHECK(request.method == callctl::http::Method::post);
    CHECK(request.url == "http://127.0.0.1:9/base/rtc/createCall");
    CHECK(request.replay == callctl::http::Replay::unsafe);
    CHECK(request.body == body_of(one_invite()));
}

TEST_CASE("rest: invites: USER and USER:DBID; bad ones are usage errors") {
    CHECK(parse_invite("tester:8")->dump() == R"({"userId":"tester","userDbId":8})");
    CHECK(parse_invite("tester")->dump() == R"({"userId":"tester"})");
    CHECK(parse_invite("sip:alice:42")->dump() == R"({"userId":"sip:alice","userDbId":42})");
    for (const char* bad : {"", ":8", "tester:", "tester:x8", "tester:-1"}) {
        CAPTURE(bad);
        auto parsed = parse_invite(bad);
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error().code == ExitCode::usage);
    }
}

TEST_CASE("rest: invite file: contacts keep every field, in their order") {
    const auto contacts = parse_invite_file(
        R"([{"displayName":"Tester","domain":"ubimax","email":"t@example.com","phoneNumber":"","userDbId":8,"userId":"tester","x":{"y":1}}])",
        "f.json");
    REQUIRE(contacts.has_value());
    REQUIRE(contacts->size() == 1);
    CHECK((*contacts)[0].dump() ==
          R"({"displayName":"Tester","domain":"ubimax","email":"t@example.com","phoneNumber":"","userDbId":8,"userId":"tester","x":{"y":1}})");
    for (const char* bad : {"not json", R"({"userId":"a"})", R"([{"userDbId":8}])", R"([{"userId":""}])",
                            R"([{"userId":"a","userDbId":"8"}])", "[1]"}) {
        CAPTURE(bad);
        auto parsed = parse_invite_file(bad, "f.json");
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error().code == ExitCode::bad_input);
        CHECK(parsed.error().message.find("f.json") != std::string::npos);
    }
}

TEST_CASE("rest: enums: case-insensitive, wire spelling accepted") {
    CHECK(*parse_call_type("SFU") == CallType::sfu);
    CHECK(*parse_call_type("Mesh") == CallType::mesh);
    CHECK(*parse_call_reason("service-request") == CallReason::service_request);
    CHECK(*parse_call_reason("SERVICE_REQUEST") == CallReason::service_request);
    CHECK(*parse_call_reason("Standard") == CallReason::standard);
    CHECK(parse_call_type("p2p").error().code == ExitCode::usage);
    CHECK(parse_call_reason("urgent").error().code == ExitCode::usage);
    CHECK(*parse_wait_target("ENDED") == CallStatus::ended);
    CHECK(parse_wait_target("over").error().code == ExitCode::usage);
}

TEST_CASE("rest: ISO-8601 date-times") {
    for (const char* good : {"2030-01-31T09:30:00Z", "2030-01-31T09:30Z", "2030-01-31T09:30:00.123Z",
                             "2030-01-31T09:30:00+01:00", "2030-01-31T09:30:00-0530", "2030-01-31T09:30:00",
                             "2028-02-29T00:00:00Z", "2030-12-31T23:59:60Z"}) {
        CAPTURE(good);
        CHECK(is_iso8601_datetime(good));
    }
    for (const char* bad : {"", "tomorrow", "2030-01-31", "2030-1-31T09:30Z", "2030-02-30T09:30:00Z", "2029-02-29T00:00Z",
                            "2030-13-01T00:00Z", "2030-01-31T24:00:00Z", "2030-01-31T09:60Z", "2030-01-31T09:30:00ZZ",
                            "2030-01-31T09:30:00+1", "2030-01-31T09:30:00.Z", "2030-01-31 09:30:00Z"}) {
        CAPTURE(bad);
        CHECK_FALSE(is_iso8601_datetime(bad));
    }
}

TEST_CASE("rest: validate: title, someone to invite, planned time") {
    CHECK(validate(one_invite()).has_value());
    CreateCallRequest request = one_invite();
    request.planned = "next tuesday";
    CHECK(validate(request).error().code == ExitCode::usage);
    CHECK(validate(request).error().message.find("next tuesday") != std::string::npos);
    request = one_invite();
    request.title = "  ";
    CHECK(validate(request).error().code == ExitCode::usage);
    request = one_invite();
    request.contacts.clear();
    CHECK(validate(request).error().code == ExitCode::usage);
    request.teams.push_back(team_object("7"));
    CHECK(validate(request).has_value());  // a team-only call is fine
}

TEST_CASE("rest: call-log URLs percent-encode the id") {
    CHECK(call_log_url("http://h:1", "e76e1d8a-8267") == "http://h:1/rtc/getCallLogById?callId=e76e1d8a-8267");
    CHECK(call_log_url("http://h:1/", "a b/c?d&e=f#g%") ==
          "http://h:1/rtc/getCallLogById?callId=a%20b%2Fc%3Fd%26e%3Df%23g%25");
}

TEST_CASE("rest: id lines: trimmed, blanks and comments skipped") {
    const auto ids = parse_id_lines("a\n  b  \r\n\n# note\nc");
    REQUIRE(ids.size() == 3);
    CHECK(ids[0] == "a");
    CHECK(ids[1] == "b");
    CHECK(ids[2] == "c");
    CHECK(parse_id_lines("").empty());
}

TEST_CASE("rest: status order: Planned < Started < Ended; unknown never reached") {
    CHECK(status_reached("Planned", CallStatus::planned));
    CHECK_FALSE(status_reached("Planned", CallStatus::started));
    CHECK(status_reached("Started", CallStatus::started));
    CHECK(status_reached("Ended", CallStatus::started));
    CHECK(status_reached("ENDED", CallStatus::ended));
    CHECK_FALSE(status_reached("Started", CallStatus::ended));
    CHECK_FALSE(status_reached("Ringing", CallStatus::planned));
    CHECK_FALSE(status_reached("", CallStatus::planned));
}

TEST_CASE("rest: summary: joined now is Joins minus Leaves per contact") {
    const ordered_json a = contact("callertest1", 8);
    const ordered_json b = contact("callertest2", 9);
    CallLog log = {{"id", 842},
                   {"callId", "e76e"},
                   {"callStatus", "Started"},
                   {"callType", "MESH"},
                   {"creatorContact", {{"displayName", "Caller One"}, {"userId", "callertest1"}}},
                   {"invitedContacts", ordered_json::array({a, b})},
                   {"callEvents", ordered_json::array({event("Created", a, "2030-01-01T10:00:00Z"),
                                                       event("Join", a, "2030-01-01T10:00:05Z"), event("Join", b),
                                                       event("ScreenShare", b, "2030-01-01T10:01:00Z"),
                                                       event("Leave", b, "2030-01-01T10:02:00Z"),
                                                       event("Join", b, "2030-01-01T10:03:00Z"),
                                                       event("Join", b, "2030-01-01T10:03:01Z")})}};
    CallSummary s = summarize_call(log);
    CHECK(s.id == "842");
    CHECK(s.call_id == "e76e");
    CHECK(s.status == "Started");
    CHECK(s.creator == "Caller One (callertest1)");
    CHECK(s.invitees == 2);
    CHECK(s.joined_now == 2);
    CHECK(s.first_event == "2030-01-01T10:00:00Z");
    CHECK(s.last_event == "2030-01-01T10:03:01Z");
    CHECK(s.created == "2030-01-01T10:00:00Z");  // no createdAt: the Created event's time

    log["callEvents"].push_back(event("Leave", a));
    log["callEvents"].push_back(event("Leave", b));
    CHECK(summarize_call(log).joined_now == 1);  // b joined twice, left twice in all
    log["callEvents"].push_back(event("Leave", b));
    CHECK(summarize_call(log).joined_now == 0);

    log["createdAt"] = "2030-01-01T09:59:59Z";
    CHECK(summarize_call(log).created == "2030-01-01T09:59:59Z");
}

TEST_CASE("rest: summary of a sparse log uses dashes, not failures") {
    const CallSummary s = summarize_call(CallLog{{"callId", "x"}});
    CHECK(s.id == "-");
    CHECK(s.status == "-");
    CHECK(s.creator == "-");
    CHECK(s.invitees == 0);
    CHECK(s.joined_now == 0);
    CHECK(s.first_event == "-");
    CHECK(contact_label(ordered_json{{"userDbId", 8}}) == "#8");
    CHECK(contact_label(ordered_json{{"displayName", "tester"}, {"userId", "tester"}}) == "tester");
}

TEST_CASE("rest: wait-for: done, poll again without overshooting, time out") {
    CHECK(next_wait_step(0, milliseconds{0}, milliseconds{2000}, milliseconds{60000}).kind == WaitStep::Kind::done);
    CHECK(next_wait_step(0, milliseconds{90000}, milliseconds{2000}, milliseconds{60000}).kind == WaitStep::Kind::done);
    auto step = next_wait_step(3, milliseconds{1000}, milliseconds{2000}, milliseconds{60000});
    CHECK(step.kind == WaitStep::Kind::poll_again);
    CHECK(step.sleep == milliseconds{2000});
    step = next_wait_step(1, milliseconds{59500}, milliseconds{2000}, milliseconds{60000});
    CHECK(step.kind == WaitStep::Kind::poll_again);
    CHECK(step.sleep == milliseconds{500});  // the last poll lands on the deadline
    CHECK(next_wait_step(1, milliseconds{60000}, milliseconds{2000}, milliseconds{60000}).kind == WaitStep::Kind::timed_out);
    CHECK(next_wait_step(1, milliseconds{0}, milliseconds{2000}, milliseconds{0}).kind == WaitStep::Kind::timed_out);
}

TEST_CASE("rest: error objects carry the call id, exit code and message") {
    const auto object = error_object("abc", callctl::make_error(ExitCode::http_client, "call abc: HTTP 404: no call"));
    CHECK(object.dump() == R"({"callId":"abc","error":{"code":6,"message":"call abc: HTTP 404: no call"}})");
}

TEST_CASE("rest: fetch windows stay bounded") {
    CHECK(CallLogFetcher::window_size(1) == 64);
    CHECK(CallLogFetcher::window_size(8) == 256);
    CHECK(CallLogFetcher::window_size(1000) == 1024);
}
