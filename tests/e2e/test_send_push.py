"""send-push against the sandbox's FCM HTTP v1 + OAuth endpoint and its APNs (HTTP/2, TLS, ALPN).

Every test asserts what the sandbox received (method, path, headers, body, from its request log)
and what callctl printed (stdout, the one stderr line, the exit code).
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from harness import CALLCTL_BIN, SandboxTestCase, check_sanitizer_report, clean_env, run_callctl  # noqa: E402

FCM_SEND = "/v1/projects/callctl-sandbox/messages:send"
APNS_TOKEN_A = "a1" * 32
APNS_TOKEN_B = "b2" * 32
APNS_TOKEN_C = "c3" * 32
FCM_ID = re.compile(r"^projects/callctl-sandbox/messages/0:\d+%[0-9a-f]{16}$")
APNS_ID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$")
STOP = {"type": "Call.StopIncoming", "iotDeviceId": "dev_42"}


def jwt_parts(token: str) -> tuple[dict, dict]:
    def part(text: str) -> dict:
        return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    header, claims, _ = token.split(".")
    return part(header), part(claims)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("callctl: error:")]


class SendPushCase(SandboxTestCase):
    sandbox_tls = True  # APNs is TLS only

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._files = tempfile.TemporaryDirectory(prefix="callctl-send-push-")
        cls.addClassCleanup(cls._files.cleanup)
        files = Path(cls._files.name)
        cls.service_account = cls.sb.admin("GET", "/_sandbox/fcm/service-account")
        cls.sa_path = files / "service-account.json"
        cls.sa_path.write_text(json.dumps(cls.service_account))
        cls.apns_info = cls.sb.admin("GET", "/_sandbox/apns")
        cls.p8_path = files / "AuthKey.p8"
        cls.p8_path.write_text(cls.apns_info["key_p8"])
        cls.incoming = cls.sb.admin("POST", "/_sandbox/push/incoming", {"iotDeviceId": "dev_42"})
        cls.incoming_path = files / "incoming.json"
        cls.incoming_path.write_text(json.dumps(cls.incoming))
        cls.stop_path = files / "stop.json"
        cls.stop_path.write_text(json.dumps(STOP))
        cls.files = files

    def setUp(self):
        super().setUp()
        self.sb.admin("DELETE", "/_sandbox/device-faults")

    # ---- helpers
    def write(self, name: str, text: str) -> Path:
        path = self.home.path / name
        path.write_text(text)
        return path

    def faults(self, table: dict) -> None:
        self.sb.admin("POST", "/_sandbox/device-faults", table)

    def fcm(self, *args, tokens=("tok-a", "tok-b", "tok-c"), payload=None, env=None, input=None, timeout=60):
        argv = ["send-push", str(payload or self.stop_path), "--fcm-credentials", str(self.sa_path),
                "--fcm-url", self.sb.http]
        for token in tokens:
            argv += ["--to", token]
        return run_callctl(argv + list(args), env=env, input=input, home=self.home, timeout=timeout)

    def apns(self, *args, tokens=(APNS_TOKEN_A, APNS_TOKEN_B), payload=None, key_id=None, env=None, input=None,
             timeout=60):
        argv = ["send-push", str(payload or self.stop_path), "--apns-key", str(self.p8_path),
                "--apns-key-id", key_id or self.apns_info["key_id"], "--apns-team-id", "SANDBOXTM1",
                "--apns-topic", "com.example.callctl", "--apns-url", self.sb.apns, "--cacert", self.sb.cacert]
        for token in tokens:
            argv += ["--to", token]
        return run_callctl(argv + list(args), env=env, input=input, home=self.home, timeout=timeout)

    def sends(self) -> list[dict]:
        return [e for e in self.sb.requests() if e["path"] == FCM_SEND]

    def exchanges(self) -> list[dict]:
        return [e for e in self.sb.requests() if e["path"] == "/token"]

    def apns_requests(self) -> list[dict]:
        return [e for e in self.sb.requests() if e.get("protocol") == "HTTP/2"]

    @staticmethod
    def fcm_body(token: str, data: dict) -> dict:
        return {"message": {"token": token, "data": data, "android": {"priority": "high", "ttl": "60s"}}}


class FcmTest(SendPushCase):
    def test_delivered_to_every_device(self):
        code, out, err = self.fcm("-o", "json")
        self.assertEqual((code, err), (0, ""))
        results = json.loads(out)
        self.assertEqual([r["to"] for r in results], ["tok-a", "tok-b", "tok-c"])  # input order
        for r in results:
            self.assertEqual(set(r), {"to", "platform", "ok", "status", "id"})
            self.assertEqual((r["platform"], r["ok"], r["status"]), ("fcm", True, 200))
            self.assertRegex(r["id"], FCM_ID)

        # One OAuth exchange, form-encoded, with an RS256 assertion the sandbox checked.
        (exchange,) = self.exchanges()
        self.assertEqual(exchange["method"], "POST")
        self.assertEqual(exchange["headers"]["content-type"], "application/x-www-form-urlencoded")
        form = dict(pair.split("=", 1) for pair in exchange["body"].split("&"))
        self.assertEqual(form["grant_type"], "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer")
        header, claims = jwt_parts(form["assertion"])
        self.assertEqual(header, {"alg": "RS256", "kid": self.service_account["private_key_id"], "typ": "JWT"})
        self.assertEqual(claims["iss"], self.service_account["client_email"])
        self.assertEqual(claims["scope"], "https://www.googleapis.com/auth/firebase.messaging")
        self.assertEqual(claims["aud"], self.sb.http + "/token")
        self.assertEqual(claims["exp"] - claims["iat"], 3600)
        self.assertEqual(exchange["status"], 200)

        sends = self.sends()
        self.assertEqual(len(sends), 3)
        bearers = {s["headers"]["authorization"] for s in sends}
        self.assertEqual(len(bearers), 1)
        self.assertRegex(bearers.pop(), r"^Bearer ya29\.sandbox-[0-9a-f]{48}$")
        self.assertEqual(sorted(json.loads(s["body"])["message"]["token"] for s in sends), ["tok-a", "tok-b", "tok-c"])
        for s in sends:
            self.assertEqual(s["method"], "POST")
            self.assertEqual(s["headers"]["content-type"], "application/json")
            body = json.loads(s["body"])
            self.assertEqual(body, self.fcm_body(body["message"]["token"], STOP))
            self.assertEqual(s["status"], 200)

    def test_intercom_push_in_fcm_data_and_options(self):
        code, out, err = self.fcm("--priority", "normal", "--ttl", "0", "--collapse-id", "call-1", tokens=("t1",),
                                  payload=self.incoming_path, env={"CALLCTL_OUTPUT": "json"})
        self.assertEqual((code, err), (0, ""))
        (send,) = self.sends()
        self.assertEqual(json.loads(send["body"]), {"message": {
            "token": "t1", "data": self.incoming,
            "android": {"priority": "normal", "ttl": "0s", "collapse_key": "call-1"}}})

    def test_a_refusing_device_never_stops_the_others(self):
        self.faults({"tok-b": {"error": "UNREGISTERED"}})
        code, out, err = self.fcm("-o", "json")
        self.assertEqual(code, 6)
        self.assertEqual(error_lines(err), ["callctl: error: 1 of 3 devices have not taken: 1 UNREGISTERED"])
        self.assertEqual(len(err.splitlines()), 1)
        results = json.loads(out)
        self.assertEqual(results[1], {"to": "tok-b", "platform": "fcm", "ok": False, "status": 404,
                                      "error": "UNREGISTERED", "message": "Requested entity was not found."})
        self.assertTrue(results[0]["ok"] and results[2]["ok"])
        self.assertEqual(len(self.sends()), 3)

    def test_exit_code_is_the_worst_outcome(self):
        self.faults({"tok-a": {"error": "INVALID_ARGUMENT"}, "tok-b": {"error": "INTERNAL"}})
        code, out, err = self.fcm("-o", "ndjson")
        self.assertEqual(code, 7)  # a 5xx beats a refused token
        lines = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(len(lines), 3)
        by_token = {r["to"]: r for r in lines}
        self.assertEqual(by_token["tok-b"]["status"], 500)
        self.assertEqual(by_token["tok-b"]["error"], "INTERNAL")
        self.assertEqual(by_token["tok-a"]["error"], "INVALID_ARGUMENT")

    def test_retried_once_on_503_with_retry_after(self):
        self.faults({"tok-a": {"error": "UNAVAILABLE", "retry_after": "0", "count": 1}})
        code, out, err = self.fcm("-o", "json", tokens=("tok-a",))
        self.assertEqual((code, err), (0, ""))
        attempts = self.sends()
        self.assertEqual([a["status"] for a in attempts], [503, 200])
        self.assertEqual(attempts[0]["body"], attempts[1]["body"])

    def test_never_twice_on_a_500(self):
        self.faults({"tok-a": {"error": "INTERNAL", "count": 1}})
        code, out, err = self.fcm("-o", "json", tokens=("tok-a",))
        self.assertEqual(code, 7)
        self.assertEqual([a["status"] for a in self.sends()], [500])
        self.assertEqual(error_lines(err), ["callctl: error: 1 of 1 devices have not taken: 1 INTERNAL"])

    def test_never_twice_on_503_without_retry_after(self):
        self.faults({"tok-a": {"error": "UNAVAILABLE", "count": 1}})
        code, _, _ = self.fcm("-o", "json", tokens=("tok-a",))
        self.assertEqual(code, 7)
        self.assertEqual([a["status"] for a in self.sends()], [503])

    def test_never_twice_on_a_dropped_connection(self):
        self.faults({"tok-a": {"drop": True, "count": 1}})
        code, out, err = self.fcm("-o", "json", tokens=("tok-a", "tok-b"))
        self.assertEqual(code, 4)
        attempts = [s for s in self.sends() if json.loads(s["body"])["message"]["token"] == "tok-a"]
        self.assertEqual(len(attempts), 1)
        self.assertTrue(attempts[0]["dropped"])
        results = json.loads(out)
        self.assertEqual(results[0]["status"], None)
        self.assertEqual(results[0]["error"], "connection dropped")
        self.assertTrue(results[1]["ok"])

    def test_oauth_refused_is_exit_5_and_nothing_is_sent(self):
        other = dict(self.service_account)
        # A key the sandbox does not know: the A.2 key of RFC 7515.
        other["private_key"] = (Path(os.environ["CALLCTL_SOURCE_DIR"]) / "tests/data/rfc7515_a2_rsa.pem").read_text()
        path = self.write("other.json", json.dumps(other))
        code, out, err = run_callctl(["send-push", str(self.stop_path), "--fcm-credentials", str(path),
                                      "--fcm-url", self.sb.http, "--to", "tok-a"], home=self.home)
        self.assertEqual(code, 5)
        self.assertEqual(out, "")
        self.assertEqual(error_lines(err), [
            f"callctl: error: the OAuth token exchange at {self.sb.http}/token refused the service account (400): "
            "Invalid JWT Signature."])
        self.assertEqual(self.sends(), [])

    def test_access_token_cached_across_invocations(self):
        for _ in range(2):
            code, out, err = self.fcm("-o", "ndjson")
            self.assertEqual((code, err), (0, ""))
            self.assertEqual(len(out.splitlines()), 3)
        self.assertEqual(len(self.exchanges()), 1)  # one OAuth exchange for two runs
        sends = self.sends()
        self.assertEqual(len(sends), 6)
        self.assertEqual(len({s["headers"]["authorization"] for s in sends}), 1)
        # Stored 0600 under the profile and the account's client_email, never printed.
        path = self.home.config_dir / "credentials.json"
        self.assertEqual(path.stat().st_mode & 0o777, 0o600)
        stored = json.loads(path.read_text())["profiles"]["default"]["fcm_oauth"][self.service_account["client_email"]]
        self.assertEqual("Bearer " + stored["access_token"], sends[0]["headers"]["authorization"])
        self.assertEqual(stored["token_url"], self.sb.http + "/token")
        self.assertEqual(stored["scope"], "https://www.googleapis.com/auth/firebase.messaging")
        self.assertGreater(stored["expires_at"], time.time() + 3000)

    def test_a_token_about_to_expire_is_exchanged_afresh(self):
        self.assertEqual(self.fcm()[0], 0)
        path = self.home.config_dir / "credentials.json"
        store = json.loads(path.read_text())
        stored = store["profiles"]["default"]["fcm_oauth"][self.service_account["client_email"]]
        old = stored["access_token"]
        stored["expires_at"] = int(time.time()) + 60  # within the 300 s leeway
        path.write_text(json.dumps(store))
        self.sb.clear_requests()
        code, _, err = self.fcm()
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(len(self.exchanges()), 1)
        self.assertNotIn("Bearer " + old, {s["headers"]["authorization"] for s in self.sends()})

    def test_a_revoked_cached_token_is_renewed_once(self):
        self.assertEqual(self.fcm()[0], 0)
        self.sb.admin("POST", "/_sandbox/fcm/revoke")
        self.sb.clear_requests()
        code, out, err = self.fcm("-o", "json")
        self.assertEqual((code, err), (0, ""))
        self.assertTrue(all(r["ok"] for r in json.loads(out)))
        self.assertEqual(len(self.exchanges()), 1)  # renewed once, not once per device
        statuses = sorted(s["status"] for s in self.sends())
        self.assertEqual(statuses, [200, 200, 200, 401, 401, 401])
        # The renewed token is the one stored, and the next run uses it without an exchange.
        self.sb.clear_requests()
        self.assertEqual(self.fcm()[0], 0)
        self.assertEqual(len(self.exchanges()), 0)

    def test_too_big_or_not_a_push_sends_nothing(self):
        big = self.write("big.json", json.dumps({**STOP, "pad": "x" * 5000}))
        code, out, err = self.fcm(payload=big)
        self.assertEqual((code, out), (3, ""))
        self.assertRegex(err, r"^callctl: error: the payload is too big for FCM: message.data is \d+ bytes as JSON, "
                              r"the limit is 4096\ncallctl: hint: nothing was sent\n$")
        code, out, err = self.fcm(payload=self.write("no.json", '{"hello":"world"}'))
        self.assertEqual((code, out), (3, ""))
        self.assertIn("not a push payload callctl knows", err)
        self.assertEqual(self.sb.requests(), [])  # not even the OAuth exchange

    def test_dry_run_prints_curl_and_sends_nothing(self):
        code, out, err = self.fcm("--dry-run", tokens=("tok-a", "tok-b"))
        self.assertEqual((code, err), (0, ""))
        body = json.dumps(self.fcm_body("tok-a", STOP), separators=(",", ":"))
        self.assertEqual(out.splitlines()[0],
                         f"curl -sS -X POST '{self.sb.http}{FCM_SEND}' -A 'callctl/0.1.0' "
                         f"-H \"Authorization: Bearer $CALLCTL_FCM_ACCESS_TOKEN\" -H 'Content-Type: application/json' "
                         f"--data-binary '{body}'")
        self.assertEqual(len(out.splitlines()), 2)
        self.assertEqual(self.sb.requests(), [])

    def test_verbose_redacts_keys_tokens_assertion_even_when_echoed(self):
        self.faults({"tok-b": {"error": "INVALID_ARGUMENT", "echo": True}})
        code, out, err = self.fcm("-v", "-o", "json", tokens=("tok-a", "tok-b"))
        self.assertEqual(code, 6)
        (exchange,) = self.exchanges()
        assertion = dict(p.split("=", 1) for p in exchange["body"].split("&"))["assertion"]
        bearer = self.sends()[0]["headers"]["authorization"].split(" ", 1)[1]
        key_body = self.service_account["private_key"].splitlines()[1]
        for secret in (assertion, bearer, key_body, assertion.split(".")[2]):
            self.assertNotIn(secret, err)
            self.assertNotIn(secret, out)
        self.assertIn("> Authorization: Bearer ***", err)
        results = json.loads(out)
        self.assertEqual(results[1]["message"], "echo: Bearer ***")

    def test_cancel_after_timing(self):
        code, out, err = self.fcm("--cancel-after", "300", "-o", "json", tokens=("tok-a", "tok-b"),
                                  payload=self.incoming_path)
        self.assertEqual((code, err), (0, ""))
        results = json.loads(out)
        self.assertEqual([(r["to"], r["push"]) for r in results],
                         [("tok-a", "incoming"), ("tok-a", "stop"), ("tok-b", "incoming"), ("tok-b", "stop")])
        for token in ("tok-a", "tok-b"):
            mine = [s for s in self.sends() if json.loads(s["body"])["message"]["token"] == token]
            self.assertEqual([json.loads(s["body"])["message"]["data"]["type"] for s in mine],
                             ["Call.Incoming", "Call.StopIncoming"])
            self.assertEqual(json.loads(mine[1]["body"]), self.fcm_body(token, STOP))
            waited = mine[1]["received_at_ms"] - mine[0]["received_at_ms"]
            self.assertGreaterEqual(waited, 300)
            self.assertLess(waited, 300 + 2000)

    def test_ten_thousand_devices(self):
        tokens = "".join(f"device-{i:05d}\n" for i in range(10000))
        code, out, err = run_callctl(["send-push", str(self.stop_path), "--fcm-credentials", str(self.sa_path),
                                      "--fcm-url", self.sb.http, "--to-file", "-", "-o", "ndjson", "--parallel", "16"],
                                     input=tokens, home=self.home, timeout=240)
        self.assertEqual((code, err), (0, ""))
        lines = out.splitlines()
        self.assertEqual(len(lines), 10000)
        self.assertEqual(sorted(json.loads(line)["to"] for line in lines), [f"device-{i:05d}" for i in range(10000)])
        self.assertEqual(len(self.sends()), 10000)
        self.assertEqual(len(self.exchanges()), 1)


class ReaderGoneTest(SendPushCase):
    """`send-push <400 devices> | head -c 10` (or `| true`): the sending stops once the reader has
    gone, as call-log's fetching does: exit 141, nothing on stderr. Every device answers after 50 ms
    (8 at a time: 2.5 s for all), so the reader is gone long before the devices run out; before the
    check, -o table (which writes nothing before the last device) sent to all 400."""

    COUNT = 400

    def piped(self, reader: str, fmt: str) -> tuple[int, str, str]:
        self.faults({"*": {"delay_ms": 50}})
        devices = self.write("devices.txt", "".join(f"device-{i:03d}\n" for i in range(self.COUNT)))
        paths = {name: self.home.path / name.lower() for name in ("ERR_PATH", "OUT_PATH", "RC_PATH")}
        script = f'"$0" "$@" 2>"$ERR_PATH" | {reader} >"$OUT_PATH"; echo "${{PIPESTATUS[0]}}" >"$RC_PATH"'
        env = clean_env(self.home, {k: str(v) for k, v in paths.items()})
        self.sb.clear_requests()
        subprocess.run(["bash", "-c", script, CALLCTL_BIN, "send-push", str(self.stop_path), "--fcm-credentials",
                        str(self.sa_path), "--fcm-url", self.sb.http, "--to-file", str(devices), "-o", fmt],
                       env=env, timeout=120, check=True)
        err = paths["ERR_PATH"].read_text()
        check_sanitizer_report(err)
        return int(paths["RC_PATH"].read_text()), paths["OUT_PATH"].read_text(), err

    def test_the_sending_stops_when_the_reader_goes(self):
        for reader, fmt, first in (("head -c 10", "ndjson", "{"), ("true", "ndjson", ""), ("true", "json", ""),
                                   ("true", "table", "")):
            with self.subTest(reader=reader, format=fmt):
                code, out, err = self.piped(reader, fmt)
                self.assertEqual((code, err), (141, ""))
                self.assertTrue(out.startswith(first), out)
                sent = len(self.sends())
                self.assertLess(sent, self.COUNT // 4, f"| {reader}, -o {fmt}: {sent} of {self.COUNT} sent")


class ApnsTest(SendPushCase):
    def test_delivered_over_one_http2_connection(self):
        before = int(time.time())
        code, out, err = self.apns("-o", "json", tokens=(APNS_TOKEN_A, APNS_TOKEN_B, APNS_TOKEN_C))
        after = int(time.time())
        self.assertEqual((code, err), (0, ""))
        results = json.loads(out)
        self.assertEqual([r["to"] for r in results], [APNS_TOKEN_A, APNS_TOKEN_B, APNS_TOKEN_C])
        for r in results:
            self.assertEqual(set(r), {"to", "platform", "ok", "status", "id"})
            self.assertEqual((r["platform"], r["ok"], r["status"]), ("apns", True, 200))
            self.assertRegex(r["id"], APNS_ID)
        requests = self.apns_requests()
        self.assertEqual(len(requests), 3)
        self.assertEqual({r["connection"] for r in requests}, {requests[0]["connection"]})  # one connection
        for r in requests:
            self.assertEqual(r["method"], "POST")
            self.assertIn(r["path"], {f"/3/device/{t}" for t in (APNS_TOKEN_A, APNS_TOKEN_B, APNS_TOKEN_C)})
            h = r["headers"]
            self.assertEqual(h["apns-topic"], "com.example.callctl.voip")
            self.assertEqual(h["apns-push-type"], "voip")
            self.assertEqual(h["apns-priority"], "10")
            self.assertTrue(before + 60 <= int(h["apns-expiration"]) <= after + 60)
            self.assertNotIn("apns-collapse-id", h)
            self.assertEqual(json.loads(r["body"]), {**STOP, "aps": {}})
            header, claims = jwt_parts(h["authorization"].split(" ", 1)[1])
            self.assertEqual(header, {"alg": "ES256", "kid": self.apns_info["key_id"], "typ": "JWT"})
            self.assertEqual(set(claims), {"iss", "iat"})
            self.assertEqual(claims["iss"], "SANDBOXTM1")
        self.assertEqual(len({r["headers"]["authorization"] for r in requests}), 1)  # one JWT for the run

    def test_alert_and_background_headers(self):
        code, _, err = self.apns("--push-type", "background", "--ttl", "0", "--collapse-id", "c-1", tokens=(APNS_TOKEN_A,))
        self.assertEqual((code, err), (0, ""))
        (r,) = self.apns_requests()
        self.assertEqual((r["headers"]["apns-topic"], r["headers"]["apns-push-type"], r["headers"]["apns-priority"],
                          r["headers"]["apns-expiration"], r["headers"]["apns-collapse-id"]),
                         ("com.example.callctl", "background", "5", "0", "c-1"))
        self.sb.clear_requests()
        code, _, _ = self.apns("--push-type", "alert", "--priority", "normal", tokens=(APNS_TOKEN_A,))
        self.assertEqual(code, 0)
        (r,) = self.apns_requests()
        self.assertEqual((r["headers"]["apns-push-type"], r["headers"]["apns-priority"]), ("alert", "5"))

    def test_webex_webhook_as_ciscos_forwarder_sends_it(self):
        webhook = {"id": "wh", "name": "n", "resource": "telephony_push", "event": "updated", "actorId": "p2",
                   "createdBy": "p1", "data": {"apnsPayload": {"aps": {"alert": "x"}, "webhookTelephonyPush": "{}"},
                                                "fcmPayload": {"webhookTelephonyPush": "{}"}}}
        code, _, err = self.apns(payload=self.write("webex.json", json.dumps(webhook)), tokens=(APNS_TOKEN_A,))
        self.assertEqual((code, err), (0, ""))
        (r,) = self.apns_requests()
        self.assertEqual(r["body"], '{"aps":{},"webhookTelephonyPush":"{}","content-available":1}')

    def test_refusals(self):
        self.faults({APNS_TOKEN_B: {"error": "Unregistered"}})
        code, out, err = self.apns("-o", "json", tokens=(APNS_TOKEN_A, APNS_TOKEN_B, "not-hex"))
        self.assertEqual(code, 6)
        results = json.loads(out)
        self.assertTrue(results[0]["ok"])
        self.assertEqual(set(results[1]), {"to", "platform", "ok", "status", "error", "timestamp"})
        self.assertEqual((results[1]["status"], results[1]["error"]), (410, "Unregistered"))
        self.assertIsInstance(results[1]["timestamp"], int)
        self.assertEqual(results[2], {"to": "not-hex", "platform": "apns", "ok": False, "status": 400,
                                      "error": "BadDeviceToken"})
        self.assertEqual(error_lines(err), ["callctl: error: 2 of 3 devices have not taken: 1 BadDeviceToken, 1 Unregistered"])

    def test_provider_token_refused_is_exit_5(self):
        code, out, err = self.apns("-o", "json", key_id="WRONGKEY00", tokens=(APNS_TOKEN_A,))
        self.assertEqual(code, 5)
        self.assertEqual(json.loads(out), [{"to": APNS_TOKEN_A, "platform": "apns", "ok": False, "status": 403,
                                            "error": "InvalidProviderToken"}])

    def test_retried_once_on_503_with_retry_after_and_never_twice_otherwise(self):
        self.faults({APNS_TOKEN_A: {"error": "ServiceUnavailable", "retry_after": "0", "count": 1},
                     APNS_TOKEN_B: {"error": "InternalServerError", "count": 1},
                     APNS_TOKEN_C: {"drop": True, "count": 1}})
        code, out, err = self.apns("-o", "json", tokens=(APNS_TOKEN_A, APNS_TOKEN_B, APNS_TOKEN_C))
        self.assertEqual(code, 4)  # a reset stream: no answer, network
        by_path = {}
        for r in self.apns_requests():
            by_path.setdefault(r["path"].rsplit("/", 1)[1], []).append(r["status"])
        self.assertEqual(by_path, {APNS_TOKEN_A: [503, 200], APNS_TOKEN_B: [500], APNS_TOKEN_C: [None]})
        results = json.loads(out)
        self.assertTrue(results[0]["ok"])
        self.assertEqual((results[1]["status"], results[1]["error"]), (500, "InternalServerError"))
        self.assertEqual((results[2]["status"], results[2]["error"]), (None, "connection dropped"))

    def test_payload_too_big_for_voip_sends_nothing(self):
        big = self.write("big.json", json.dumps({**STOP, "pad": "x" * 5100}))
        code, out, err = self.apns(payload=big, tokens=(APNS_TOKEN_A,))
        self.assertEqual((code, out), (3, ""))
        self.assertIn("the payload is too big for an APNs voip push: the body is 5169 bytes, the limit is 5120", err)
        self.assertEqual(self.apns_requests(), [])

    def test_dry_run_uses_http2_and_a_jwt_reference(self):
        code, out, err = self.apns("--dry-run", tokens=(APNS_TOKEN_A,))
        self.assertEqual((code, err), (0, ""))
        (line,) = out.splitlines()
        self.assertTrue(line.startswith(f"curl --http2 -sS -X POST '{self.sb.apns}/3/device/{APNS_TOKEN_A}' "), line)
        self.assertIn('-H "authorization: bearer $CALLCTL_APNS_JWT"', line)
        self.assertIn("-H 'apns-topic: com.example.callctl.voip'", line)
        self.assertIn(f"--cacert '{self.sb.cacert}'", line)
        self.assertEqual(self.apns_requests(), [])

    def test_verbose_redacts_the_provider_token_even_when_echoed(self):
        self.faults({APNS_TOKEN_A: {"error": "BadDeviceToken", "echo": True}})
        code, out, err = self.apns("-v", "-o", "json", tokens=(APNS_TOKEN_A,))
        self.assertEqual(code, 6)
        jwt = self.apns_requests()[0]["headers"]["authorization"].split(" ", 1)[1]
        for secret in (jwt, jwt.split(".")[2], self.apns_info["key_p8"].splitlines()[1]):
            self.assertNotIn(secret, err)
            self.assertNotIn(secret, out)
        self.assertEqual(json.loads(out)[0]["error"], "BadDeviceToken bearer ***")

    def test_cancel_after_timing(self):
        code, out, err = self.apns("--cancel-after", "250", "-o", "json", payload=self.incoming_path)
        self.assertEqual((code, err), (0, ""))
        self.assertEqual([r["push"] for r in json.loads(out)], ["incoming", "stop", "incoming", "stop"])
        for token in (APNS_TOKEN_A, APNS_TOKEN_B):
            mine = [r for r in self.apns_requests() if r["path"] == f"/3/device/{token}"]
            self.assertEqual([json.loads(r["body"])["type"] for r in mine], ["Call.Incoming", "Call.StopIncoming"])
            self.assertEqual(json.loads(mine[1]["body"]), {**STOP, "aps": {}})
            waited = mine[1]["received_at_ms"] - mine[0]["received_at_ms"]
            self.assertGreaterEqual(waited, 250)
            self.assertLess(waited, 250 + 2000)


class UsageTest(SendPushCase):
    def test_credentials_required_and_exclusive(self):
        code, out, err = run_callctl(["send-push", str(self.stop_path), "--to", "x"], home=self.home)
        self.assertEqual((code, out), (2, ""))
        self.assertEqual(error_lines(err),
                         ["callctl: error: send-push needs --fcm-credentials FILE (FCM) or --apns-key FILE (APNs)"])
        code, _, err = run_callctl(["send-push", str(self.stop_path), "--to", "x", "--fcm-credentials",
                                    str(self.sa_path), "--apns-key", str(self.p8_path)], home=self.home)
        self.assertEqual(code, 2)
        self.assertIn("--fcm-credentials and --apns-key both say where to send", err)
        # A flag beats the other service's environment variable.
        code, _, _ = self.fcm("--dry-run", tokens=("x",), env={"CALLCTL_APNS_KEY": str(self.p8_path)})
        self.assertEqual(code, 0)

    def test_environment_names_the_files_and_ids(self):
        env = {"CALLCTL_APNS_KEY": str(self.p8_path), "CALLCTL_APNS_KEY_ID": self.apns_info["key_id"],
               "CALLCTL_APNS_TEAM_ID": "SANDBOXTM1", "CALLCTL_APNS_TOPIC": "com.example.callctl",
               "CALLCTL_APNS_URL": self.sb.apns}
        code, out, err = run_callctl(["send-push", str(self.stop_path), "--to", APNS_TOKEN_A, "--cacert", self.sb.cacert,
                                      "-o", "json"], env=env, home=self.home)
        self.assertEqual((code, err), (0, ""))
        self.assertTrue(json.loads(out)[0]["ok"])
        code, _, err = run_callctl(["send-push", str(self.stop_path), "--to", APNS_TOKEN_A],
                                   env={"CALLCTL_APNS_KEY": str(self.p8_path)}, home=self.home)
        self.assertEqual(code, 2)
        self.assertEqual(error_lines(err), ["callctl: error: APNs needs --apns-key-id (or CALLCTL_APNS_KEY_ID)"])

    def test_bad_files_are_exit_3_without_key_material(self):
        sa = dict(self.service_account)
        del sa["project_id"]
        path = self.write("sa.json", json.dumps(sa))
        code, out, err = run_callctl(["send-push", str(self.stop_path), "--to", "x", "--fcm-credentials", str(path)],
                                     home=self.home)
        self.assertEqual((code, out), (3, ""))
        self.assertIn(f"--fcm-credentials {path}: missing \"project_id\"", err)
        self.assertNotIn(self.service_account["private_key"].splitlines()[1], err)
        code, _, err = run_callctl(["send-push", str(self.stop_path), "--to", "x", "--apns-key", str(self.sa_path),
                                    "--apns-key-id", "ABCDEFGHIJ", "--apns-team-id", "SANDBOXTM1", "--apns-topic", "t"],
                                   home=self.home)
        self.assertEqual(code, 3)
        self.assertIn("the PEM private key could not be decoded (damaged or truncated)", err)

    def test_bad_values(self):
        for args, message in [
            (["--ttl", "-1"], "--ttl must be 0 to 2419200 seconds (four weeks), got -1"),
            (["--parallel", "0"], "--parallel must be 1 to 1000"),
            (["--collapse-id", "x" * 65], "--collapse-id is 65 bytes; APNs allows at most 64"),
            (["--cancel-after", "10"], "--cancel-after follows an intercom incoming-call push (Call.Incoming) only"),
        ]:
            code, out, err = self.fcm(*args, tokens=("x",))
            self.assertEqual((code, out), (2, ""), args)
            self.assertEqual(error_lines(err), [f"callctl: error: {message}"], args)
        code, _, err = self.fcm(tokens=())
        self.assertEqual(code, 2)
        self.assertIn("send-push needs at least one device token", err)
        self.assertEqual(self.sb.requests(), [])


if __name__ == "__main__":
    unittest.main()
