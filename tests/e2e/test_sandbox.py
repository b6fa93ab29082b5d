"""callctl-sandbox on its own, driven with urllib and curl, so that the CLI's
end-to-end tests stand on a tested backend."""

import base64
import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import SANDBOX_BIN, Sandbox, curl  # noqa: E402

SET_STATE = ("mutation SetIoTDeviceState($iotDeviceId: ID!, $stateInput: [IotDeviceStateInput!]!) {\n"
             "  iotDeviceSetTargetState(id: $iotDeviceId, targetState: $stateInput) { __typename name }\n}\n")
ANSWER = ("mutation AnswerIncomingCall($iotDeviceId: ID!) {\n"
          "  answerIncomingCall(iotDeviceId: $iotDeviceId) { __typename }\n}\n")
CREATE_CALL = {"callTitle": "Test Call", "callReason": "STANDARD", "callType": "SFU",
               "invitedContacts": [{"displayName": "Tester", "domain": "ubimax", "email": "tester@example.com",
                                    "phoneNumber": "", "userDbId": 8, "userId": "tester"},
                                   {"displayName": "Second", "userDbId": 9, "userId": "second"}],
               "invitedTeams": [], "joinAnonymousAllowed": True, "informOthersDirectly": True,
               "creatorUser": 12, "plannedDateTime": None}


def openssl_open(key_hex: str, sealed_b64: str) -> bytes:
    """Decrypts base64(IV || ciphertext) with the openssl CLI, independently of callctl's crypto."""
    blob = base64.b64decode(sealed_b64)
    iv, ciphertext = blob[:16], blob[16:]
    proc = subprocess.run(["openssl", "enc", "-d", "-aes-256-cbc", "-K", key_hex, "-iv", iv.hex()],
                          input=ciphertext, capture_output=True, timeout=20)
    if proc.returncode != 0:
        raise AssertionError(f"openssl could not decrypt: {proc.stderr.decode()}")
    return proc.stdout


def b64url_json(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


class SandboxTestCase(unittest.TestCase):
    sandbox: Sandbox

    @classmethod
    def setUpClass(cls):
        cls.sandbox = Sandbox(tls=True)
        cls.sandbox.start()

    @classmethod
    def tearDownClass(cls):
        cls.sandbox.stop()

    def setUp(self):
        self.sandbox.clear_faults()
        self.sandbox.clear_requests()

    def auth(self, token=None):
        return {"Authorization": f"Bearer {token or self.sandbox.access_token()}"}

    def graphql(self, query, variables, operation_name=None, token=None):
        body = {"operationName": operation_name, "query": query, "variables": variables}
        return self.sandbox.json_request("POST", "/graphql", body, self.auth(token))


class StartupTest(SandboxTestCase):
    def test_reports_loopback_ports_for_http_and_https(self):
        self.assertRegex(self.sandbox.http, r"^http://127\.0\.0\.1:\d+$")
        self.assertRegex(self.sandbox.https, r"^https://127\.0\.0\.1:\d+$")
        self.assertNotEqual(self.sandbox.http.rsplit(":", 1)[1], self.sandbox.https.rsplit(":", 1)[1])

    def test_https_works_with_the_cacert_and_fails_without(self):
        ok = curl(["--cacert", self.sandbox.cacert, "-o", "/dev/null", "-w", "%{http_code}", self.sandbox.https + "/config"])
        self.assertEqual(ok.returncode, 0, ok.stderr)
        self.assertEqual(ok.stdout, "200")
        untrusted = curl(["-o", "/dev/null", self.sandbox.https + "/config"])
        self.assertEqual(untrusted.returncode, 60, untrusted.stderr)  # peer certificate cannot be authenticated
        status, config = self.sandbox.json_request("GET", "/config", tls=True)
        self.assertEqual(status, 200)
        self.assertEqual(config["app_token_url"], self.sandbox.https + "/tokens")

    def test_unknown_option_is_a_usage_error(self):
        proc = subprocess.run([SANDBOX_BIN, "--no-such-flag"], capture_output=True, text=True, timeout=10)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("unknown option '--no-such-flag'", proc.stderr)


class LifecycleTest(unittest.TestCase):
    def test_sigterm_exits_cleanly(self):
        sandbox = Sandbox()
        sandbox.start()
        self.assertEqual(sandbox.stop(), 0)

    def test_exits_when_stdin_closes(self):
        sandbox = Sandbox()
        sandbox.start()
        try:
            sandbox.proc.stdin.close()
            self.assertEqual(sandbox.proc.wait(10), 0)
        finally:
            sandbox.stop()

    def test_push_key_file_is_used(self):
        key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
        with Sandbox(push_key_hex=key) as sandbox:
            self.assertEqual(sandbox.push_key_hex, key)

    def test_start_up_latency_delays_answers(self):
        with Sandbox(extra_args=["--latency-ms", "300"]) as sandbox:
            start = time.monotonic()
            status, _ = sandbox.json_request("GET", "/config")
            self.assertEqual(status, 200)
            self.assertGreaterEqual(time.monotonic() - start, 0.3)

    def test_short_token_ttl_expires_tokens(self):
        with Sandbox(extra_args=["--token-ttl", "1"]) as sandbox:
            token = sandbox.token()
            self.assertEqual(token["expires_in"], 1)
            time.sleep(1.2)
            status, body = sandbox.json_request("GET", "/rtc/getCallLogById?callId=x",
                                                headers={"Authorization": "Bearer " + token["access_token"]})
            self.assertEqual(status, 401)
            self.assertEqual(body["message"], "access token has expired")


class TokenEndpointTest(SandboxTestCase):
    def test_config(self):
        status, config = self.sandbox.json_request("GET", "/config")
        self.assertEqual(status, 200)
        self.assertEqual(config["app_token_url"], self.sandbox.http + "/tokens")
        self.assertEqual(config["app_e911id_url"], self.sandbox.http + "/e911ids")
        self.assertEqual(config["info"]["scope_map"]["MOBILE_NUMBER"], "WEBRTCMOBILE")
        self.assertEqual(config["info"]["scope_map"]["E911"], "EMERGENCYSERVICES")
        self.assertTrue(config["virtual_numbers_pool"])
        self.assertEqual(config["ewebrtc_domain"], "sandbox.ewebrtc.example")
        # every field of the public developer servers
        self.assertEqual(set(config), {"api_endpoint", "authorize_uri", "info", "app_key", "oauth_callback", "app_token_url",
                                       "app_e911id_url", "virtual_numbers_pool", "ewebrtc_domain"})
        self.assertEqual(set(config["info"]), {"dhs_platform", "token_uri", "e911id_uri", "ewebrtc_uri", "scope_map",
                                               "api_env", "dhs_name", "dhs_version"})
        self.assertEqual(config["info"]["token_uri"], self.sandbox.http + "/tokens")

    def test_config_of_older_servers_has_scope_names(self):
        self.sandbox.set_faults({"dhs_config_shape": "scope_names_array"})
        _, config = self.sandbox.json_request("GET", "/config")
        self.assertNotIn("scope_map", config["info"])
        self.assertEqual(config["scope_names"], ["MOBILE_NUMBER", "VIRTUAL_NUMBER", "ACCOUNT_ID", "E911"])
        self.sandbox.set_faults({"dhs_config_shape": "scope_names_object"})
        _, config = self.sandbox.json_request("GET", "/config")
        self.assertEqual(config["scope_names"]["E911"], "EMERGENCYSERVICES")
        self.sandbox.clear_faults()
        _, config = self.sandbox.json_request("GET", "/config")
        self.assertNotIn("scope_names", config)

    def test_errors_in_the_shape_of_each_public_server(self):
        body = {"app_scope": "MOBILE_NUMBER", "auth_code": "invalid"}
        expected = {
            "node": {"error": "auth_code is invalid or expired"},
            "restify": {"code": "BadRequest", "message": "auth_code is invalid or expired"},
        }
        for shape, answer in expected.items():
            with self.subTest(shape=shape):
                self.sandbox.set_faults({"dhs_error_shape": shape})
                self.assertEqual(self.sandbox.json_request("POST", "/tokens", body), (400, answer))
        self.sandbox.set_faults({"dhs_error_shape": "php"})
        status, headers, data = self.sandbox.request("POST", "/tokens", body)
        self.assertEqual((status, data), (400, b"PHP DHS Token Request Error: auth_code is invalid or expired"))
        self.assertTrue(headers["Content-Type"].startswith("text/plain"))
        status, _, data = self.sandbox.request("POST", "/e911ids", {"token": "nope"})
        self.assertEqual((status, data), (401, b"PHP DHS E911 Request Error: unknown token"))
        self.sandbox.set_faults({"dhs_error_shape": "restify"})
        self.assertEqual(self.sandbox.json_request("POST", "/e911ids", {"token": "nope"}),
                         (401, {"code": "Unauthorized", "message": "unknown token"}))
        # successes are untouched
        self.assertEqual(self.sandbox.json_request("POST", "/tokens", {"app_scope": "E911"})[0], 200)
        for plan in ({"dhs_error_shape": "java"}, {"dhs_config_shape": 1}):
            with self.subTest(plan=plan):
                self.assertEqual(self.sandbox.json_request("POST", "/_sandbox/faults", plan)[0], 400)

    def test_create_for_each_scope_gives_a_signed_jwt(self):
        for scope, code in (("MOBILE_NUMBER", "abc"), ("VIRTUAL_NUMBER", None), ("ACCOUNT_ID", None), ("E911", None)):
            with self.subTest(scope=scope):
                token = self.sandbox.token(scope, code)
                self.assertEqual(token["token_type"], "bearer")
                self.assertEqual(token["expires_in"], 172800)
                self.assertTrue(token["refresh_token"])
                header, claims, signature = token["access_token"].split(".")
                self.assertEqual(b64url_json(header)["alg"], "HS256")
                claims = b64url_json(claims)
                self.assertEqual(claims["scope"], scope)
                self.assertEqual(claims["exp"] - claims["iat"], 172800)
                self.assertTrue(claims["sub"] and claims["jti"])
                if scope == "ACCOUNT_ID":
                    self.assertTrue(claims["sub"].endswith("@sandbox.ewebrtc.example"))

    def test_bad_create_requests_are_400(self):
        cases = [
            ({"app_scope": "MOBILE_NUMBER"}, "invalid_request", "auth_code is required"),
            ({"app_scope": "MOBILE_NUMBER", "auth_code": ""}, "invalid_request", "auth_code is required"),
            ({"app_scope": "MOBILE_NUMBER", "auth_code": "invalid"}, "invalid_grant", "invalid or expired"),
            ({"app_scope": "VIRTUAL_NUMBER", "auth_code": "x"}, "invalid_request", "must not be sent"),
            ({"app_scope": "ACCOUNT_ID", "auth_code": "x"}, "invalid_request", "must not be sent"),
            ({"app_scope": "E911", "auth_code": "x"}, "invalid_request", "must not be sent"),
            ({"app_scope": "EMERGENCY"}, "invalid_request", "unknown app_scope"),
            ({}, "invalid_request", "app_scope"),
            ({"refresh_token": "nope"}, "invalid_grant", "unknown"),
        ]
        for body, error, words in cases:
            with self.subTest(body=body):
                status, answer = self.sandbox.json_request("POST", "/tokens", body)
                self.assertEqual(status, 400)
                self.assertEqual(answer["error"], error)
                self.assertIn(words, answer["error_description"])
        status, _, data = self.sandbox.request("POST", "/tokens", raw=b"{not json")
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(data)["error"], "invalid_request")

    def test_refresh_rotates_both_tokens_and_kills_the_old_ones(self):
        first = self.sandbox.token("VIRTUAL_NUMBER")
        status, second = self.sandbox.json_request("POST", "/tokens", {"refresh_token": first["refresh_token"]})
        self.assertEqual(status, 200)
        self.assertNotEqual(second["access_token"], first["access_token"])
        self.assertNotEqual(second["refresh_token"], first["refresh_token"])
        self.assertEqual(b64url_json(second["access_token"].split(".")[1])["scope"], "VIRTUAL_NUMBER")
        # The old refresh token is spent, the old access token revoked, the new one works.
        status, answer = self.sandbox.json_request("POST", "/tokens", {"refresh_token": first["refresh_token"]})
        self.assertEqual((status, answer["error"]), (400, "invalid_grant"))
        status, answer = self.sandbox.json_request("GET", "/rtc/getCallLogById?callId=x", headers=self.auth(first["access_token"]))
        self.assertEqual(status, 401)
        status, _ = self.sandbox.json_request("GET", "/rtc/getCallLogById?callId=x", headers=self.auth(second["access_token"]))
        self.assertEqual(status, 404)

    def test_revoke(self):
        token = self.sandbox.token("ACCOUNT_ID")
        status, answer = self.sandbox.json_request("DELETE", "/tokens", {"token": token["access_token"]})
        self.assertEqual((status, answer), (200, {}))
        status, answer = self.sandbox.json_request("GET", "/rtc/getCallLogById?callId=x", headers=self.auth(token["access_token"]))
        self.assertEqual(status, 401)
        self.assertEqual(answer, {"error": "unauthorized", "message": "access token has been revoked"})
        status, answer = self.sandbox.json_request("DELETE", "/tokens", {"token": token["access_token"]})
        self.assertEqual(status, 400)
        status, answer = self.sandbox.json_request("DELETE", "/tokens", {"token": "never-issued"})
        self.assertEqual((status, answer["error"]), (400, "invalid_request"))
        # Revoking also spends the refresh token.
        status, answer = self.sandbox.json_request("POST", "/tokens", {"refresh_token": token["refresh_token"]})
        self.assertEqual(status, 400)

    def e911(self, token, **changes):
        address = {"first_name": "Ada", "last_name": "Lovelace", "house_number": "12", "street": "Main St",
                   "unit": "", "city": "Springfield", "state": "IL", "zip": "62701"}
        address.update(changes)
        return self.sandbox.json_request("POST", "/e911ids", {"token": token, "address": address, "is_confirmed": False})

    def test_e911(self):
        status, answer = self.e911(self.sandbox.access_token("MOBILE_NUMBER"))
        self.assertEqual(status, 200)
        location = answer["e911Locations"]
        self.assertEqual((location["status"], location["expirationDate"]), ("Validated", "-1"))
        self.assertTrue(location["addressIdentifier"])
        status, _ = self.e911(self.sandbox.access_token("VIRTUAL_NUMBER"), zip="62701-1234")
        self.assertEqual(status, 200)
        optional = {"house_number_extension": "1/2", "street_name_suffix": "AVE", "street_dir": "N",
                    "street_dir_suffix": "SW", "address_additional": "Building 4", "comments": "Gate 7"}
        status, _ = self.e911(self.sandbox.access_token("E911"), **optional)
        self.assertEqual(status, 200)

    def test_e911_rejections(self):
        token = self.sandbox.access_token("VIRTUAL_NUMBER")
        for changes, words in (({"zip": "6270"}, "zip must be"), ({"zip": "62701-12"}, "zip must be"),
                               ({"state": "Illinois"}, "state must be two letters"), ({"city": ""}, "city is required"),
                               ({"street_dir": 7}, "street_dir must be a string"),
                               ({"streetdir": "N"}, "unknown address field 'streetdir'")):
            with self.subTest(changes=changes):
                status, answer = self.e911(token, **changes)
                self.assertEqual(status, 400)
                self.assertEqual(answer["error"], "invalid_address")
                self.assertIn(words, answer["error_description"])
        status, answer = self.e911(self.sandbox.access_token("ACCOUNT_ID"))
        self.assertEqual(status, 403)
        self.assertIn("ACCOUNT_ID", answer["error_description"])
        status, _ = self.e911("not-a-token")
        self.assertEqual(status, 401)


class RestTest(SandboxTestCase):
    def create(self, body=None, token=None):
        return self.sandbox.json_request("POST", "/rtc/createCall", body or CREATE_CALL, self.auth(token))

    def get(self, call_id, token=None):
        from urllib.parse import quote
        return self.sandbox.json_request("GET", "/rtc/getCallLogById?callId=" + quote(call_id, safe=""),
                                         headers=self.auth(token))

    def test_401_without_or_with_a_bad_token(self):
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic Zm9vOmJhcg=="}):
            with self.subTest(headers=headers):
                status, hdrs, data = self.sandbox.request("POST", "/rtc/createCall", CREATE_CALL, headers)
                self.assertEqual(status, 401)
                self.assertEqual(json.loads(data)["error"], "unauthorized")
                self.assertIn("Bearer", hdrs["WWW-Authenticate"])
        status, answer = self.sandbox.json_request("POST", "/graphql", {"query": ANSWER})
        self.assertEqual(status, 401)

    def test_create_call_returns_a_call_log(self):
        status, log = self.create()
        self.assertEqual(status, 200)
        self.assertRegex(log["callId"], r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertIsInstance(log["id"], int)
        self.assertEqual(log["callStatus"], "Planned")
        self.assertEqual(log["callTitle"], "Test Call")
        self.assertEqual((log["callType"], log["callReason"]), ("SFU", "STANDARD"))
        self.assertEqual(log["invitedContacts"], CREATE_CALL["invitedContacts"])
        self.assertEqual(log["creatorContact"]["userDbId"], 12)
        self.assertEqual(log["serverRegion"], "sandbox-1")
        self.assertEqual([e["type"] for e in log["callEvents"]], ["Created"])
        self.assertRegex(log["createdAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        status, second = self.create()
        self.assertEqual(second["id"], log["id"] + 1)

    def test_polling_advances_planned_started_ended(self):
        _, log = self.create()
        seen = []
        for _ in range(6):
            status, current = self.get(log["callId"])
            self.assertEqual(status, 200)
            seen.append((current["callStatus"], [e["type"] for e in current["callEvents"]][1:]))
        self.assertEqual(seen, [
            ("Planned", []),
            ("Started", ["Join"]),
            ("Started", ["Join", "Join"]),
            ("Started", ["Join", "Join", "Leave"]),
            ("Ended", ["Join", "Join", "Leave", "Leave"]),
            ("Ended", ["Join", "Join", "Leave", "Leave"]),
        ])
        self.assertEqual(current["callEvents"][1]["contact"]["userId"], "tester")
        self.assertEqual(current["callEvents"][2]["contact"]["userId"], "second")

    def test_future_calls_stay_planned_and_frozen_calls_stay_put(self):
        _, future = self.create(dict(CREATE_CALL, plannedDateTime="2999-01-01T10:00:00Z"))
        for _ in range(3):
            self.assertEqual(self.get(future["callId"])[1]["callStatus"], "Planned")
        _, call = self.create()
        self.sandbox.admin("POST", f"/_sandbox/calls/{call['callId']}/freeze")
        for _ in range(3):
            self.assertEqual(self.get(call["callId"])[1]["callStatus"], "Planned")
        advanced = self.sandbox.admin("POST", f"/_sandbox/calls/{call['callId']}/advance")
        self.assertEqual(advanced["callStatus"], "Started")
        self.assertEqual(self.get(call["callId"])[1]["callStatus"], "Started")

    def test_unknown_call_is_404_and_odd_ids_round_trip(self):
        status, answer = self.get("no-such-call")
        self.assertEqual(status, 404)
        self.assertEqual(answer, {"error": "not_found", "message": "no call with id no-such-call"})
        odd = "odd id/with?&=%+ü"
        created = self.sandbox.admin("POST", "/_sandbox/calls", {"callIds": [odd]})
        self.assertEqual(created["callIds"], [odd])
        status, answer = self.get(odd)
        self.assertEqual(status, 200)
        self.assertEqual(answer["callId"], odd)
        self.assertEqual(self.sandbox.requests()[-1]["query"], {"callId": odd})

    def test_bulk_create_for_benchmarks(self):
        created = self.sandbox.admin("POST", "/_sandbox/calls", {"count": 500})
        self.assertEqual(len(set(created["callIds"])), 500)
        status, answer = self.get(created["callIds"][499])
        self.assertEqual((status, answer["callStatus"]), (200, "Planned"))
        self.assertEqual(self.sandbox.requests()[-1]["path"], "/rtc/getCallLogById")  # admin call not logged

    def test_create_call_validation(self):
        cases = [
            ({"callTitle": ""}, "callTitle"),
            ({"callReason": "URGENT"}, "callReason must be STANDARD or SERVICE_REQUEST"),
            ({"callType": "P2P"}, "callType must be MESH or SFU"),
            ({"invitedContacts": {}}, "invitedContacts must be an array"),
            ({"invitedContacts": [{"userDbId": 8}]}, "userId"),
            ({"creatorUser": "12"}, "creatorUser"),
            ({"plannedDateTime": "tomorrow"}, "ISO-8601"),
            ({"joinAnonymousAllowed": "yes"}, "joinAnonymousAllowed must be a boolean"),
        ]
        for change, words in cases:
            with self.subTest(change=change):
                status, answer = self.create(dict(CREATE_CALL, **change))
                self.assertEqual(status, 400)
                self.assertIn(words, answer["message"])
        status, _, _ = self.sandbox.request("POST", "/rtc/createCall", raw=b"[", headers=self.auth())
        self.assertEqual(status, 400)

    def test_wrong_method_and_unknown_path(self):
        status, answer = self.sandbox.json_request("GET", "/rtc/createCall", headers=self.auth())
        self.assertEqual(status, 405)
        status, answer = self.sandbox.json_request("GET", "/nowhere")
        self.assertEqual((status, answer["error"]), (404, "not_found"))


class GraphqlTest(SandboxTestCase):
    def test_set_state_opens_the_door(self):
        status, answer = self.graphql(SET_STATE, {"iotDeviceId": "dev_42", "stateInput": [{"action": "open", "value": "true"}]},
                                      "SetIoTDeviceState")
        self.assertEqual(status, 200)
        self.assertEqual(answer, {"data": {"iotDeviceSetTargetState": {"__typename": "IotDevice", "name": "Front door"}}})
        self.assertEqual(self.sandbox.admin("GET", "/_sandbox/devices")["dev_42"]["state"]["open"], "true")
        status, answer = self.graphql(SET_STATE, {"iotDeviceId": "dev_43", "stateInput": [{"action": "call", "value": "false"}]})
        self.assertEqual(answer["data"]["iotDeviceSetTargetState"]["name"], "Garage gate")
        self.assertEqual(self.sandbox.admin("GET", "/_sandbox/devices")["dev_43"]["state"]["call"], "false")

    def test_answer_records_a_stop_push_for_the_other_phones(self):
        status, answer = self.graphql(ANSWER, {"iotDeviceId": "dev_43"}, "AnswerIncomingCall")
        self.assertEqual(answer, {"data": {"answerIncomingCall": {"__typename": "AnswerIncomingCallPayload"}}})
        log = self.sandbox.requests()
        self.assertEqual([(e["method"], e["path"]) for e in log],
                         [("POST", "/tokens"), ("POST", "/graphql"), ("PUSH", "/_push/Call.StopIncoming")])
        self.assertEqual(json.loads(log[-1]["body"]), {"type": "Call.StopIncoming", "iotDeviceId": "dev_43"})
        self.assertEqual(log[-1]["seq"], log[-2]["seq"] + 1)

    def test_errors(self):
        cases = [
            ("mutation Foo($id: ID!) { doorbell(id: $id) { name } }", {"id": "dev_42"}, None,
             {"data": None, "errors": [{"message": "Cannot query field \"doorbell\" on type \"Mutation\"."}]}),
            (SET_STATE, {"iotDeviceId": "dev_99", "stateInput": [{"action": "open", "value": "true"}]}, None,
             {"data": None, "errors": [{"message": "IoT device not found: dev_99", "path": ["iotDeviceSetTargetState"]}]}),
            (ANSWER, {}, None,
             {"data": None, "errors": [{"message": "Variable \"$iotDeviceId\" of required type \"ID!\" was not provided."}]}),
            (ANSWER, {"iotDeviceId": "dev_42"}, "Other",
             {"data": None, "errors": [{"message": "Unknown operation named \"Other\"."}]}),
            ("query Q { iotDevices { id } }", {}, None,
             {"data": None, "errors": [{"message": "Cannot query field \"iotDevices\" on type \"Query\"."}]}),
            (SET_STATE, {"iotDeviceId": "dev_42", "stateInput": [{"action": "explode", "value": "true"}]}, None, None),
        ]
        for query, variables, op, expected in cases:
            with self.subTest(query=query, variables=variables):
                status, answer = self.graphql(query, variables, op)
                self.assertEqual(status, 200)
                if expected is not None:
                    self.assertEqual(answer, expected)
                else:
                    self.assertIsNone(answer["data"])
                    self.assertIn("targetState must be", answer["errors"][0]["message"])

    def test_the_log_says_whether_a_document_is_minified(self):
        minified = " ".join(SET_STATE.split())
        variables = {"iotDeviceId": "dev_42", "stateInput": [{"action": "open", "value": "true"}]}
        for query, operation, expected in [(SET_STATE, "SetIoTDeviceState", False),
                                           (minified, "SetIoTDeviceState", True),
                                           (minified + " ", None, False),
                                           ("{ a }  # comment", None, False)]:
            with self.subTest(query=query):
                self.sandbox.clear_requests()
                status, _ = self.graphql(query, variables, operation)
                self.assertEqual(status, 200)
                entry = [e for e in self.sandbox.requests() if e["path"] == "/graphql"][0]
                self.assertEqual(entry["graphql"], {"operationName": operation, "minified": expected})
        # Not a GraphQL request at all: nothing to say.
        self.sandbox.clear_requests()
        status, _ = self.sandbox.json_request("POST", "/graphql", {"variables": {}}, self.auth())
        self.assertEqual(status, 400)
        self.assertNotIn("graphql", [e for e in self.sandbox.requests() if e["path"] == "/graphql"][0])

    def test_syntax_error_has_line_and_column(self):
        status, answer = self.graphql("mutation A($iotDeviceId: ID!) {\n  answerIncomingCall(iotDeviceId: $iotDeviceId) {\n", {})
        self.assertEqual(status, 200)
        self.assertNotIn("data", answer)
        self.assertEqual(answer["errors"][0]["message"], "Syntax Error: Expected Name, found <EOF> (3:1)")
        self.assertEqual(answer["errors"][0]["locations"], [{"line": 3, "column": 1}])


class PushTest(SandboxTestCase):
    def test_incoming_push_decrypts_with_openssl(self):
        key_hex = self.sandbox.push_key_hex
        self.assertRegex(key_hex, r"^[0-9a-f]{64}$")
        push = self.sandbox.admin("POST", "/_sandbox/push/incoming", {"iotDeviceId": "dev_42"})
        self.assertEqual(set(push), {"type", "iotDeviceId", "callId", "video", "audio"})
        self.assertEqual((push["type"], push["iotDeviceId"]), ("Call.Incoming", "dev_42"))
        video = json.loads(openssl_open(key_hex, push["video"]))
        self.assertEqual(video["url"], "https://sandbox.example/video/dev_42")
        self.assertEqual(video["username"], "door")
        self.assertTrue(video["password"])
        audio = json.loads(openssl_open(key_hex, push["audio"]))
        self.assertEqual(audio["domain"], "meet.sandbox.example")
        self.assertEqual(b64url_json(audio["jsonWebToken"].split(".")[1])["room"], audio["roomName"])
        # A fresh IV each time: the same plaintext never seals the same way twice.
        again = self.sandbox.admin("POST", "/_sandbox/push/incoming", {"iotDeviceId": "dev_42"})
        self.assertNotEqual(base64.b64decode(again["video"])[:16], base64.b64decode(push["video"])[:16])
        self.assertEqual(self.sandbox.requests(), [])  # admin routes are not logged

    def test_wraps_and_stop(self):
        v1 = self.sandbox.admin("POST", "/_sandbox/push/incoming", {"iotDeviceId": "dev_new", "wrap": "fcm-v1"})
        self.assertEqual(v1["message"]["data"]["iotDeviceId"], "dev_new")
        legacy = self.sandbox.admin("POST", "/_sandbox/push/stop", {"iotDeviceId": "dev_new", "wrap": "fcm-legacy"})
        self.assertEqual(legacy["data"], {"type": "Call.StopIncoming", "iotDeviceId": "dev_new"})
        # The pushed device now exists for GraphQL.
        status, answer = self.graphql(ANSWER, {"iotDeviceId": "dev_new"})
        self.assertEqual(answer["data"]["answerIncomingCall"]["__typename"], "AnswerIncomingCallPayload")


class WebhookTest(SandboxTestCase):
    def webhook(self, path, body):
        status, headers, data = self.sandbox.request("POST", path, body)
        self.assertEqual(status, 200, data)
        return headers, data

    def test_webex_telephony_push_signed_with_the_secret(self):
        headers, data = self.webhook("/_sandbox/push/webex", {"secret": "whs", "actorId": "person_2",
                                                              "createdBy": "person_9", "filter": "orgId=o"})
        self.assertEqual(headers["X-Spark-Signature"], hmac.new(b"whs", data, hashlib.sha1).hexdigest())
        webhook = json.loads(data)
        self.assertEqual((webhook["resource"], webhook["event"], webhook["ownedBy"]), ("telephony_push", "updated", "org"))
        self.assertEqual((webhook["actorId"], webhook["createdBy"], webhook["filter"]), ("person_2", "person_9", "orgId=o"))
        self.assertEqual(webhook["data"]["personId"], "person_2")
        push = json.loads(webhook["data"]["fcmPayload"]["webhookTelephonyPush"])  # JSON text, as Webex sends it
        self.assertEqual(set(push), {"name", "number", "pushId", "externalTrackingId", "version"})
        self.assertEqual(webhook["data"]["apnsPayload"], webhook["data"]["fcmPayload"])
        self.assertTrue(base64.b64decode(webhook["id"] + "==").startswith(b"ciscospark://us/WEBHOOK/"))
        # no secret, no signature
        headers, _ = self.webhook("/_sandbox/push/webex", {})
        self.assertNotIn("X-Spark-Signature", headers)
        self.assertEqual(self.sandbox.requests(), [])  # admin routes are not logged

    def test_kaleyra_bodies_and_both_signatures(self):
        headers, data = self.webhook("/_sandbox/push/kaleyra", {"secret": "key"})
        body = json.loads(data)
        self.assertEqual(body["event"], "on_call_incoming")
        self.assertEqual(body["data"]["roomAlias"], body["room_id"])
        self.assertEqual([u["user"]["userAlias"] for u in body["data"]["users"]], ["usr_123", "usr_999"])
        t, v0 = re.fullmatch(r"t=(\d+),v0=([0-9a-f]{64})", headers["bandyer-signature"]).groups()
        self.assertLess(abs(int(t) - time.time()), 60)
        self.assertEqual(v0, hmac.new(b"key", t.encode() + b"." + data, hashlib.sha256).hexdigest())

        headers, data = self.webhook("/_sandbox/push/kaleyra", {"secret": "key", "t": "ms", "caller": "a", "callees": ["b", "c"]})
        t = re.fullmatch(r"t=(\d+),v0=[0-9a-f]{64}", headers["bandyer-signature"]).group(1)
        self.assertLess(abs(int(t) / 1000 - time.time()), 60)

        headers, data = self.webhook("/_sandbox/push/kaleyra", {"secret": "key", "signature": "v0", "event": "on_missed_call"})
        body = json.loads(data)
        self.assertEqual(body["data"]["called_users"], [{"user_id": "usr_999", "status": "not_answered"}])
        self.assertNotIn("bandyer-signature", headers)
        self.assertEqual(headers["room-id-hmac"], hmac.new(b"key", body["room_id"].encode(), hashlib.sha256).hexdigest())
        for bad in ({"event": "on_x"}, {"signature": "v2"}, {"t": "us"}, {"secrt": "k"}, {"secret": 1}):
            with self.subTest(bad=bad):
                self.assertEqual(self.sandbox.request("POST", "/_sandbox/push/kaleyra", bad)[0], 400)


class FaultTest(SandboxTestCase):
    def get_config(self):
        return self.sandbox.request("GET", "/config")

    def test_fail_nth_counts_from_when_it_was_set(self):
        self.sandbox.set_faults({"fail_nth": [{"nth": 2, "status": 503, "retry_after": "1"},
                                              {"nth": 3, "status": 429}]})
        results = [self.get_config() for _ in range(4)]
        self.assertEqual([r[0] for r in results], [200, 503, 429, 200])
        self.assertEqual(results[1][1]["Retry-After"], "1")
        self.assertNotIn("Retry-After", results[2][1])
        self.assertEqual(json.loads(results[1][2])["error"], "injected_fault")
        log = self.sandbox.requests()
        self.assertEqual([e["status"] for e in log], [200, 503, 429, 200])
        self.assertEqual(log[1]["fault"], "fail_nth")

    def test_fail_next(self):
        self.sandbox.set_faults({"fail_next": {"count": 2, "status": 503, "retry_after": "0"}})
        self.assertEqual([self.get_config()[0] for _ in range(3)], [503, 503, 200])

    def test_status_for_one_path(self):
        self.sandbox.set_faults({"status_for": {"/rtc/createCall": 500}})
        status, _ = self.sandbox.json_request("POST", "/rtc/createCall", CREATE_CALL, self.auth())
        self.assertEqual(status, 500)
        self.assertEqual(self.get_config()[0], 200)

    def test_drop_closes_the_connection_without_an_answer(self):
        self.sandbox.set_faults({"drop_nth": [1]})
        result = curl([self.sandbox.http + "/config"])
        self.assertEqual(result.returncode, 52, result.stderr)  # Empty reply from server
        self.sandbox.set_faults({"drop_next": 1})
        result = curl(["--cacert", self.sandbox.cacert, self.sandbox.https + "/config"])
        self.assertNotEqual(result.returncode, 0)
        self.assertEqual(curl([self.sandbox.http + "/config", "-o", "/dev/null"]).returncode, 0)
        log = self.sandbox.requests()
        self.assertEqual([(e["status"], e.get("dropped")) for e in log], [(None, True), (None, True), (200, None)])

    def test_truncated_body(self):
        self.sandbox.set_faults({"truncate_body_nth": [1]})
        result = curl([self.sandbox.http + "/config"])
        self.assertEqual(result.returncode, 18, result.stderr)  # transfer closed with bytes remaining
        self.assertTrue(self.sandbox.requests()[0]["truncated"])

    def test_latency(self):
        self.sandbox.set_faults({"latency_ms": 400})
        start = time.monotonic()
        self.assertEqual(self.get_config()[0], 200)
        self.assertGreaterEqual(time.monotonic() - start, 0.4)
        self.sandbox.clear_faults()
        start = time.monotonic()
        self.get_config()
        self.assertLess(time.monotonic() - start, 0.4)

    def test_bad_fault_plans_are_rejected(self):
        for plan in ({"drop_nht": [1]}, {"fail_nth": [{"status": 503}]}, {"fail_next": {"count": 1, "status": 42}},
                     {"status_for": {"/x": "500"}}, {"latency_ms": -1}):
            with self.subTest(plan=plan):
                status, answer = self.sandbox.json_request("POST", "/_sandbox/faults", plan)
                self.assertEqual(status, 400)
        self.assertEqual(self.sandbox.admin("GET", "/_sandbox/faults")["fail_nth"], [])

    def test_admin_routes_are_never_faulted(self):
        self.sandbox.set_faults({"fail_next": {"count": 5, "status": 503}})
        self.assertEqual(self.sandbox.admin("GET", "/_sandbox/faults")["fail_next"]["count"], 5)
        self.assertEqual(self.get_config()[0], 503)


class RequestLogTest(SandboxTestCase):
    def test_entries_are_exact(self):
        body = b'{"app_scope": "ACCOUNT_ID"}'
        status, _, _ = self.sandbox.request("POST", "/tokens?x=1&y=a%20b", raw=body,
                                            headers={"Content-Type": "application/json", "X-Trace": "t-1"})
        self.assertEqual(status, 200)
        entries = self.sandbox.requests()
        self.assertEqual(len(entries), 1)
        entry = entries[0]
        self.assertEqual(entry["method"], "POST")
        self.assertEqual(entry["path"], "/tokens")
        self.assertEqual(entry["query"], {"x": "1", "y": "a b"})
        self.assertEqual(entry["body"], body.decode())
        self.assertEqual(entry["status"], 200)
        self.assertEqual(entry["headers"]["content-type"], "application/json")
        self.assertEqual(entry["headers"]["x-trace"], "t-1")
        self.assertEqual(entry["headers"]["content-length"], str(len(body)))
        self.assertTrue(all(name == name.lower() for name in entry["headers"]))
        self.assertNotIn("remote_addr", entry["headers"])
        # The same entries over HTTP, and the in-memory copy can be cleared.
        over_http = self.sandbox.admin("GET", "/_sandbox/requests")
        self.assertEqual(over_http[-1], entry)
        self.sandbox.admin("DELETE", "/_sandbox/requests")
        self.assertEqual(self.sandbox.admin("GET", "/_sandbox/requests"), [])

    def test_sequence_numbers_increase_over_concurrent_clients(self):
        import concurrent.futures
        with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(lambda _: self.sandbox.request("GET", "/config")[0], range(60)))
        self.assertEqual(statuses, [200] * 60)
        seqs = [e["seq"] for e in self.sandbox.requests()]
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + 60)))

    def test_keep_alive_serves_many_requests_on_one_connection(self):
        url = self.sandbox.http + "/config"
        result = curl(["-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null", "-w", "%{num_connects} ", url, url, url])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.split(), ["1", "0", "0"])


if __name__ == "__main__":
    unittest.main()
