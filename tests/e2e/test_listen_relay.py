"""callctl listen --relay MAP.json: the whole loop. The sandbox sends a signed Kaleyra on_call_incoming
and a Webex telephony_push (POST /_sandbox/webhooks/send) to a running listen, which pushes each call to
its callees' devices through the sandbox's FCM and APNs; the pushes in the sandbox's request log and
the "relay" member of the event lines are asserted exactly. Also: a callee with no devices, a device the
service refuses, a bad MAP.json and missing credentials (refused before listening).
"""

from __future__ import annotations

import base64
import json
import os
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from harness import SandboxTestCase, run_callctl  # noqa: E402
from listen_support import KALEYRA_KEY, WEBEX_SECRET, Listen  # noqa: E402

FCM_SEND = "/v1/projects/callctl-sandbox/messages:send"
APNS_TOKEN = "a1" * 32
TOPIC = "com.example.callctl"


def webex_person(user: str) -> str:
    """The sandbox's Webex person id of a user id: unpadded base64 of ciscospark://us/PEOPLE/<id>."""
    return base64.b64encode(f"ciscospark://us/PEOPLE/{user}".encode()).decode().rstrip("=")


class RelayTest(SandboxTestCase):
    sandbox_tls = True  # APNs is TLS only

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._files = tempfile.TemporaryDirectory(prefix="callctl-relay-")
        cls.addClassCleanup(cls._files.cleanup)
        cls.files = Path(cls._files.name)
        cls.apns_info = cls.sb.admin("GET", "/_sandbox/apns")
        (cls.files / "sa.json").write_text(json.dumps(cls.sb.admin("GET", "/_sandbox/fcm/service-account")))
        (cls.files / "AuthKey.p8").write_text(cls.apns_info["key_p8"])
        (cls.files / "kaleyra.key").write_text(KALEYRA_KEY + "\n")
        (cls.files / "webex.secret").write_text(WEBEX_SECRET + "\n")

    def setUp(self):
        super().setUp()
        self.sb.admin("DELETE", "/_sandbox/device-faults")
        self.sb.admin("DELETE", "/_sandbox/webhooks/targets")
        self.sb.admin("DELETE", "/_sandbox/webhooks/deliveries")

    def credentials(self) -> list[str]:
        f = self.files
        return ["--fcm-credentials", str(f / "sa.json"), "--fcm-url", self.sb.http,
                "--apns-key", str(f / "AuthKey.p8"), "--apns-key-id", self.apns_info["key_id"],
                "--apns-team-id", "SANDBOXTM1", "--apns-topic", TOPIC, "--apns-url", self.sb.apns,
                "--cacert", self.sb.cacert]

    def write_map(self, table) -> Path:
        path = self.home.path / "map.json"
        path.write_text(table if isinstance(table, str) else json.dumps(table))
        return path

    def start(self, table: dict, *vendors: str) -> Listen:
        listener = Listen(["--relay", str(self.write_map(table)), *self.credentials(),
                           "--kaleyra-key-file", str(self.files / "kaleyra.key"),
                           "--webex-secret-file", str(self.files / "webex.secret")], home=self.home)
        self.addCleanup(listener.close)
        listener.wait_ready()
        for vendor in vendors:
            secret = KALEYRA_KEY if vendor == "kaleyra" else WEBEX_SECRET
            self.sb.admin("POST", "/_sandbox/webhooks/targets",
                          {"url": listener.url + f"/{vendor}", "vendor": vendor, "secret": secret})
        return listener

    def send_call(self, callees: list[str], deliveries: int) -> list[dict]:
        self.sb.clear_requests()
        self.sb.admin("POST", "/_sandbox/webhooks/send", {"caller": "usr_123", "callees": callees})
        done = self.sb.admin("GET", f"/_sandbox/webhooks/deliveries?count={deliveries}&timeout_ms=20000")
        self.assertEqual([d["status"] for d in done], [200] * deliveries)
        return done

    def fcm_sends(self) -> list[dict]:
        return [e for e in self.sb.requests() if e["path"] == FCM_SEND]

    def apns_sends(self) -> list[dict]:
        return [e for e in self.sb.requests() if e.get("protocol") == "HTTP/2"]

    def test_kaleyra_call_reaches_every_mapped_device(self):
        listener = self.start({"usr_999": [{"platform": "fcm", "token": "tok-999"},
                                           {"platform": "APNs", "token": APNS_TOKEN}],
                               "usr_123": [{"platform": "fcm", "token": "tok-caller"}]}, "kaleyra")
        [delivery] = self.send_call(["usr_999", "usr_777"], 1)
        body = delivery["request"]["body"]
        [event] = listener.events(1)
        self.assertEqual((event["vendor"], event["event"], event["signature"]), ("kaleyra", "call.incoming", "verified"))
        relay = event["relay"]
        self.assertEqual(relay["no_devices"], ["usr_777"])  # the initiator, usr_123, is not rung
        [fcm_result, apns_result] = relay["results"]
        self.assertEqual({k: fcm_result[k] for k in ("user", "to", "platform", "ok", "status")},
                         {"user": "usr_999", "to": "tok-999", "platform": "fcm", "ok": True, "status": 200})
        self.assertEqual({k: apns_result[k] for k in ("user", "to", "platform", "ok", "status")},
                         {"user": "usr_999", "to": APNS_TOKEN, "platform": "apns", "ok": True, "status": 200})
        [fcm] = self.fcm_sends()
        self.assertEqual(fcm["method"], "POST")
        self.assertRegex(fcm["headers"]["authorization"], r"^Bearer ya29\.sandbox-[0-9a-f]{48}$")
        self.assertEqual(json.loads(fcm["body"]), {"message": {
            "token": "tok-999", "data": {"message": body}, "android": {"priority": "high", "ttl": "60s"}}})
        [apns] = self.apns_sends()
        self.assertEqual((apns["method"], apns["path"]), ("POST", f"/3/device/{APNS_TOKEN}"))
        self.assertEqual((apns["headers"]["apns-topic"], apns["headers"]["apns-push-type"]), (TOPIC + ".voip", "voip"))
        self.assertEqual(json.loads(apns["body"]), {**json.loads(body), "aps": {}})
        self.assertEqual(listener.stderr_lines[1:], [])

    def test_webex_call_reaches_the_callee_by_created_by(self):
        person = webex_person("usr_999")
        listener = self.start({person: [{"platform": "fcm", "token": "tok-w"},
                                        {"platform": "apns", "token": APNS_TOKEN}]}, "webex")
        [delivery] = self.send_call(["usr_999"], 1)
        webhook = json.loads(delivery["request"]["body"])
        self.assertEqual(webhook["createdBy"], person)
        [event] = listener.events(1)
        self.assertEqual((event["vendor"], event["event"], event["signature"]), ("webex", "call.incoming", "verified"))
        self.assertEqual(event["relay"]["no_devices"], [])
        self.assertEqual([(r["user"], r["to"], r["ok"]) for r in event["relay"]["results"]],
                         [(person, "tok-w", True), (person, APNS_TOKEN, True)])
        [fcm] = self.fcm_sends()
        self.assertEqual(json.loads(fcm["body"])["message"]["token"], "tok-w")
        self.assertEqual(json.loads(fcm["body"])["message"]["data"], webhook["data"]["fcmPayload"])
        [apns] = self.apns_sends()
        self.assertEqual(apns["path"], f"/3/device/{APNS_TOKEN}")
        self.assertEqual(json.loads(apns["body"]), {**webhook["data"]["apnsPayload"], "aps": {}, "content-available": 1})

    def test_both_vendors_in_one_run(self):
        listener = self.start({"usr_999": [{"platform": "fcm", "token": "tok-k"}],
                               webex_person("usr_999"): [{"platform": "fcm", "token": "tok-w"}]}, "kaleyra", "webex")
        self.send_call(["usr_999"], 2)
        events = listener.events(2)
        self.assertEqual(sorted((e["vendor"], e["relay"]["results"][0]["to"]) for e in events),
                         [("kaleyra", "tok-k"), ("webex", "tok-w")])
        self.assertEqual(sorted(json.loads(r["body"])["message"]["token"] for r in self.fcm_sends()), ["tok-k", "tok-w"])

    def test_a_callee_without_devices_sends_nothing(self):
        listener = self.start({"usr_other": [{"platform": "fcm", "token": "tok-o"}]}, "kaleyra")
        self.send_call(["usr_999"], 1)
        [event] = listener.events(1)
        self.assertEqual(event["relay"], {"results": [], "no_devices": ["usr_999"]})
        self.assertEqual(self.fcm_sends() + self.apns_sends(), [])

    def test_a_refused_device_is_reported_and_the_others_served(self):
        self.sb.admin("POST", "/_sandbox/device-faults", {"tok-bad": {"error": "UNREGISTERED"},
                                                          APNS_TOKEN: {"error": "BadDeviceToken"}})
        listener = self.start({"usr_999": [{"platform": "fcm", "token": "tok-bad"}, {"platform": "fcm", "token": "tok-ok"},
                                           {"platform": "apns", "token": APNS_TOKEN}]}, "kaleyra")
        self.send_call(["usr_999"], 1)
        [event] = listener.events(1)
        self.assertEqual(event["relay"]["results"], [
            {"user": "usr_999", "to": "tok-bad", "platform": "fcm", "ok": False, "status": 404, "error": "UNREGISTERED",
             "message": "Requested entity was not found."},
            {**event["relay"]["results"][1], "user": "usr_999", "to": "tok-ok", "platform": "fcm", "ok": True, "status": 200},
            {**event["relay"]["results"][2], "user": "usr_999", "to": APNS_TOKEN, "platform": "apns", "ok": False,
             "status": 400, "error": "BadDeviceToken"},
        ])
        self.assertNotIn("error", event["relay"])
        self.assertEqual(len(self.fcm_sends()), 2)
        self.assertEqual(len(self.apns_sends()), 1)
        warnings = listener.wait_stderr(lambda lines: len(lines) >= 3)
        self.assertEqual(warnings[1:], ["callctl: warning: relay to usr_999 (fcm): Requested entity was not found.",
                                        "callctl: warning: relay to usr_999 (apns): BadDeviceToken"])

    def test_bad_map_is_exit_3_before_listening(self):
        for text, message in (
                ("[1]", "--relay {path}: not a JSON object"),
                ('{"u": [{"platform": "sms", "token": "x"}]}', None),
                ("{", None)):
            with self.subTest(text=text):
                path = self.write_map(text)
                code, out, err = run_callctl(["listen", "--relay", str(path), *self.credentials()], home=self.home,
                                             timeout=20)
                self.assertEqual((code, out), (3, ""))
                lines = err.splitlines()
                self.assertTrue(lines[0].startswith(f"callctl: error: --relay {path}"), lines)
                self.assertNotIn("listening", err)

    def test_missing_credentials_for_a_platform_is_usage(self):
        path = self.write_map({"u": [{"platform": "apns", "token": APNS_TOKEN}]})
        code, out, err = run_callctl(["listen", "--relay", str(path)], home=self.home, timeout=20)
        self.assertEqual((code, out), (2, ""))
        self.assertEqual(err.splitlines()[0], f"callctl: error: --relay {path} lists APNs devices: give --apns-key FILE")
        path = self.home.path / "absent.json"
        code, _, err = run_callctl(["listen", "--relay", str(path)], home=self.home, timeout=20)
        self.assertNotEqual(code, 0)
        self.assertNotIn("listening", err)

    def test_standard_input_is_read_by_one_option_at_most(self):
        path = self.write_map({"u": [{"platform": "fcm", "token": "fcm-1"}]})
        for args, message in (
                (["--relay", "-", "--fcm-credentials", "-"],
                 "--fcm-credentials - and --relay - cannot both read standard input"),
                (["--relay", str(path), "--fcm-credentials", "-", "--apns-key", "-"],
                 "--fcm-credentials - and --apns-key - cannot both read standard input"),
                (["--relay", "-", "--kaleyra-key-file", "-", "--webex-secret-file", "-"],
                 "--kaleyra-key-file - and --webex-secret-file - cannot both read standard input")):
            with self.subTest(args=args):
                code, out, err = run_callctl(["listen", *args], home=self.home, input="{}", timeout=20)
                self.assertEqual((code, out), (2, ""))
                self.assertEqual(err.splitlines(), [f"callctl: error: {message}",
                                                    "callctl: hint: standard input is read once: give the others a file"])


if __name__ == "__main__":
    unittest.main()
