"""send-webhook end to end, against the sandbox's webhook receiver (POST /hooks/..., in the request
log): exact bytes and headers; fresh Kaleyra v1 (s and ms), v0 and Webex signatures, checked with
Python's hmac and with `callctl decode-push --signature` (the library check listen uses); every
--event; --set, including exit 2; a listen --record file replayed, re-signed; a 500 answered once
(exit 7), a 503 with Retry-After retried, a dead receiver (exit 4); missing secrets (exit 5, nothing
sent); --unsigned; --dry-run and -v without the secret; json, ndjson and table output."""

import hashlib
import hmac
import json
import re
import socket
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import SOURCE_DIR, SandboxTestCase, run_callctl  # noqa: E402

KEY = "ak_live_123456"  # Kaleyra's published test-vector key
WEBEX_SECRET = "webex-webhook-secret"
SEED_001 = (SOURCE_DIR / "tests" / "data" / "kaleyra_on_call_incoming.json").read_bytes()
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kaleyra_mac(body: bytes, t: str, key: str = KEY) -> str:
    return hmac.new(key.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()


class SendWebhookTest(SandboxTestCase):
    def setUp(self):
        super().setUp()
        self.tmp = Path(tempfile.mkdtemp(prefix="callctl-send-webhook-"))
        self.key_file = self.tmp / "kaleyra.key"
        self.key_file.write_text(KEY + "\n")
        self.secret_file = self.tmp / "webex.secret"
        self.secret_file.write_text(WEBEX_SECRET + "\n")
        self.to = self.sb.url("/hooks/in")

    def tearDown(self):
        for path in self.tmp.iterdir():
            path.unlink()
        self.tmp.rmdir()
        super().tearDown()

    def send(self, *args, env=None, input=None, output="json"):
        code, out, err = run_callctl(["send-webhook", "-o", output, *args], env=env, input=input, home=self.home)
        return code, out, err

    def write(self, name: str, data) -> Path:
        path = self.tmp / name
        path.write_bytes(data if isinstance(data, bytes) else data.encode())
        return path

    def received(self) -> list[dict]:
        return [r for r in self.sb.requests() if r["path"].startswith("/hooks/")]

    def assert_verified(self, body: bytes, header: str, secret_file: Path, tolerance: str = "60"):
        """The library check listen runs (decode-push --signature), over the bytes that arrived."""
        path = self.write("arrived.json", body)
        code, out, err = run_callctl(["decode-push", str(path), "--signature", header, "--secret-file", str(secret_file),
                                      "--tolerance", tolerance], home=self.home)
        self.assertEqual((code, err), (0, ""))
        self.assertTrue(json.loads(out)["signature"]["verified"])

    # ------------------------------------------------------------------ bodies and signatures

    def test_a_file_arrives_byte_for_byte_with_a_fresh_v1_signature(self):
        body_file = self.write("seed.json", SEED_001)
        before = int(time.time())
        code, out, err = self.send(str(body_file), "--to", self.to, "--kaleyra-key-file", str(self.key_file))
        after = int(time.time())
        self.assertEqual((code, err), (0, ""))
        [result] = json.loads(out)
        self.assertEqual(result.pop("elapsed_ms") >= 0, True)
        self.assertEqual(result, {"to": self.to, "status": 200, "ok": True, "vendor": "kaleyra",
                                  "event": "on_call_incoming", "signature": "kaleyra-v1", "attempts": 1})
        [request] = self.received()
        self.assertEqual((request["method"], request["path"]), ("POST", "/hooks/in"))
        self.assertEqual(request["body"].encode(), SEED_001)
        headers = request["headers"]
        t, mac = re.fullmatch(r"t=(\d+),v0=([0-9a-f]{64})", headers["bandyer-signature"]).groups()
        self.assertTrue(before <= int(t) <= after)
        self.assertEqual(mac, kaleyra_mac(SEED_001, t))
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(headers["content-length"], str(len(SEED_001)))
        self.assertRegex(headers["user-agent"], r"^callctl/")
        self.assertEqual(set(headers), {"host", "accept", "content-type", "content-length", "bandyer-signature",
                                        "user-agent"} | ({"accept-encoding"} & set(headers)))
        self.assert_verified(SEED_001, headers["bandyer-signature"], self.key_file)

    def test_the_other_kaleyra_schemes_and_webex(self):
        body_file = self.write("seed.json", SEED_001)
        code, _, err = self.send(str(body_file), "--to", self.to, "--kaleyra-key-file", str(self.key_file),
                                 "--kaleyra-signature", "v1-ms")
        self.assertEqual((code, err), (0, ""))
        code, _, err = self.send(str(body_file), "--to", self.to, "--kaleyra-signature", "v0",
                                 env={"CALLCTL_KALEYRA_API_KEY": KEY})
        self.assertEqual((code, err), (0, ""))
        ms, v0 = self.received()
        t = re.fullmatch(r"t=(\d{13}),v0=[0-9a-f]{64}", ms["headers"]["bandyer-signature"]).group(1)
        self.assertLess(abs(int(t) / 1000 - time.time()), 60)
        self.assertEqual(ms["headers"]["bandyer-signature"].split("v0=")[1], kaleyra_mac(SEED_001, t))
        self.assertNotIn("bandyer-signature", v0["headers"])
        self.assertEqual(v0["headers"]["room-id-hmac"],
                         hmac.new(KEY.encode(), b"room_f61b4d202472", hashlib.sha256).hexdigest())
        self.assert_verified(SEED_001, v0["headers"]["room-id-hmac"], self.key_file)

        webex = self.sb.admin("POST", "/_sandbox/push/webex", {})
        webex_body = json.dumps(webex, indent=2).encode()
        code, out, err = self.send(str(self.write("webex.json", webex_body)), "--to", self.to,
                                   "--webex-secret-file", str(self.secret_file))
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(json.loads(out)[0]["signature"], "webex")
        request = self.received()[-1]
        self.assertEqual(request["body"].encode(), webex_body)
        self.assertEqual(request["headers"]["x-spark-signature"],
                         hmac.new(WEBEX_SECRET.encode(), webex_body, hashlib.sha1).hexdigest())
        self.assert_verified(webex_body, request["headers"]["x-spark-signature"], self.secret_file)

    def test_the_body_from_standard_input(self):
        code, out, err = self.send("--to", self.to, "--kaleyra-key-file", str(self.key_file), input=SEED_001.decode())
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(self.received()[0]["body"].encode(), SEED_001)

    def test_every_event_is_a_fresh_realistic_body(self):
        now = time.time()
        expected = {"on_call_incoming": "call.incoming", "on_missed_call": "call.missed", "on_message_sent": "message",
                    "on_room_deleted": "room.deleted", "telephony_push": "call.incoming"}
        for event, normalised in expected.items():
            for v1 in ([], ["--kaleyra-v1"]) if event != "telephony_push" else ([],):
                with self.subTest(event=event, v1=bool(v1)):
                    self.sb.clear_requests()
                    code, out, err = self.send("--event", event, *v1, "--to", self.to, "--callee", "usr_7",
                                               "--kaleyra-key-file", str(self.key_file),
                                               "--webex-secret-file", str(self.secret_file))
                    self.assertEqual((code, err), (0, ""))
                    [result] = json.loads(out)
                    self.assertEqual((result["event"], result["ok"]), (event, True))
                    [request] = self.received()
                    body = json.loads(request["body"])
                    header = request["headers"].get("bandyer-signature") or request["headers"]["x-spark-signature"]
                    self.assert_verified(request["body"].encode(), header,
                                         self.secret_file if event == "telephony_push" else self.key_file)
                    decoded = json.loads(run_callctl(["decode-push", str(self.write("b.json", request["body"]))],
                                                     home=self.home)[1])
                    self.assertEqual(decoded["event"], normalised)
                    if event == "telephony_push":
                        self.assertEqual((body["resource"], body["event"], body["ownedBy"]), ("telephony_push", "updated", "org"))
                        self.assertEqual(body["actorId"], "usr_7")
                        self.assertEqual(body["createdBy"], "usr_7")
                        push = json.loads(body["data"]["fcmPayload"]["webhookTelephonyPush"])
                        self.assertEqual(set(push), {"name", "number", "pushId", "externalTrackingId", "version"})
                        self.assertRegex(body["data"]["created"], ISO_MS)
                        continue
                    data = body["data"]
                    room = data["room_id"] if v1 else body["room_id"]
                    self.assertRegex(room, r"^room_[0-9a-f]{12}$")
                    if v1:
                        self.assertEqual((body["event_version"], body["namespace"]), ("1.0", "room"))
                        self.assertLess(abs(body["timestamp"] / 1000 - now), 60)
                    if event == "on_call_incoming":
                        self.assertEqual(data["initiator"], "usr_123")
                        self.assertEqual([u["user"]["userAlias"] for u in data["users"]], ["usr_123", "usr_7"])
                        self.assertEqual(list(data["options"]), ["duration", "record", "recordingType", "recording",
                                                                  "creationDate", "callType", "live"])
                        self.assertRegex(data["options"]["creationDate"], ISO_MS)
                    if event == "on_missed_call":
                        self.assertEqual(data["called_users"], [{"user_id": "usr_7", "status": "not_answered"}])
        # Fresh ids each time.
        self.sb.clear_requests()
        for _ in range(2):
            self.send("--event", "on_call_incoming", "--to", self.to, "--kaleyra-key-file", str(self.key_file))
        first, second = (json.loads(r["body"])["room_id"] for r in self.received())
        self.assertNotEqual(first, second)

    # ------------------------------------------------------------------ --set

    def test_set_edits_fields_before_signing(self):
        code, _, err = self.send(str(self.write("seed.json", SEED_001)), "--to", self.to,
                                 "--kaleyra-key-file", str(self.key_file),
                                 "--set", "room_id=room_x", "--set", "data.options.record=false",
                                 "--set", "data.extra.deep.n=7", "--set", 'data.users=[{"user":{"userAlias":"bob"}}]',
                                 "--set", 'data.initiator="42"', "--set", "data.note=not json")
        self.assertEqual((code, err), (0, ""))
        [request] = self.received()
        body = request["body"].encode()
        expected = json.loads(SEED_001)
        expected["room_id"] = "room_x"
        expected["data"]["options"]["record"] = False
        expected["data"]["extra"] = {"deep": {"n": 7}}
        expected["data"]["users"] = [{"user": {"userAlias": "bob"}}]
        expected["data"]["initiator"] = "42"
        expected["data"]["note"] = "not json"
        self.assertEqual(body, json.dumps(expected, separators=(",", ":")).encode())  # compact, keys in order
        t = request["headers"]["bandyer-signature"].split(",")[0][2:]
        self.assertEqual(request["headers"]["bandyer-signature"].split("v0=")[1], kaleyra_mac(body, t))

    def test_set_through_a_non_object_is_exit_2_and_nothing_is_sent(self):
        for path, what in (("event.x=1", "event is a string"), ("data.users.0=x", "data.users is an array")):
            with self.subTest(path=path):
                code, out, err = self.send(str(self.write("seed.json", SEED_001)), "--to", self.to,
                                           "--kaleyra-key-file", str(self.key_file), "--set", path)
                self.assertEqual((code, out), (2, ""))
                self.assertEqual(err.splitlines()[0], f"callctl: error: --set {path.split('=')[0]}: {what}, not an object")
        code, _, err = self.send("--event", "on_call_incoming", "--to", self.to, "--set", "nodot")
        self.assertEqual(code, 2)
        self.assertIn("no '='", err)
        self.assertEqual(self.received(), [])

    # ------------------------------------------------------------------ replay

    def test_a_record_is_replayed_in_order_re_signed_with_its_headers(self):
        old = "t=1500000000,v0=" + "0" * 64
        lines = [
            {"received_at": "2024-05-26T09:04:38.097Z", "method": "POST", "path": "/from/kaleyra?x=1",
             "headers": {"host": "127.0.0.1:1", "content-type": "application/json", "content-length": "999",
                         "bandyer-signature": old, "user-agent": "Kaleyra-Webhooks/1.0", "x-request-id": "req-1",
                         "connection": "keep-alive"},
             "body": SEED_001.decode(), "status": 401},
            {"received_at": "2024-05-26T09:04:39.000Z", "method": "GET", "path": "/", "headers": {"host": "h"},
             "body": "", "status": 405},
            {"received_at": "2024-05-26T09:04:40.000Z", "method": "POST", "path": "/big", "headers": {},
             "body_omitted": True, "status": 413},
            {"received_at": "2024-05-26T09:04:41.000Z", "method": "POST", "path": "/webex",
             "headers": {"content-type": "application/json; charset=utf-8", "x-spark-signature": "ab" * 20},
             "body": '{"resource":"telephony_push","event":"updated","actorId":"p1"}', "status": 200},
        ]
        record = self.write("hooks.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
        code, out, err = self.send(str(record), "--to", self.to, "--kaleyra-key-file", str(self.key_file),
                                   "--webex-secret-file", str(self.secret_file))
        self.assertEqual(code, 0, err)
        self.assertEqual(err.splitlines(), [
            f"callctl: warning: {record} line 2: a GET request (listen answered it 405): skipped, webhooks are POSTs",
            f"callctl: warning: {record} line 3: its body was not recorded (listen answered it 413): skipped"])
        results = json.loads(out)
        self.assertEqual([(r["line"], r["event"], r["signature"], r["status"]) for r in results],
                         [(1, "on_call_incoming", "kaleyra-v1", 200), (4, "telephony_push", "webex", 200)])
        kaleyra, webex = self.received()
        self.assertEqual((kaleyra["path"], kaleyra["target"]), ("/hooks/in", "/hooks/in"))  # the recorded path is not appended
        self.assertEqual(kaleyra["body"].encode(), SEED_001)
        self.assertEqual(kaleyra["headers"]["user-agent"], "Kaleyra-Webhooks/1.0")
        self.assertEqual(kaleyra["headers"]["x-request-id"], "req-1")
        self.assertEqual(kaleyra["headers"]["content-length"], str(len(SEED_001)))
        self.assertNotEqual(kaleyra["headers"]["host"], "127.0.0.1:1")
        self.assertNotEqual(kaleyra["headers"]["bandyer-signature"], old)
        self.assert_verified(SEED_001, kaleyra["headers"]["bandyer-signature"], self.key_file)
        self.assertEqual(webex["headers"]["content-type"], "application/json; charset=utf-8")
        self.assertEqual(webex["headers"]["x-spark-signature"],
                         hmac.new(WEBEX_SECRET.encode(), webex["body"].encode(), hashlib.sha1).hexdigest())

    def test_a_malformed_record_is_exit_3_before_anything_is_sent(self):
        good = json.dumps({"received_at": "t", "method": "POST", "path": "/", "headers": {}, "body": SEED_001.decode()})
        for bad, message in (("{\"received_at\":", "line 2 is not JSON"),
                             (json.dumps({"received_at": "t", "method": "POST", "path": "/",
                                          "headers": {"x-a": "1\r\nHost: evil"}, "body": "{}"}),
                              "line 2: not a listen --record line: header x-a holds a line break or NUL")):
            with self.subTest(message=message):
                record = self.write("bad.jsonl", good + "\n" + bad + "\n")
                code, out, err = self.send(str(record), "--to", self.to, "--kaleyra-key-file", str(self.key_file))
                self.assertEqual((code, out), (3, ""))
                self.assertIn(message, err)
        self.assertEqual(self.received(), [])

    # ------------------------------------------------------------------ answers and failures

    def test_a_500_is_exit_7_after_one_attempt(self):
        self.sb.set_faults({"status_for": {"/hooks/in": 500}})
        code, out, err = self.send("--event", "on_call_incoming", "--to", self.to, "--kaleyra-key-file", str(self.key_file))
        self.assertEqual(code, 7)
        [result] = json.loads(out)
        self.assertEqual((result["status"], result["ok"], result["attempts"]), (500, False, 1))
        self.assertEqual(err.splitlines(), [f"callctl: warning: POST {self.to}: HTTP 500: {result['message']}"])
        self.assertEqual(len(self.received()), 1)

    def test_a_4xx_is_exit_6(self):
        self.sb.set_faults({"status_for": {"/hooks/in": {"status": 401}}})
        code, out, _ = self.send("--event", "telephony_push", "--to", self.to, "--webex-secret-file", str(self.secret_file))
        self.assertEqual(code, 6)
        self.assertEqual(json.loads(out)[0]["status"], 401)

    def test_a_503_with_retry_after_was_not_processed_and_is_retried(self):
        self.sb.set_faults({"fail_next": {"count": 1, "status": 503, "retry_after": "0"}})
        code, out, err = self.send("--event", "on_call_incoming", "--to", self.to, "--kaleyra-key-file", str(self.key_file))
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(json.loads(out)[0]["attempts"], 2)
        self.assertEqual(len(self.received()), 2)

    def test_a_dead_receiver_is_exit_4(self):
        port = free_port()
        dead = f"http://127.0.0.1:{port}/hook"
        code, out, err = self.send("--event", "on_call_incoming", "--to", dead, "--kaleyra-key-file", str(self.key_file),
                                   "--retries", "0")
        self.assertEqual(code, 4)
        [result] = json.loads(out)
        self.assertEqual((result["status"], result["ok"]), (None, False))
        self.assertEqual((result["to"], result["error"]), (dead, f"cannot connect to 127.0.0.1:{port} (connection refused)"))
        self.assertEqual(len(err.splitlines()), 1)
        self.assertTrue(err.startswith("callctl: warning: "))

    def test_a_missing_secret_is_exit_5_and_unsigned_sends_none(self):
        for event, flag in (("on_call_incoming", "--kaleyra-key-file"), ("telephony_push", "--webex-secret-file")):
            with self.subTest(event=event):
                code, out, err = self.send("--event", event, "--to", self.to)
                self.assertEqual((code, out), (5, ""))
                self.assertIn(flag, err.splitlines()[1])
        self.assertEqual(self.received(), [])
        code, out, _ = self.send("--event", "on_call_incoming", "--to", self.to, "--unsigned")
        self.assertEqual(code, 0)
        self.assertEqual(json.loads(out)[0]["signature"], "none")
        self.assertNotIn("bandyer-signature", self.received()[0]["headers"])

    def test_usage_errors(self):
        for args, needle in ((["--event", "on_call_incoming"], "--to is required"),
                             (["--event", "on_x", "--to", self.to], "on_x"),
                             (["--event", "telephony_push", "--vendor", "kaleyra", "--to", self.to], "not kaleyra"),
                             (["--to", "ftp://x", "--event", "on_call_incoming"], "--to must be"),
                             ([str(self.write("s.json", SEED_001)), "--event", "on_call_incoming", "--to", self.to],
                              "not both"),
                             (["--callee", "x", "--to", self.to], "need --event")):
            with self.subTest(args=args):
                code, out, err = self.send(*args)
                self.assertEqual((code, out), (2, ""))
                self.assertIn(needle, err)

    def test_bad_bodies_are_exit_3(self):
        for body, needle in ((b"{nope", "is not JSON"), (b'{"hello":1}', "is not a Kaleyra or Webex webhook"),
                             (b"[" * 100000 + b"]" * 100000, "nests deeper"),
                             (b'{"event":"on_x","p":"' + b"x" * (1 << 20) + b'"}', "1 MiB")):
            with self.subTest(needle=needle):
                code, out, err = self.send(str(self.write("bad.json", body)), "--to", self.to,
                                           "--kaleyra-key-file", str(self.key_file))
                self.assertEqual((code, out), (3, ""))
                self.assertIn(needle, err)
        self.assertEqual(self.received(), [])

    # ------------------------------------------------------------------ secrets on screen, formats

    def test_dry_run_and_verbose_never_show_the_secret(self):
        code, out, err = self.send("--event", "on_call_incoming", "--to", self.to, "--kaleyra-key-file",
                                   str(self.key_file), "--dry-run")
        self.assertEqual((code, err), (0, ""))
        [line] = out.splitlines()
        self.assertTrue(line.startswith(f"curl -sS -X POST '{self.to}'"), line)
        self.assertRegex(line, r"-H 'bandyer-signature: t=\d+,v0=[0-9a-f]{64}'")
        self.assertNotIn(KEY, line)
        self.assertEqual(self.received(), [])

        code, out, err = self.send("--event", "telephony_push", "--to", self.to, "--webex-secret-file",
                                   str(self.secret_file), "-v")
        self.assertEqual(code, 0)
        self.assertNotIn(WEBEX_SECRET, err + out)
        signature = self.received()[0]["headers"]["x-spark-signature"]
        self.assertNotIn(signature, err)
        self.assertIn("X-Spark-Signature: ***", err)

    def test_ndjson_and_table(self):
        record = self.write("r.jsonl", "".join(
            json.dumps({"received_at": "t", "method": "POST", "path": "/", "headers": {}, "body": SEED_001.decode()}) + "\n"
            for _ in range(3)))
        code, out, _ = self.send(str(record), "--to", self.to, "--kaleyra-key-file", str(self.key_file), output="ndjson")
        self.assertEqual(code, 0)
        self.assertEqual([json.loads(line)["line"] for line in out.splitlines()], [1, 2, 3])
        code, out, _ = self.send(str(record), "--to", self.to, "--kaleyra-key-file", str(self.key_file), output="table")
        self.assertEqual(code, 0)
        lines = out.splitlines()
        self.assertEqual(lines[0].split(), ["LINE", "EVENT", "SIGNATURE", "STATUS", "MS", "TO"])
        self.assertEqual(len(lines), 4)
        self.assertEqual(lines[1].split()[:5], ["1", "kaleyra", "on_call_incoming", "kaleyra-v1", "ok"])


if __name__ == "__main__":
    unittest.main()
