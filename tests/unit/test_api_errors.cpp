// Failures become Errors in one place (api/errors.hpp): transport failures,
// statuses, bodies, the --dry-run stop and stops by signal or closed stdout.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "callctl/api/errors.hpp"
#include "callctl/util/interrupt.hpp"

using namespace callctl;
using callctl::api::to_error;
using http::TransportError;
using http::TransportFailure;
using std::chrono::milliseconds;

namespace {
http::Response answer(long status, std::string body = {}) {
    http::Response response;
    response.status = status;
    response.body = std::move(body);
    return response;
}
}  // namespace

TEST_CASE("api to_error: messages") {
    TransportError tls{TransportFailure::tls, "SSL certificate problem: self-signed certificate", 60,
                       "https://example.test:8443/tokens?x=1"};
    const auto error = to_error(tls, "POST https://example.test:8443/tokens");
    CHECK(error.code == callctl::ExitCode::network);
    CHECK(error.message == "TLS failure talking to https://example.test:8443: SSL certificate problem: self-signed certificate");
    CHECK(error.hint == "use --cacert FILE to trust a private CA, or -k to skip verification");

    TransportError refused;
    refused.kind = TransportFailure::refused;
    CHECK(to_error(refused, "GET https://h/x").message == "cannot connect to h:443 (connection refused)");

    TransportError timeout{TransportFailure::timeout, "", 28, "http://h/x", milliseconds{30010}};
    CHECK(to_error(timeout, "GET http://h/x").message == "timed out after 30 s: GET http://h/x");
}

TEST_CASE("api to_error: endpoints from the URL, by curl_url") {
    TransportError refused;
    refused.kind = TransportFailure::refused;
    refused.attempts = 3;
    refused.url = "http://user:***@[::1]:8080/x?token=***";
    CHECK(to_error(refused, "GET").message == "cannot connect to [::1]:8080 (connection refused) (3 attempts)");
    refused.url = "http://[::1]/x";
    refused.attempts = 1;
    CHECK(to_error(refused, "GET").message == "cannot connect to [::1]:80 (connection refused)");
    refused.url = "not a url";
    CHECK(to_error(refused, "GET").message == "cannot connect to not a url (connection refused)");

    TransportError tls{TransportFailure::tls, "", 60, "https://u:***@h/x#frag"};
    CHECK(to_error(tls, "GET").message == "TLS failure talking to https://h");
}

TEST_CASE("api to_error: exit codes") {
    TransportError e;
    for (auto kind : {TransportFailure::refused, TransportFailure::resolve, TransportFailure::timeout,
                      TransportFailure::tls, TransportFailure::send, TransportFailure::receive, TransportFailure::other}) {
        e.kind = kind;
        CHECK(to_error(e, "GET http://h/").code == ExitCode::network);
    }
    e.kind = TransportFailure::bad_url;
    CHECK(to_error(e, "GET x").code == ExitCode::usage);
}

TEST_CASE("api to_error: a dry run is its own outcome, not a failure") {
    TransportError e;
    e.kind = TransportFailure::dry_run;
    const Error stop = to_error(e, "create the call");
    CHECK(stop.is_dry_run());
    CHECK(stop.kind == ErrorKind::dry_run);
    CHECK(stop.message == "dry run: create the call not sent");
    // No failure is ever one.
    e.kind = TransportFailure::refused;
    CHECK_FALSE(to_error(e, "x").is_dry_run());
    CHECK_FALSE(make_error(ExitCode::ok, "odd but possible").is_dry_run());
}

TEST_CASE("api to_error: a stop says what stopped it") {
    TransportError e;
    e.kind = TransportFailure::interrupted;
    util::set_interrupted(true);
    CHECK(to_error(e, "call 7").code == ExitCode::interrupted);
    CHECK(to_error(e, "call 7").message == "interrupted: call 7");
    util::set_interrupted(false);
    util::request_stop(util::StopReason::sigterm);
    CHECK(to_error(e, "call 7").code == ExitCode::terminated);
    CHECK(to_error(e, "call 7").message == "terminated: call 7");
    util::request_stop(util::StopReason::output_closed);  // the first reason stays
    CHECK(util::stop_reason() == util::StopReason::sigterm);
    util::set_interrupted(false);
    util::request_stop(util::StopReason::output_closed);
    CHECK(to_error(e, "call 7").code == ExitCode::broken_pipe);
    util::set_interrupted(false);
    util::request_stop(util::StopReason::output_failed);
    CHECK(to_error(e, "call 7").code == ExitCode::output_failed);
    util::set_interrupted(false);
    CHECK_FALSE(util::interrupted());
}

TEST_CASE("api status_error, json_body, answer_of, success_of") {
    CHECK(api::status_error(answer(401), "x").code == ExitCode::auth);
    CHECK(api::status_error(answer(403), "x").code == ExitCode::auth);
    CHECK(api::status_error(answer(404, R"({"message":"no call"})"), "get").message == "get: HTTP 404: no call");
    CHECK(api::status_error(answer(302), "x").code == ExitCode::http_client);
    CHECK(api::status_error(answer(503), "x").code == ExitCode::http_server);
    CHECK(api::json_body(answer(200, "{"), "x").error().code == ExitCode::http_server);
    CHECK(api::json_body(answer(200), "x")->is_object());

    CHECK(api::answer_of(http::Outcome(answer(401)), "x")->status == 401);
    CHECK(api::success_of(http::Outcome(answer(401)), "x").error().code == ExitCode::auth);
    CHECK(api::success_of(http::Outcome(answer(204)), "x")->status == 204);
    TransportError refused;
    refused.kind = TransportFailure::refused;
    CHECK(api::answer_of(http::Outcome(refused), "x").error().code == ExitCode::network);
}

TEST_CASE("worst_of ranks the stops above every failure") {
    CHECK(worst_of(ExitCode::ok, ExitCode::expectation_failed) == ExitCode::expectation_failed);
    CHECK(worst_of(ExitCode::wait_timeout, ExitCode::expectation_failed) == ExitCode::expectation_failed);
    CHECK(worst_of(ExitCode::expectation_failed, ExitCode::http_client) == ExitCode::http_client);
    CHECK(worst_of(ExitCode::internal, ExitCode::output_failed) == ExitCode::output_failed);
    CHECK(worst_of(ExitCode::output_failed, ExitCode::broken_pipe) == ExitCode::broken_pipe);
    CHECK(worst_of(ExitCode::broken_pipe, ExitCode::interrupted) == ExitCode::interrupted);
    CHECK(worst_of(ExitCode::terminated, ExitCode::interrupted) == ExitCode::terminated);
    CHECK(worst_of(ExitCode::network, ExitCode::http_client) == ExitCode::network);
    CHECK(to_int(ExitCode::expectation_failed) == 11);
    CHECK(to_int(ExitCode::output_failed) == 12);
    CHECK(to_int(ExitCode::broken_pipe) == 141);
    CHECK(to_int(ExitCode::terminated) == 143);
}
