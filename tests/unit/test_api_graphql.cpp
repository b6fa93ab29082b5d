// The GraphQL client and the intercom operations: request bodies, the
// built-in documents, replacement checks, `errors` handling, and one round
// trip over loopback (tests/unit/http_test_server.hpp).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "callctl/api/graphql.hpp"
#include "callctl/api/intercom.hpp"
#include "callctl/graphql/document.hpp"
#include "callctl/api/session.hpp"
#include "callctl/http/http.hpp"
#include "http_test_server.hpp"

using callctl::ExitCode;
using nlohmann::json;
namespace api = callctl::api;
namespace config = callctl::config;
namespace http = callctl::http;

namespace {

// callctl(1), "answer": the built-in documents as written, and as sent.
constexpr const char* set_state_document =
    "mutation SetIoTDeviceState($iotDeviceId: ID!, $stateInput: [IotDeviceStateInput!]!) {\n"
    "  iotDeviceSetTargetState(id: $iotDeviceId, targetState: $stateInput) { __typename name }\n"
    "}\n";
constexpr const char* answer_document =
    "mutation AnswerIncomingCall($iotDeviceId: ID!) {\n"
    "  answerIncomingCall(iotDeviceId: $iotDeviceId) { __typename }\n"
    "}\n";
constexpr const char* set_state_sent =
    "mutation SetIoTDeviceState($iotDeviceId: ID!, $stateInput: [IotDeviceStateInput!]!) "
    "{ iotDeviceSetTargetState(id: $iotDeviceId, targetState: $stateInput) { __typename name } }";
constexpr const char* answer_sent =
    "mutation AnswerIncomingCall($iotDeviceId: ID!) { answerIncomingCall(iotDeviceId: $iotDeviceId) { __typename } }";

config::Settings settings_with(std::map<std::string, std::string> documents = {}) {
    config::Settings settings;
    settings.profile = "work";
    settings.graphql_documents = std::move(documents);
    return settings;
}

api::DocumentOptions query_file(const std::string& document, std::optional<std::string> operation = std::nullopt) {
    return api::DocumentOptions{api::DocumentOverride{document, "--query-file q.graphql"}, std::move(operation)};
}

api::GraphqlRequest request_for(api::IntercomAction action, const std::string& device = "dev_42",
                                const config::Settings& settings = settings_with(), const api::DocumentOptions& options = {}) {
    auto request = api::intercom_request(action, device, settings, options);
    REQUIRE_MESSAGE(request.has_value(), (request ? "" : request.error().message));
    return *request;
}

callctl::Error rejected(const api::DocumentOptions& options, api::IntercomAction action = api::IntercomAction::answer,
                        ExitCode code = ExitCode::bad_input) {
    auto request = api::intercom_request(action, "dev_42", settings_with(), options);
    REQUIRE_FALSE(request.has_value());
    CHECK(request.error().code == code);
    return request.error();
}

callctl::Error rejected(const std::string& document, api::IntercomAction action = api::IntercomAction::answer) {
    return rejected(query_file(document), action);
}

http::Response response_of(const std::string& body, long status = 200) {
    http::Response response;
    response.status = status;
    response.body = body;
    return response;
}

}  // namespace

TEST_CASE("graphql: request bodies of answer, open-door and hangup are exact, documents minified") {
    CHECK(api::graphql_body(request_for(api::IntercomAction::answer)) ==
          R"({"operationName":"AnswerIncomingCall","query":")" + std::string(answer_sent) +
              R"(","variables":{"iotDeviceId":"dev_42"}})");
    CHECK(api::graphql_body(request_for(api::IntercomAction::open_door)) ==
          R"({"operationName":"SetIoTDeviceState","query":")" + std::string(set_state_sent) +
              R"(","variables":{"iotDeviceId":"dev_42","stateInput":[{"action":"open","value":"true"}]}})");
    CHECK(api::graphql_body(request_for(api::IntercomAction::hangup)) ==
          R"({"operationName":"SetIoTDeviceState","query":")" + std::string(set_state_sent) +
              R"(","variables":{"iotDeviceId":"dev_42","stateInput":[{"action":"call","value":"false"}]}})");
}

TEST_CASE("graphql: intercom mutations are replayable (they set a state)") {
    for (const auto& spec : api::intercom_actions()) {
        CHECK(request_for(spec.action).replay == http::Replay::idempotent);
    }
}

TEST_CASE("graphql: the built-in documents parse and declare exactly the variables sent") {
    REQUIRE(api::graphql_operations().size() == 2);
    CHECK(api::find_graphql_operation("SetIoTDeviceState")->document == set_state_document);
    CHECK(api::find_graphql_operation("AnswerIncomingCall")->document == answer_document);
    CHECK(api::find_graphql_operation("Nope") == nullptr);
    for (const auto& operation : api::graphql_operations()) {
        CAPTURE(operation.name);
        auto doc = callctl::graphql::parse(operation.document);
        REQUIRE(doc.has_value());
        const auto* op = doc->find(operation.name);
        REQUIRE(op != nullptr);
        CHECK(op->kind == "mutation");
        REQUIRE(op->variables.size() == operation.variables.size());
        for (const auto& name : operation.variables) CHECK(op->variable(name)->required());
        CHECK(api::check_graphql_document(operation.document, {operation.variables, "built-in", {}, {}}).value() == operation.name);
    }
    // Every action's variables are the ones its operation's table row lists.
    for (const auto& spec : api::intercom_actions()) {
        const json variables = api::intercom_variables(spec.action, "d");
        const auto* operation = api::find_graphql_operation(spec.operation);
        REQUIRE(operation != nullptr);
        CHECK(variables.size() == operation->variables.size());
        for (const auto& name : operation->variables) CHECK(variables.contains(name));
    }
}

TEST_CASE("graphql: --query-file beats the profile, which beats the built-in; all are sent minified") {
    const std::string profile_doc = "mutation AnswerIncomingCall($iotDeviceId: ID!) {\n  answer(device: $iotDeviceId) { ok }\n}\n";
    const std::string file_doc = "mutation AnswerIncomingCall($iotDeviceId: ID!) { pickUp(id: $iotDeviceId) { ok } }";
    const auto settings = settings_with({{"AnswerIncomingCall", profile_doc}});

    CHECK(request_for(api::IntercomAction::answer, "d", settings).document ==
          "mutation AnswerIncomingCall($iotDeviceId: ID!) { answer(device: $iotDeviceId) { ok } }");
    CHECK(request_for(api::IntercomAction::answer, "d", settings, query_file(file_doc)).document == file_doc);
    // The profile replaces only the operation it names.
    CHECK(request_for(api::IntercomAction::open_door, "d", settings).document == set_state_sent);

    auto chosen = api::choose_document(*api::find_graphql_operation("AnswerIncomingCall"), settings, {});
    REQUIRE(chosen.has_value());
    CHECK(chosen->origin == "profile 'work' graphql.AnswerIncomingCall");
    CHECK(chosen->text == profile_doc);  // as written; intercom_request minifies
    CHECK(chosen->operation_name == "AnswerIncomingCall");
}

TEST_CASE("graphql: a replacement is minified: comments go, strings and commas stay") {
    const std::string document = "# the vendor's document\n"
                                 "mutation SetIoTDeviceState($iotDeviceId: ID!,\n"
                                 "                           $stateInput: [IotDeviceStateInput!]!) {\n"
                                 "  iotDeviceSetTargetState(id: $iotDeviceId, targetState: $stateInput,\n"
                                 "                          note: \"two  spaces,  kept\") {  # why\n"
                                 "\t__typename\n    name\n  }\n}\n";
    CHECK(request_for(api::IntercomAction::open_door, "d", settings_with(), query_file(document)).document ==
          "mutation SetIoTDeviceState($iotDeviceId: ID!, $stateInput: [IotDeviceStateInput!]!) "
          "{ iotDeviceSetTargetState(id: $iotDeviceId, targetState: $stateInput, note: \"two  spaces,  kept\") "
          "{ __typename name } }");
}

TEST_CASE("graphql: a replacement with one operation is sent whatever its name") {
    const std::string named = "mutation OpenSesame($iotDeviceId: ID!, $stateInput: [IotDeviceStateInput!]!) "
                              "{ iotDeviceSetTargetState(id: $iotDeviceId, targetState: $stateInput) { __typename } }";
    auto request = request_for(api::IntercomAction::open_door, "d", settings_with(), query_file(named));
    CHECK(request.operation_name == "OpenSesame");
    CHECK(json::parse(api::graphql_body(request))["operationName"] == "OpenSesame");
    // --operation may still name it; a wrong name is refused.
    CHECK(request_for(api::IntercomAction::open_door, "d", settings_with(), query_file(named, "OpenSesame")).operation_name ==
          "OpenSesame");
    const auto wrong = rejected(query_file(named, "SetIoTDeviceState"), api::IntercomAction::open_door, ExitCode::usage);
    CHECK(wrong.message == "--query-file q.graphql: no operation named 'SetIoTDeviceState' (found: OpenSesame)");

    // An anonymous one goes with "operationName": null.
    auto anonymous = request_for(api::IntercomAction::answer, "d", settings_with(),
                                 query_file("mutation ($iotDeviceId: ID!) { answerIncomingCall(iotDeviceId: $iotDeviceId) { __typename } }"));
    CHECK(anonymous.operation_name.empty());
    CHECK(json::parse(api::graphql_body(anonymous))["operationName"].is_null());
}

TEST_CASE("graphql: a document with several operations needs --operation") {
    const std::string document = R"(
        query Other { me { id } }
        fragment Fields on AnswerIncomingCallPayload { __typename }
        mutation AnswerIncomingCall($iotDeviceId: ID!, $note: String, $n: Int! = 1) {
          answerIncomingCall(iotDeviceId: $iotDeviceId, note: $note, n: $n) { ...Fields }
        })";
    const auto missing = rejected(query_file(document), api::IntercomAction::answer, ExitCode::usage);
    CHECK(missing.message == "--query-file q.graphql: holds 2 operations (Other, AnswerIncomingCall): say which to send "
                             "with --operation NAME");
    const auto wrong = rejected(query_file(document, "Nope"), api::IntercomAction::answer, ExitCode::usage);
    CHECK(wrong.message == "--query-file q.graphql: no operation named 'Nope' (found: Other, AnswerIncomingCall)");
    CHECK(wrong.hint == "--operation names one of the document's operations");
    CHECK(rejected(query_file(document, ""), api::IntercomAction::answer, ExitCode::usage).message.find("no operation named ''") !=
          std::string::npos);

    // Chosen: extra optional variables are fine; the whole document is sent.
    auto request = request_for(api::IntercomAction::answer, "d", settings_with(), query_file(document, "AnswerIncomingCall"));
    CHECK(request.operation_name == "AnswerIncomingCall");
    CHECK(request.document == "query Other { me { id } } fragment Fields on AnswerIncomingCallPayload { __typename } "
                              "mutation AnswerIncomingCall($iotDeviceId: ID!, $note: String, $n: Int! = 1) "
                              "{ answerIncomingCall(iotDeviceId: $iotDeviceId, note: $note, n: $n) { ...Fields } }");
    // The chosen operation's variables are what is checked.
    const auto other = rejected(query_file(document, "Other"));
    CHECK(other.message == "--query-file q.graphql: operation Other does not declare $iotDeviceId (callctl sends it)");
}

TEST_CASE("graphql: --operation applies to the built-in and profile documents too") {
    CHECK(request_for(api::IntercomAction::open_door, "d", settings_with(), {std::nullopt, "SetIoTDeviceState"}).operation_name ==
          "SetIoTDeviceState");
    auto request = api::intercom_request(api::IntercomAction::open_door, "d", settings_with(), {std::nullopt, "OpenDoor"});
    REQUIRE_FALSE(request.has_value());
    CHECK(request.error().code == ExitCode::usage);
    CHECK(request.error().message == "built-in: no operation named 'OpenDoor' (found: SetIoTDeviceState)");
}

TEST_CASE("graphql: a bad profile replacement is rejected too") {
    auto request = api::intercom_request(api::IntercomAction::open_door, "d",
                                         settings_with({{"SetIoTDeviceState", "mutation SetIoTDeviceState { x }"}}), {});
    REQUIRE_FALSE(request.has_value());
    CHECK(request.error().code == ExitCode::bad_input);
    CHECK(request.error().message ==
          "profile 'work' graphql.SetIoTDeviceState: operation SetIoTDeviceState does not declare $iotDeviceId, $stateInput "
          "(callctl sends them)");
}

TEST_CASE("graphql: replacement documents are checked before sending") {
    SUBCASE("bad syntax, with line and column") {
        const auto error = rejected("mutation AnswerIncomingCall($iotDeviceId: ID!) {\n  answer(id: $iotDeviceId) { ok }\n");
        CHECK(error.message == "--query-file q.graphql: GraphQL syntax error at 3:1: Expected Name, found <EOF>");
    }
    SUBCASE("not GraphQL at all") {
        CHECK(rejected("{\"query\": \"mutation\"}").message ==
              "--query-file q.graphql: GraphQL syntax error at 1:2: Expected Name, found String");
    }
    SUBCASE("missing variable") {
        const auto error = rejected("mutation SetIoTDeviceState($iotDeviceId: ID!) { s(id: $iotDeviceId) { name } }",
                                    api::IntercomAction::hangup);
        CHECK(error.message ==
              "--query-file q.graphql: operation SetIoTDeviceState does not declare $stateInput (callctl sends it)");
        CHECK(error.hint ==
              "the built-in document declares `mutation SetIoTDeviceState($iotDeviceId: ID!, $stateInput: "
              "[IotDeviceStateInput!]!)`");
    }
    SUBCASE("missing variable, anonymous operation") {
        CHECK(rejected("mutation { a }").message ==
              "--query-file q.graphql: the anonymous operation does not declare $iotDeviceId (callctl sends it)");
    }
    SUBCASE("a required variable callctl does not send") {
        const auto error = rejected("mutation AnswerIncomingCall($iotDeviceId: ID!, $pin: String!) { a(id: $iotDeviceId, pin: $pin) }");
        CHECK(error.message ==
              "--query-file q.graphql: operation AnswerIncomingCall requires $pin (String!), which callctl does not send");
        CHECK(error.hint == "callctl sends only $iotDeviceId; give $pin a default value or make it nullable");
    }
    SUBCASE("a variable used but not declared") {
        const auto error = rejected("mutation AnswerIncomingCall($iotDeviceId: ID!) { a(id: $iotDeviceId, pin: $pin) }");
        CHECK(error.message == "--query-file q.graphql: GraphQL syntax error at 1:75: Variable \"$pin\" is not defined by "
                               "operation \"AnswerIncomingCall\"");
    }
    SUBCASE("a declared variable the operation never uses") {
        const auto error = rejected("mutation AnswerIncomingCall($iotDeviceId: ID!) { a }");
        CHECK(error.message == "--query-file q.graphql: GraphQL syntax error at 1:29: Variable \"$iotDeviceId\" is never used "
                               "in operation \"AnswerIncomingCall\"");
    }
}

TEST_CASE("graphql: error paths are dotted") {
    CHECK(api::format_graphql_path(json::array({"iotDeviceSetTargetState"})) == "iotDeviceSetTargetState");
    CHECK(api::format_graphql_path(json::array({"a", 0, "b"})) == "a.0.b");
    CHECK(api::format_graphql_path(json()) == "");
    CHECK(api::format_graphql_path(json::array()) == "");
    CHECK(api::describe({"IoT device not found: x", "a.b"}) == "GraphQL: IoT device not found: x (path: a.b)");
    CHECK(api::describe({"Syntax Error", ""}) == "GraphQL: Syntax Error");
}

TEST_CASE("graphql: a 200 with data is a success") {
    auto response = api::read_graphql_response(
        response_of(R"({"data":{"iotDeviceSetTargetState":{"__typename":"IotDevice","name":"Front door"}}})"), "GraphQL X");
    REQUIRE(response.has_value());
    CHECK_FALSE(response->failed());
    CHECK(response->data["iotDeviceSetTargetState"]["name"] == "Front door");
    CHECK(api::device_name(response->data) == "Front door");
    CHECK(api::device_name(json{{"answerIncomingCall", {{"__typename", "X"}}}}) == std::nullopt);
    CHECK(api::device_name(json()) == std::nullopt);
}

TEST_CASE("graphql: a 200 with a non-empty errors array is a failure, partial data kept") {
    const std::string body = R"({"data":{"a":{"name":"ok"},"b":null},"errors":[
        {"message":"first\nproblem","path":["b"]},
        {"message":"IoT device not found: dev_x","path":["iotDeviceSetTargetState",0,"name"],"locations":[{"line":2,"column":3}]}]})";
    auto response = api::read_graphql_response(response_of(body), "GraphQL X");
    REQUIRE(response.has_value());
    REQUIRE(response->failed());
    REQUIRE(response->error_list.size() == 2);
    CHECK(response->error_list[0].message == "first problem");  // one line per error
    CHECK(response->error_list[0].path == "b");
    CHECK(response->error_list[1].path == "iotDeviceSetTargetState.0.name");
    CHECK(response->data["a"]["name"] == "ok");
    const json shown = response->to_json();
    CHECK(shown["data"] == json::parse(body)["data"]);
    CHECK(shown["errors"] == json::parse(body)["errors"]);  // as sent, locations too

    const auto error = api::failure_of(*response, "a hint");
    CHECK(error.code == ExitCode::graphql);
    // One line per error, in the server's order.
    CHECK(error.message == "GraphQL: first problem (path: b)");
    CHECK(error.more == std::vector<std::string>{"GraphQL: IoT device not found: dev_x (path: iotDeviceSetTargetState.0.name)"});
    CHECK(error.hint == "a hint");
    // Errors with paths are about the data, not the document: no replacement hint.
    CHECK(api::replacement_hint("SetIoTDeviceState", *response).empty());
}

TEST_CASE("graphql: errors without data, empty errors, and malformed answers") {
    auto no_data = api::read_graphql_response(response_of(R"({"errors":[{"message":"Cannot query field \"x\""}]})"), "Q");
    REQUIRE(no_data.has_value());
    CHECK(no_data->failed());
    CHECK(no_data->data.is_null());
    CHECK(api::failure_of(*no_data).message == "GraphQL: Cannot query field \"x\"");
    CHECK(api::replacement_hint("AnswerIncomingCall", *no_data).find("graphql.AnswerIncomingCall @FILE") != std::string::npos);

    auto empty_errors = api::read_graphql_response(response_of(R"({"data":{"a":1},"errors":[]})"), "Q");
    REQUIRE(empty_errors.has_value());
    CHECK_FALSE(empty_errors->failed());

    auto no_message = api::read_graphql_response(response_of(R"({"errors":[{}]})"), "Q");
    REQUIRE(no_message.has_value());
    CHECK(no_message->error_list.at(0).message == "(no message)");

    auto not_json = api::read_graphql_response(response_of("<html>"), "Q");
    REQUIRE_FALSE(not_json.has_value());
    CHECK(not_json.error().code == ExitCode::http_server);

    auto not_graphql = api::read_graphql_response(response_of(R"({"status":"ok"})"), "Q");
    REQUIRE_FALSE(not_graphql.has_value());
    CHECK(not_graphql.error().code == ExitCode::http_server);
}

TEST_CASE("graphql: execute over loopback: headers, body, errors, 401") {
    using callctl::testing::http_response;
    using callctl::testing::RawRequest;
    using callctl::testing::Reply;
    std::vector<RawRequest> seen;
    std::mutex seen_mutex;
    callctl::testing::TinyHttpServer server([&](const RawRequest& request, int number) {
        const std::lock_guard lock(seen_mutex);
        seen.push_back(request);
        if (number == 1) return Reply{http_response(503, "Service Unavailable", "busy", {"Retry-After: 0"})};
        if (number == 2) return Reply{http_response(200, "OK", R"({"data":{"answerIncomingCall":{"__typename":"P"}}})")};
        if (number == 3) return Reply{http_response(200, "OK", R"({"data":null,"errors":[{"message":"IoT device not found: nope","path":["answerIncomingCall"]}]})")};
        return Reply{http_response(401, "Unauthorized", R"({"message":"bad token"})")};
    });

    config::Settings settings = settings_with();
    settings.token = "tok-123";
    settings.token_source = config::Source::flag;
    http::ClientOptions options;
    options.retry.base_delay = std::chrono::milliseconds{1};
    http::Client client(options);
    api::Session session(settings, client);
    const std::string url = server.url("/graphql");

    auto ok = api::execute_graphql(session, url, request_for(api::IntercomAction::answer));
    REQUIRE(ok.has_value());
    CHECK_FALSE(ok->failed());
    REQUIRE(seen.size() == 2);  // the 503 was retried: the mutation is idempotent
    CHECK(seen[1].method == "POST");
    CHECK(seen[1].target == "/graphql");
    CHECK(seen[1].header("Authorization") == "Bearer tok-123");
    CHECK(seen[1].header("Content-Type") == "application/json");
    CHECK(seen[1].body == api::graphql_body(request_for(api::IntercomAction::answer)));

    auto failed = api::execute_graphql(session, url, request_for(api::IntercomAction::answer, "nope"));
    REQUIRE(failed.has_value());
    CHECK(failed->failed());
    CHECK(api::failure_of(*failed).message == "GraphQL: IoT device not found: nope (path: answerIncomingCall)");

    auto unauthorized = api::execute_graphql(session, url, request_for(api::IntercomAction::hangup));
    REQUIRE_FALSE(unauthorized.has_value());
    CHECK(unauthorized.error().code == ExitCode::auth);
}
