"""answer / open-door / hangup against the sandbox's GraphQL endpoint: the exact request on the
wire (documents minified as the vendor's app sends them, callctl(1) WIRE FORMATS), GraphQL errors
(exit 8), auth failures (exit 5), --from-push on plain and wrapped pushes, document replacements
(--query-file, profile, --operation) and their checks, retries, and the stop push."""

import hashlib
import json
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import SandboxTestCase, TempHome, run_callctl  # noqa: E402

# The built-in documents as callctl sends them: callctl(1)'s, minified by hand.
SET_STATE = ("mutation SetIoTDeviceState($iotDeviceId: ID!, $stateInput: [IotDeviceStateInput!]!) "
             "{ iotDeviceSetTargetState(id: $iotDeviceId, targetState: $stateInput) { __typename name } }")
ANSWER = "mutation AnswerIncomingCall($iotDeviceId: ID!) { answerIncomingCall(iotDeviceId: $iotDeviceId) { __typename } }"
OPEN = {"iotDeviceId": "dev_42", "stateInput": [{"action": "open", "value": "true"}]}
# A replacement as a user would bring it: the vendor's own name, comments, line breaks.
OPEN_SESAME = ("# from the vendor's app\n"
               "mutation OpenSesame($iotDeviceId: ID!,\n"
               "                    $stateInput: [IotDeviceStateInput!]!) {\n"
               "  iotDeviceSetTargetState(id: $iotDeviceId, targetState: $stateInput) {  # the one call\n"
               "    __typename\n"
               "    id\n"
               "    name\n"
               "  }\n"
               "}\n")
OPEN_SESAME_SENT = ("mutation OpenSesame($iotDeviceId: ID!, $stateInput: [IotDeviceStateInput!]!) "
                    "{ iotDeviceSetTargetState(id: $iotDeviceId, targetState: $stateInput) { __typename id name } }")
TWO_OPERATIONS = "query Other { me { id } }\n" + OPEN_SESAME
TWO_OPERATIONS_SENT = "query Other { me { id } } " + OPEN_SESAME_SENT


def wire_body(operation, document, variables):
    """The body exactly as callctl writes it (keys in order, compact)."""
    return json.dumps({"operationName": operation, "query": document, "variables": variables},
                      separators=(",", ":"))


class IntercomTest(SandboxTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.token = cls.sb.access_token()
        cls.tmp = tempfile.TemporaryDirectory(prefix="callctl-intercom-")
        cls.dir = Path(cls.tmp.name)
        cls.addClassCleanup(cls.tmp.cleanup)

    def callctl(self, *args, token=None, input=None, home=None):
        env = {"CALLCTL_GRAPHQL_URL": self.sb.url("/graphql"), "CALLCTL_TOKEN": token or self.token}
        return run_callctl(list(args), env=env, input=input, home=home)

    def graphql_requests(self):
        return [r for r in self.sb.requests() if r["path"] == "/graphql"]

    def write(self, name, text):
        path = self.dir / name
        path.write_text(text)
        return str(path)

    def push(self, device="dev_42", wrap="none"):
        return self.sb.admin("POST", "/_sandbox/push/incoming", {"iotDeviceId": device, "wrap": wrap})

    def sent_request(self, *args, home=None):
        """Runs one intercom command in JSON mode; returns (printed data, the one /graphql request)."""
        code, out, err = self.callctl("-o", "json", *args, home=home)
        self.assertEqual(code, 0, err)
        requests = self.graphql_requests()
        self.assertEqual(len(requests), 1)
        request = requests[0]
        self.assertEqual(request["method"], "POST")
        self.assertEqual(request["headers"]["authorization"], "Bearer " + self.token)
        self.assertEqual(request["headers"]["content-type"], "application/json")
        self.assertEqual(request["status"], 200)
        # The sandbox's own check: the document is minified as the vendor's app sends it.
        self.assertEqual(request["graphql"], {"operationName": json.loads(request["body"])["operationName"],
                                              "minified": True})
        return json.loads(out), request

    def refused(self, *args, code=3):
        """Runs one intercom command that must fail before sending; returns its stderr."""
        got, out, err = self.callctl(*args)
        self.assertEqual((got, out), (code, ""), err)
        self.assertEqual(self.graphql_requests(), [])
        return err

    # ---- exact requests
    def test_answer_body(self):
        data, request = self.sent_request("answer", "--device", "dev_42")
        self.assertEqual(request["body"], wire_body("AnswerIncomingCall", ANSWER, {"iotDeviceId": "dev_42"}))
        self.assertEqual(data, {"answerIncomingCall": {"__typename": "AnswerIncomingCallPayload"}})

    def test_open_door_body(self):
        data, request = self.sent_request("open-door", "--device", "dev_42")
        self.assertEqual(request["body"], wire_body("SetIoTDeviceState", SET_STATE, OPEN))
        # Byte for byte what the vendor's app sends (Apollo's operation id is this hash).
        self.assertEqual(hashlib.sha256(json.loads(request["body"])["query"].encode()).hexdigest(),
                         "87d568703e1e732eab7846f86c80f2be0b0b52e91129ec656d9b93082922b2b7")
        self.assertEqual(data, {"iotDeviceSetTargetState": {"__typename": "IotDevice", "name": "Front door"}})
        self.assertEqual(self.sb.admin("GET", "/_sandbox/devices")["dev_42"]["state"]["open"], "true")

    def test_hangup_body(self):
        _, request = self.sent_request("hangup", "--device", "dev_43")
        self.assertEqual(request["body"], wire_body("SetIoTDeviceState", SET_STATE, {
            "iotDeviceId": "dev_43", "stateInput": [{"action": "call", "value": "false"}]}))
        self.assertEqual(self.sb.admin("GET", "/_sandbox/devices")["dev_43"]["state"]["call"], "false")

    def test_table_mode_confirms_in_one_line(self):
        code, out, err = self.callctl("-o", "table", "open-door", "--device", "dev_42")
        self.assertEqual(code, 0, err)
        self.assertEqual(out, "door opened: dev_42 (Front door)\n")
        code, out, err = self.callctl("-o", "table", "hangup", "--device", "dev_42")
        self.assertEqual((code, out), (0, "call ended: dev_42 (Front door)\n"), err)
        code, out, err = self.callctl("-o", "table", "answer", "--device", "dev_42")
        self.assertEqual((code, out), (0, "call answered: dev_42\n"), err)

    def test_answer_sends_the_stop_push(self):
        code, _, err = self.callctl("answer", "--device", "dev_42")
        self.assertEqual(code, 0, err)
        pushes = [r for r in self.sb.requests() if r["method"] == "PUSH"]
        self.assertEqual(len(pushes), 1)
        self.assertEqual(pushes[0]["path"], "/_push/Call.StopIncoming")
        self.assertEqual(json.loads(pushes[0]["body"]), {"iotDeviceId": "dev_42", "type": "Call.StopIncoming"})

    # ---- failures
    def test_unknown_device_is_exit_8_with_the_message(self):
        code, out, err = self.callctl("-o", "json", "open-door", "--device", "dev_nope")
        self.assertEqual(code, 8, err)
        self.assertIn("callctl: error: GraphQL: IoT device not found: dev_nope (path: iotDeviceSetTargetState)", err)
        # JSON mode still prints what the server answered.
        printed = json.loads(out)
        self.assertIsNone(printed["data"])
        self.assertEqual(printed["errors"][0]["message"], "IoT device not found: dev_nope")

    def test_unknown_device_in_table_mode_prints_nothing_on_stdout(self):
        code, out, err = self.callctl("-o", "table", "hangup", "--device", "dev_nope")
        self.assertEqual((code, out), (8, ""), err)
        self.assertIn("GraphQL: IoT device not found: dev_nope", err)

    def test_bad_token_is_exit_5(self):
        code, _, err = self.callctl("answer", "--device", "dev_42", token="not-a-token")
        self.assertEqual(code, 5, err)
        self.assertIn("401", err)

    def test_503_then_200_is_retried(self):
        self.sb.set_faults({"fail_next": {"count": 1, "status": 503, "retry_after": "0"}})
        code, out, err = self.callctl("-o", "json", "open-door", "--device", "dev_42")
        self.assertEqual(code, 0, err)
        statuses = [r["status"] for r in self.graphql_requests()]
        self.assertEqual(statuses, [503, 200])
        self.assertEqual(json.loads(out)["iotDeviceSetTargetState"]["name"], "Front door")

    def test_neither_device_nor_push_is_usage(self):
        code, _, err = self.callctl("hangup")
        self.assertEqual(code, 2, err)
        self.assertEqual(self.graphql_requests(), [])

    # ---- --from-push
    def test_from_push_plain(self):
        path = self.write("plain.json", json.dumps(self.push("dev_42")))
        _, request = self.sent_request("answer", "--from-push", path)
        self.assertEqual(json.loads(request["body"])["variables"], {"iotDeviceId": "dev_42"})

    def test_from_push_fcm_v1_on_stdin(self):
        wrapped = self.push("dev_77", wrap="fcm-v1")
        self.assertIn("message", wrapped)
        code, _, err = self.callctl("open-door", "--from-push", "-", input=json.dumps(wrapped))
        self.assertEqual(code, 0, err)
        body = json.loads(self.graphql_requests()[0]["body"])
        self.assertEqual(body["variables"]["iotDeviceId"], "dev_77")

    def test_from_push_agreeing_with_device_is_fine(self):
        path = self.write("agree.json", json.dumps(self.push("dev_42", wrap="fcm-legacy")))
        code, _, err = self.callctl("hangup", "--device", "dev_42", "--from-push", path)
        self.assertEqual(code, 0, err)

    def test_from_push_differing_from_device_is_refused(self):
        path = self.write("differ.json", json.dumps(self.push("dev_42")))
        code, _, err = self.callctl("answer", "--device", "dev_43", "--from-push", path)
        self.assertEqual(code, 2, err)
        self.assertIn("dev_43", err)
        self.assertEqual(self.graphql_requests(), [])

    def test_push_without_device_is_bad_input(self):
        path = self.write("other.json", json.dumps({"event": "on_call_incoming", "room_id": "r", "data": {}}))
        code, _, err = self.callctl("answer", "--from-push", path)
        self.assertEqual(code, 3, err)
        self.assertIn("no iotDeviceId", err)

    # ---- replacement documents
    def test_query_file_reaches_the_wire_minified(self):
        document = ("mutation SetIoTDeviceState($iotDeviceId: ID!, $stateInput: [IotDeviceStateInput!]!)\n"
                    "{\n\tiotDeviceSetTargetState(id: $iotDeviceId, targetState: $stateInput) { __typename id name }\n}\n")
        path = self.write("open.graphql", document)
        data, request = self.sent_request("open-door", "--device", "dev_42", "--query-file", path)
        self.assertEqual(request["body"], wire_body("SetIoTDeviceState",
                                                    "mutation SetIoTDeviceState($iotDeviceId: ID!, $stateInput: "
                                                    "[IotDeviceStateInput!]!) { iotDeviceSetTargetState(id: $iotDeviceId, "
                                                    "targetState: $stateInput) { __typename id name } }", OPEN))
        self.assertEqual(data["iotDeviceSetTargetState"]["id"], "dev_42")

    def test_one_operation_is_sent_whatever_its_name(self):
        path = self.write("sesame.graphql", OPEN_SESAME)
        _, request = self.sent_request("open-door", "--device", "dev_42", "--query-file", path)
        self.assertEqual(request["body"], wire_body("OpenSesame", OPEN_SESAME_SENT, OPEN))
        self.assertEqual(self.sb.admin("GET", "/_sandbox/devices")["dev_42"]["state"]["open"], "true")

    def test_hangup_with_a_replacement(self):
        path = self.write("sesame.graphql", OPEN_SESAME)
        _, request = self.sent_request("hangup", "--device", "dev_43", "--query-file", path)
        self.assertEqual(request["body"], wire_body("OpenSesame", OPEN_SESAME_SENT, {
            "iotDeviceId": "dev_43", "stateInput": [{"action": "call", "value": "false"}]}))

    def test_an_anonymous_operation_goes_with_a_null_name(self):
        path = self.write("anonymous.graphql", "mutation ($iotDeviceId: ID!) {\n  answerIncomingCall(iotDeviceId: "
                                                "$iotDeviceId) { __typename }\n}\n")
        data, request = self.sent_request("answer", "--device", "dev_42", "--query-file", path)
        self.assertEqual(request["body"], wire_body(None, "mutation ($iotDeviceId: ID!) { answerIncomingCall(iotDeviceId: "
                                                          "$iotDeviceId) { __typename } }", {"iotDeviceId": "dev_42"}))
        self.assertEqual(data, {"answerIncomingCall": {"__typename": "AnswerIncomingCallPayload"}})

    def test_several_operations_need_operation(self):
        path = self.write("two.graphql", TWO_OPERATIONS)
        err = self.refused("open-door", "--device", "dev_42", "--query-file", path, code=2)
        self.assertEqual(err, f"callctl: error: --query-file {path}: holds 2 operations (Other, OpenSesame): say which to "
                              f"send with --operation NAME\n")
        err = self.refused("open-door", "--device", "dev_42", "--query-file", path, "--operation", "Nope", code=2)
        self.assertEqual(err, f"callctl: error: --query-file {path}: no operation named 'Nope' (found: Other, OpenSesame)\n"
                              f"callctl: hint: --operation names one of the document's operations\n")
        # The one chosen is sent by name, in the whole document, minified.
        _, request = self.sent_request("open-door", "--device", "dev_42", "--query-file", path, "--operation", "OpenSesame")
        self.assertEqual(request["body"], wire_body("OpenSesame", TWO_OPERATIONS_SENT, OPEN))

    def test_operation_names_an_operation_of_the_built_in_document_too(self):
        _, request = self.sent_request("answer", "--device", "dev_42", "--operation", "AnswerIncomingCall")
        self.assertEqual(request["body"], wire_body("AnswerIncomingCall", ANSWER, {"iotDeviceId": "dev_42"}))
        self.sb.clear_requests()
        err = self.refused("answer", "--device", "dev_42", "--operation", "SetIoTDeviceState", code=2)
        self.assertEqual(err, "callctl: error: built-in: no operation named 'SetIoTDeviceState' (found: AnswerIncomingCall)\n"
                              "callctl: hint: --operation names one of the document's operations\n")

    def test_bad_query_file_is_refused_before_sending(self):
        cases = {
            "syntax.graphql": ("mutation AnswerIncomingCall($iotDeviceId: ID! { x }",
                               "GraphQL syntax error at 1:47: Expected \"$\", found \"{\""),
            "vars.graphql": ("mutation AnswerIncomingCall($id: ID!) { answerIncomingCall(iotDeviceId: $id) "
                             "{ __typename } }", "operation AnswerIncomingCall does not declare $iotDeviceId (callctl sends it)"),
            "unused.graphql": ("mutation Answer($iotDeviceId: ID!, $extra: String) { answerIncomingCall(iotDeviceId: "
                               "$iotDeviceId) { __typename } }",
                               "GraphQL syntax error at 1:36: Variable \"$extra\" is never used in operation \"Answer\""),
        }
        for name, (document, said) in cases.items():
            with self.subTest(name):
                path = self.write(name, document)
                err = self.refused("answer", "--device", "dev_42", "--query-file", path)
                self.assertEqual(err.splitlines()[0], f"callctl: error: --query-file {path}: {said}")

    def test_profile_replacement_is_used_checked_and_minified(self):
        document = ("mutation PickUp($iotDeviceId: ID!) {\n"
                    "  answerIncomingCall(iotDeviceId: $iotDeviceId) { __typename }\n}\n")
        with TempHome() as home:
            home.write_config({"profiles": {"default": {"graphql": {"AnswerIncomingCall": document}}}})
            _, request = self.sent_request("answer", "--device", "dev_42", home=home)
            self.assertEqual(request["body"], wire_body(
                "PickUp", "mutation PickUp($iotDeviceId: ID!) { answerIncomingCall(iotDeviceId: $iotDeviceId) { __typename } }",
                {"iotDeviceId": "dev_42"}))

            self.sb.clear_requests()
            home.write_config({"profiles": {"default": {"graphql": {"AnswerIncomingCall": "mutation X { y }"}}}})
            code, _, err = self.callctl("answer", "--device", "dev_42", home=home)
            self.assertEqual(code, 3, err)
            self.assertEqual(err.splitlines()[0], "callctl: error: profile 'default' graphql.AnswerIncomingCall: operation X "
                                                  "does not declare $iotDeviceId (callctl sends it)")
            self.assertEqual(self.graphql_requests(), [])

    def test_server_rejecting_the_document_hints_at_replacing_it(self):
        path = self.write("unknown-field.graphql", "mutation AnswerIncomingCall($iotDeviceId: ID!) "
                                                    "{ pickUp(iotDeviceId: $iotDeviceId) { __typename } }")
        code, _, err = self.callctl("answer", "--device", "dev_42", "--query-file", path)
        self.assertEqual(code, 8, err)
        self.assertIn('GraphQL: Cannot query field "pickUp"', err)
        self.assertIn("graphql.AnswerIncomingCall @FILE", err)

    def test_every_error_gets_its_own_line(self):
        path = self.write("two-errors.graphql", "mutation AnswerIncomingCall($iotDeviceId: ID!) "
                                                 "{ a: pickUp(x: $iotDeviceId) { y } b: other }")
        code, out, err = self.callctl("-o", "json", "answer", "--device", "dev_42", "--query-file", path)
        self.assertEqual(code, 8, err)
        # One line per error in the server's order, then the one hint.
        self.assertEqual(err, 'callctl: error: GraphQL: Cannot query field "pickUp" on type "Mutation".\n'
                              'callctl: error: GraphQL: Cannot query field "other" on type "Mutation".\n'
                              "callctl: hint: if the server does not accept the AnswerIncomingCall document, give it "
                              "its own: --query-file FILE, or `callctl profile set graphql.AnswerIncomingCall @FILE`\n")
        self.assertEqual(len(json.loads(out)["errors"]), 2)


if __name__ == "__main__":
    unittest.main()
