"""The sandbox's webhook sender: a created call (POST /rtc/createCall, through `callctl create-call`) or
an admin request makes it POST signed Kaleyra on_call_incoming and Webex telephony_push webhooks to
its targets (--webhook-url, admin targets, telephony_push webhooks made through its fake Webex API with
their own secrets). A second sandbox is the receiver: its request log has what arrived, checked here
byte for byte against the deliveries the sender reports, and the signatures with hmac. A dead target
is a recorded error in bounded time; bad admin requests are 400."""

import base64
import hashlib
import hmac
import json
import re
import socket
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Sandbox, TempHome, run_callctl  # noqa: E402

KALEYRA_KEY = "ak_sandbox_callctl"  # the sender's default company key
WEBEX_SECRET = "flag-webex-secret"


def person(user_id: str) -> str:
    return base64.b64encode(f"ciscospark://us/PEOPLE/{user_id}".encode()).decode().rstrip("=")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SandboxWebhookSenderTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = Sandbox()
        cls.receiver.start()
        cls.addClassCleanup(cls.receiver.stop)
        cls.target = cls.receiver.url("/hooks/from-sandbox")
        cls.sender = Sandbox(extra_args=["--webhook-url", cls.target, "--webhook-webex-secret", WEBEX_SECRET])
        cls.sender.start()
        cls.addClassCleanup(cls.sender.stop)

    def setUp(self):
        self.receiver.clear_requests()
        self.sender.admin("DELETE", "/_sandbox/webhooks/deliveries")
        self.sender.admin("DELETE", "/_sandbox/webhooks/targets")
        self.home = TempHome()
        self.addCleanup(self.home.cleanup)

    def deliveries(self, count: int) -> list[dict]:
        return self.sender.admin("GET", f"/_sandbox/webhooks/deliveries?count={count}&timeout_ms=20000")

    def create_call(self, *invites: str) -> dict:
        token = self.sender.access_token()
        args = ["create-call", "--title", "Loop", "--rest-url", self.sender.http, "-o", "json"]
        for invite in invites:
            args += ["--invite", invite]
        code, out, err = run_callctl(args, env={"CALLCTL_TOKEN": token}, home=self.home)
        self.assertEqual((code, err), (0, ""))
        return json.loads(out)

    def test_a_created_call_sends_both_vendors_webhooks_signed(self):
        call = self.create_call("tester:8", "bob:9")
        done = self.deliveries(3)
        self.assertEqual([(d["vendor"], d["callee"], d["state"], d["status"]) for d in done],
                         [("kaleyra", None, "done", 200), ("webex", "tester", "done", 200), ("webex", "bob", "done", 200)])
        for delivery in done:
            self.assertEqual((delivery["trigger"], delivery["callId"], delivery["url"]), ("createCall", call["callId"], self.target))
            self.assertIsNone(delivery["error"])
        arrived = self.receiver.requests()
        self.assertEqual(len(arrived), 3)
        by_body = {r["body"]: r for r in arrived}
        for delivery in done:
            request = by_body[delivery["request"]["body"]]  # exactly the bytes the sender reports
            self.assertEqual((request["method"], request["path"]), ("POST", "/hooks/from-sandbox"))
            self.assertEqual(request["headers"]["content-type"], "application/json")
            self.assertEqual(request["headers"]["user-agent"], "callctl-sandbox-webhooks/1.0")
            body = request["body"].encode()
            if delivery["vendor"] == "kaleyra":
                t, mac = re.fullmatch(r"t=(\d+),v0=([0-9a-f]{64})", request["headers"]["bandyer-signature"]).groups()
                self.assertLess(abs(int(t) - time.time()), 60)
                self.assertEqual(mac, hmac.new(KALEYRA_KEY.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest())
                kaleyra = json.loads(body)
                self.assertEqual(kaleyra["event"], "on_call_incoming")
                self.assertEqual(kaleyra["room_id"], "room_" + call["callId"].replace("-", "")[:12])
                self.assertEqual(kaleyra["data"]["initiator"], call["creatorContact"]["userId"])
                self.assertEqual([u["user"]["userAlias"] for u in kaleyra["data"]["users"]],
                                 [call["creatorContact"]["userId"], "tester", "bob"])
            else:
                self.assertEqual(request["headers"]["x-spark-signature"],
                                 hmac.new(WEBEX_SECRET.encode(), body, hashlib.sha1).hexdigest())
                webex = json.loads(body)
                self.assertEqual((webex["resource"], webex["event"]), ("telephony_push", "updated"))
                self.assertEqual(webex["actorId"], person(delivery["callee"]))
                self.assertEqual(webex["createdBy"], person(delivery["callee"]))
                self.assertEqual(webex["data"]["personId"], delivery["personId"])
                self.assertEqual(webex["data"]["personEmail"], f"{delivery['callee']}@sandbox.example")
                push = json.loads(webex["data"]["fcmPayload"]["webhookTelephonyPush"])
                self.assertEqual(push["name"], call["creatorContact"]["displayName"])

    def test_a_webex_api_webhook_gets_telephony_push_with_its_own_secret_and_id(self):
        token_env = {"CALLCTL_WEBEX_URL": self.sender.http, "CALLCTL_WEBEX_TOKEN": "webex-sandbox-admin-token",
                     "CALLCTL_WEBEX_SECRET": "api-secret"}
        code, out, err = run_callctl(["webex-webhook", "create", "--target-url", self.receiver.url("/hooks/webex-api"),
                                      "--name", "Firehose", "-o", "json"], env=token_env, home=self.home)
        self.assertEqual((code, err), (0, ""))
        created = json.loads(out)
        self.addCleanup(run_callctl, ["webex-webhook", "delete", created["id"]], env=token_env)
        self.create_call("carol")
        done = self.deliveries(3)  # Kaleyra and Webex to the flag target, Webex to the API webhook
        [api] = [d for d in done if d["target"] == "webex:" + created["id"]]
        self.assertEqual((api["status"], api["url"]), (200, self.receiver.url("/hooks/webex-api")))
        [request] = [r for r in self.receiver.requests() if r["path"] == "/hooks/webex-api"]
        body = request["body"].encode()
        self.assertEqual(request["headers"]["x-spark-signature"], hmac.new(b"api-secret", body, hashlib.sha1).hexdigest())
        webex = json.loads(body)
        self.assertEqual((webex["id"], webex["name"], webex["orgId"], webex["created"]),
                         (created["id"], "Firehose", created["orgId"], created["created"]))
        self.assertEqual(webex["actorId"], person("carol"))
        targets = self.sender.admin("GET", "/_sandbox/webhooks/targets")
        self.assertEqual([t["id"] for t in targets], ["flag-1", "flag-2", "webex:" + created["id"]])

    def test_admin_targets_and_sends(self):
        target = self.sender.admin("POST", "/_sandbox/webhooks/targets", {
            "url": self.receiver.url("/hooks/v0"), "vendor": "kaleyra", "secret": "other-key", "signature": "v0",
            "envelope": "v1"})
        self.assertEqual(target["id"][:4], "tgt_")
        sent = self.sender.admin("POST", "/_sandbox/webhooks/send", {"caller": "usr_1", "callees": ["usr_2"]})
        self.assertEqual(len(sent["deliveries"]), 3)  # flag Kaleyra + flag Webex (usr_2) + the admin Kaleyra target
        done = self.deliveries(3)
        self.assertEqual({d["trigger"] for d in done}, {"admin"})
        [request] = [r for r in self.receiver.requests() if r["path"] == "/hooks/v0"]
        body = json.loads(request["body"])
        self.assertEqual((body["event_version"], body["data"]["initiator"]), ("1.0", "usr_1"))
        self.assertEqual(request["headers"]["room-id-hmac"],
                         hmac.new(b"other-key", body["data"]["room_id"].encode(), hashlib.sha256).hexdigest())
        self.assertNotIn("bandyer-signature", request["headers"])
        for bad in ({"url": "ftp://x", "vendor": "kaleyra"}, {"url": "http://h/", "vendor": "other"},
                    {"url": "http://h/", "vendor": "kaleyra", "signature": "v2"}, {"url": "http://h/", "vendr": "x"}):
            with self.subTest(bad=bad):
                status, _ = self.sender.json_request("POST", "/_sandbox/webhooks/targets", bad)
                self.assertEqual(status, 400)
        status, _ = self.sender.json_request("POST", "/_sandbox/webhooks/send", {"callees": "nope"})
        self.assertEqual(status, 400)

    def test_a_dead_target_is_a_recorded_error_in_bounded_time(self):
        self.sender.admin("POST", "/_sandbox/webhooks/targets", {"url": f"http://127.0.0.1:{free_port()}/gone",
                                                                  "vendor": "kaleyra"})
        started = time.monotonic()
        self.sender.admin("POST", "/_sandbox/webhooks/send", {"callees": ["x"]})
        done = self.deliveries(3)
        self.assertLess(time.monotonic() - started, 15)
        [dead] = [d for d in done if d["target"].startswith("tgt_")]
        self.assertIsNone(dead["status"])
        self.assertEqual(dead["error"], "could not connect")
        # Waiting for more than will come is a bounded 408.
        status, answer = self.sender.json_request("GET", "/_sandbox/webhooks/deliveries?count=99&timeout_ms=200")
        self.assertEqual(status, 408)
        self.assertEqual(len(answer["deliveries"]), 3)


if __name__ == "__main__":
    unittest.main()
