// RenewOn401 with a fake credential: renewed once, retried once, never a loop;
// a user-given value never replaced; a failed renewal's error stands; a batch
// of 401s renews once and retries each once.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "callctl/api/renewal.hpp"

using namespace callctl;
using api::RenewOn401;

namespace {

class FakeCredential final : public api::RenewableCredential {
public:
    std::string value = "old";
    bool given = false;
    bool can_renew = true;
    std::vector<std::string> renewals_answer = {"new"};  // what each renew() returns, in turn
    bool renewal_fails = false;
    bool current_fails = false;
    int renewals = 0;
    int current_calls = 0;

    Result<std::string> current() override {
        ++current_calls;
        if (current_fails) return make_error(ExitCode::auth, "no token");
        return value;
    }
    bool user_given() const override { return given; }
    bool renewable() const override { return can_renew; }
    Result<std::string> renew() override {
        ++renewals;
        if (renewal_fails) return make_error(ExitCode::auth, "the refresh token was refused");
        value = renewals_answer.at(static_cast<std::size_t>(renewals - 1) % renewals_answer.size());
        return value;
    }
    std::string describe() const override { return "the fake token"; }
};

http::Response status(long code) {
    http::Response response;
    response.status = code;
    return response;
}

// A server that accepts only `accepted` and counts what it was sent.
struct FakeServer {
    std::string accepted = "new";
    std::vector<std::string> seen;
    Result<http::Response> operator()(const std::string& token) {
        seen.push_back(token);
        return status(token == accepted ? 200 : 401);
    }
};

}  // namespace

TEST_CASE("renewal: a 401 renews once and retries once") {
    FakeCredential credential;
    FakeServer server;
    std::vector<std::string> notes;
    RenewOn401 policy(credential, [&](std::string_view text) { notes.emplace_back(text); });
    auto answer = policy.send([&](const std::string& token) { return server(token); });
    REQUIRE(answer);
    CHECK(answer->status == 200);
    CHECK(server.seen == std::vector<std::string>{"old", "new"});
    CHECK(credential.renewals == 1);
    CHECK(policy.renewed());
    REQUIRE(notes.size() == 1);
    CHECK(notes[0] == "the server rejected the fake token (401); refreshing it and retrying once");
}

TEST_CASE("renewal: no 401, no renewal") {
    FakeCredential credential;
    credential.value = "new";
    FakeServer server;
    RenewOn401 policy(credential);
    auto answer = policy.send([&](const std::string& token) { return server(token); });
    CHECK(answer->status == 200);
    CHECK(credential.renewals == 0);
    CHECK_FALSE(policy.renewed());
    // Other failures are not the credential's: 403 and 500 are answered as they are.
    for (long code : {403L, 500L}) {
        auto other = policy.send([&](const std::string&) -> Result<http::Response> { return status(code); });
        CHECK(other->status == code);
    }
    CHECK(credential.renewals == 0);
}

TEST_CASE("renewal: the renewed value refused too: no loop, the 401 stands") {
    FakeCredential credential;
    credential.renewals_answer = {"newer", "newest"};
    FakeServer server;  // accepts only "new": never given it
    RenewOn401 policy(credential);
    auto answer = policy.send([&](const std::string& token) { return server(token); });
    REQUIRE(answer);
    CHECK(answer->status == 401);
    CHECK(server.seen == std::vector<std::string>{"old", "newer"});
    CHECK(credential.renewals == 1);
    // A later request in the same run does not renew again.
    answer = policy.send([&](const std::string& token) { return server(token); });
    CHECK(answer->status == 401);
    CHECK(credential.renewals == 1);
    CHECK(server.seen.size() == 3);
}

TEST_CASE("renewal: a failed renewal's error is the outcome") {
    FakeCredential credential;
    credential.renewal_fails = true;
    FakeServer server;
    RenewOn401 policy(credential);
    auto answer = policy.send([&](const std::string& token) { return server(token); });
    REQUIRE_FALSE(answer);
    CHECK(answer.error().code == ExitCode::auth);
    CHECK(answer.error().message == "the refresh token was refused");
    CHECK(server.seen.size() == 1);  // not retried with anything
}

TEST_CASE("renewal: a user-given or unrenewable credential is never replaced") {
    SUBCASE("user given") {
        FakeCredential credential;
        credential.given = true;
        FakeServer server;
        RenewOn401 policy(credential);
        CHECK(policy.send([&](const std::string& token) { return server(token); })->status == 401);
        CHECK(credential.renewals == 0);
        CHECK(server.seen.size() == 1);
    }
    SUBCASE("nothing to renew with") {
        FakeCredential credential;
        credential.can_renew = false;
        FakeServer server;
        RenewOn401 policy(credential);
        CHECK(policy.send([&](const std::string& token) { return server(token); })->status == 401);
        CHECK(credential.renewals == 0);
    }
}

TEST_CASE("renewal: current() failing sends nothing; a transport error is not renewed") {
    FakeCredential credential;
    credential.current_fails = true;
    int sent = 0;
    RenewOn401 policy(credential);
    auto answer = policy.send([&](const std::string&) -> Result<http::Response> {
        ++sent;
        return status(200);
    });
    CHECK_FALSE(answer);
    CHECK(sent == 0);

    FakeCredential other;
    RenewOn401 second(other);
    answer = second.send([&](const std::string&) -> Result<http::Response> {
        return make_error(ExitCode::network, "cannot connect");
    });
    CHECK(answer.error().code == ExitCode::network);
    CHECK(other.renewals == 0);
}

TEST_CASE("renewal: a batch of 401s renews once and retries each once") {
    FakeCredential credential;
    FakeServer server;
    RenewOn401 policy(credential);
    std::vector<std::size_t> which = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    std::map<std::size_t, std::vector<std::string>> sent;  // index -> the tokens it was sent with
    std::map<std::size_t, long> final_status;
    int passes = 0;
    auto attempt = [&](const std::string& token, const std::vector<std::size_t>& subset, const RenewOn401::Done& done) {
        ++passes;
        // Answers in a scrambled order, as a concurrent batch does; 3 and 7
        // would be answered 200 even with the old token (an endpoint that
        // does not check it).
        for (auto it = subset.rbegin(); it != subset.rend(); ++it) {
            sent[*it].push_back(token);
            done(*it, (*it == 3 || *it == 7) ? Result<http::Response>(status(200)) : server(token));
        }
    };
    auto fetched = policy.send_batch(which, attempt, [&](std::size_t index, Result<http::Response> answer) {
        REQUIRE(answer);
        CHECK(final_status.count(index) == 0);  // exactly once
        final_status[index] = answer->status;
    });
    REQUIRE(fetched);
    CHECK(credential.renewals == 1);
    CHECK(passes == 2);
    CHECK(final_status.size() == 10);
    for (std::size_t i = 0; i < 10; ++i) {
        CAPTURE(i);
        CHECK(final_status[i] == 200);
        if (i == 3 || i == 7) CHECK(sent[i] == std::vector<std::string>{"old"});
        else CHECK(sent[i] == std::vector<std::string>{"old", "new"});
    }
}

TEST_CASE("renewal: a batch whose renewed value is refused too: each 401 stands, no third pass") {
    FakeCredential credential;
    credential.renewals_answer = {"still-wrong"};
    FakeServer server;
    RenewOn401 policy(credential);
    int passes = 0;
    std::map<std::size_t, long> final_status;
    auto fetched = policy.send_batch(
        {0, 1, 2},
        [&](const std::string& token, const std::vector<std::size_t>& subset, const RenewOn401::Done& done) {
            ++passes;
            for (auto index : subset) done(index, server(token));
        },
        [&](std::size_t index, Result<http::Response> answer) { final_status[index] = answer->status; });
    REQUIRE(fetched);
    CHECK(passes == 2);
    CHECK(credential.renewals == 1);
    CHECK(final_status == std::map<std::size_t, long>{{0, 401}, {1, 401}, {2, 401}});
}

TEST_CASE("renewal: a batch whose renewal fails gives each refused request that error") {
    FakeCredential credential;
    credential.renewal_fails = true;
    FakeServer server;
    RenewOn401 policy(credential);
    std::map<std::size_t, std::string> outcome;
    auto fetched = policy.send_batch(
        {0, 1},
        [&](const std::string& token, const std::vector<std::size_t>& subset, const RenewOn401::Done& done) {
            for (auto index : subset) done(index, index == 0 ? server(token) : Result<http::Response>(status(200)));
        },
        [&](std::size_t index, Result<http::Response> answer) {
            outcome[index] = answer ? std::to_string(answer->status) : answer.error().message;
        });
    REQUIRE(fetched);
    CHECK(outcome == std::map<std::size_t, std::string>{{0, "the refresh token was refused"}, {1, "200"}});
    CHECK(credential.renewals == 1);
}

TEST_CASE("renewal: a batch with a user-given credential never renews") {
    FakeCredential credential;
    credential.given = true;
    FakeServer server;
    RenewOn401 policy(credential);
    int passes = 0;
    std::size_t done_count = 0;
    auto fetched = policy.send_batch(
        {0, 1},
        [&](const std::string& token, const std::vector<std::size_t>& subset, const RenewOn401::Done& done) {
            ++passes;
            for (auto index : subset) done(index, server(token));
        },
        [&](std::size_t, Result<http::Response> answer) {
            ++done_count;
            CHECK(answer->status == 401);
        });
    REQUIRE(fetched);
    CHECK(passes == 1);
    CHECK(done_count == 2);
    CHECK(credential.renewals == 0);
}
