"""decode-push and encode-push end to end: the sandbox's encrypted intercom pushes (bare, FCM v1,
legacy FCM) decoded with its key from --key-file and CALLCTL_PUSH_KEY and checked against
`openssl enc -d`; missing and wrong keys; every malformed blob; the seed's Kaleyra example and its
webhook signature; Webex --extract; --stream over good and bad lines; encode → decode round trips;
answer --from-push on an encoded push; and the table summary."""

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import SOURCE_DIR, SandboxTestCase, run_callctl  # noqa: E402

KALEYRA_SEED = SOURCE_DIR / "tests" / "data" / "kaleyra_on_call_incoming.json"
KALEYRA_EXPECTED = (
    '{"vendor":"kaleyra","event":"call.incoming","vendor_event":"on_call_incoming","room_id":"room_f61b4d202472",'
    '"caller":"usr_123","callees":[{"user":"usr_123","status":"invited"},{"user":"usr_999","status":"invited"}],'
    '"call_type":"audio_upgradable","recording":{"enabled":true,"type":"automatic"},'
    '"created_at":"2022-05-26T09:04:38.097Z","live":true,"duration":0}')
WEBEX = ('{"id":"wh_1","name":"Firehose","targetUrl":"https://example.com/hook","resource":"telephony_push",'
         '"event":"updated","orgId":"org_1","createdBy":"person_1","appId":"app_1","ownedBy":"org",'
         '"status":"active","created":"2024-01-02T03:04:05.000Z","actorId":"person_2",'
         '"data":{"apnsPayload":{"zz":1,"aa":{"k":"v"}},"fcmPayload":{"zeta":"1",  "alpha":"2"}}}')
OTHER_KEY = "11" * 32
KALEYRA_VECTOR_MAC = "6841e55cb12f2d9d1216c47097c75fd737a22a3a00c8d8f8d3d35fb2b613ce5b"  # Kaleyra's published example

# A telephony_push webhook in the shape of Cisco's guide, with every field public material names.
TELEPHONY_PUSH = ('{"name":"Alice Example","number":"+14085550100","pushId":"push_7",'
                  '"externalTrackingId":"CI_1234","version":"1.0"}')
WEBEX_REAL = json.dumps({
    "id": "wh_9", "name": "Webex Calling XYZ Firehose", "targetUrl": "https://example.com/message-events",
    "resource": "telephony_push", "event": "updated", "filter": "orgId=org_1", "orgId": "org_1",
    "createdBy": "person_9", "appId": "app_1", "ownedBy": "org", "status": "active",
    "created": "2024-01-02T03:04:05.000Z", "actorId": "person_2",
    "data": {"id": "res_1", "callId": "call_5", "personId": "person_2", "personEmail": "bob@example.com",
             "state": "alerting", "created": "2024-06-01T10:00:00.000Z",
             "apnsPayload": {"aps": {}, "webhookTelephonyPush": TELEPHONY_PUSH},
             "fcmPayload": {"webhookTelephonyPush": TELEPHONY_PUSH}}}, separators=(",", ":"))
WEBEX_REAL_EXPECTED = (
    '{"vendor":"webex","event":"call.incoming","vendor_event":"telephony_push:updated","webhook_id":"wh_9",'
    '"webhook_name":"Webex Calling XYZ Firehose","actor_id":"person_2","created_by":"person_9","org_id":"org_1",'
    '"app_id":"app_1","owned_by":"org","status":"active","created":"2024-01-02T03:04:05.000Z",'
    '"target_url":"https://example.com/message-events","filter":"orgId=org_1","resource_id":"res_1",'
    '"call_id":"call_5","person_id":"person_2","person_email":"bob@example.com","call_state":"alerting",'
    '"resource_created":"2024-06-01T10:00:00.000Z","telephony_push":{"name":"Alice Example",'
    '"number":"+14085550100","push_id":"push_7","external_tracking_id":"CI_1234","version":"1.0"},'
    '"fcm_payload":{"webhookTelephonyPush":' + TELEPHONY_PUSH + '},'
    '"apns_payload":{"aps":{},"webhookTelephonyPush":' + TELEPHONY_PUSH + '}}')


def openssl_open(key_hex: str, blob: str) -> dict:
    """What a user would script: base64 -d, split the IV, openssl enc -d."""
    raw = base64.b64decode(blob)
    done = subprocess.run(["openssl", "enc", "-d", "-aes-256-cbc", "-K", key_hex, "-iv", raw[:16].hex()],
                          input=raw[16:], capture_output=True, timeout=30, check=True)
    return json.loads(done.stdout)


def data_map(payload: dict) -> dict:
    if "message" in payload:
        return payload["message"]["data"]
    return payload.get("data", payload)


class DecodePushTest(SandboxTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key_hex = cls.sb.push_key_hex
        cls.tmp = tempfile.TemporaryDirectory(prefix="callctl-push-")
        cls.dir = Path(cls.tmp.name)
        cls.key_file = cls.write("push.key", cls.key_hex + "\n")
        cls.other_key_file = cls.write("other.key", OTHER_KEY)
        cls.addClassCleanup(cls.tmp.cleanup)

    @classmethod
    def write(cls, name, content):
        path = cls.dir / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        return str(path)

    def sandbox_push(self, wrap="none", device="dev_42"):
        return self.sb.admin("POST", "/_sandbox/push/incoming", {"iotDeviceId": device, "wrap": wrap})

    def decode(self, *args, env=None, input=None):
        return run_callctl(["decode-push", *args], env=env, input=input)

    def assert_one_error(self, code, out, err, expected_code, fragment):
        self.assertEqual(code, expected_code, err)
        self.assertEqual(out, "")
        lines = [line for line in err.splitlines() if not line.startswith("callctl: hint:")]
        self.assertEqual(len(lines), 1, err)
        self.assertTrue(lines[0].startswith("callctl: error: "), err)
        self.assertIn(fragment, lines[0])

    def crafted(self, video):
        """An intercom push whose video blob is whatever the test needs."""
        return self.write("crafted.json", json.dumps({"type": "Call.Incoming", "iotDeviceId": "dev_42", "video": video}))

    # ---- the sandbox's pushes
    def check_decoded(self, decoded, push):
        data = data_map(push)
        self.assertEqual(list(decoded), ["vendor", "event", "vendor_event", "iot_device_id", "call_id", "video", "audio"])
        self.assertEqual(decoded["vendor"], "intercom")
        self.assertEqual(decoded["event"], "call.incoming")
        self.assertEqual(decoded["vendor_event"], "Call.Incoming")
        self.assertEqual(decoded["iot_device_id"], "dev_42")
        self.assertEqual(decoded["call_id"], data["callId"])
        self.assertEqual(decoded["video"], openssl_open(self.key_hex, data["video"]))
        self.assertEqual(decoded["video"]["url"], "https://sandbox.example/video/dev_42")
        self.assertEqual(decoded["video"]["username"], "door")
        audio = decoded["audio"]
        sent_audio = openssl_open(self.key_hex, data["audio"])
        self.assertEqual({k: v for k, v in audio.items() if k != "jwt"}, sent_audio)
        self.assertTrue(audio["roomName"].startswith("room_"))
        self.assertEqual(audio["domain"], "meet.sandbox.example")
        jwt = audio["jwt"]
        self.assertEqual(list(jwt), ["verified", "header", "claims", "expires_at", "expired"])
        self.assertIs(jwt["verified"], False)
        self.assertEqual(jwt["header"]["alg"], "HS256")
        claims = jwt["claims"]
        self.assertEqual(claims["room"], audio["roomName"])
        self.assertEqual(claims["iss"], "callctl-sandbox")
        self.assertEqual(claims["exp"] - claims["iat"], 3600)
        self.assertEqual(jwt["expires_at"], time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(claims["exp"])))
        self.assertIs(jwt["expired"], False)

    def test_sandbox_push_every_wrap_with_key_file(self):
        for wrap in ("none", "fcm-v1", "fcm-legacy"):
            with self.subTest(wrap=wrap):
                push = self.sandbox_push(wrap)
                code, out, err = self.decode(self.write("push.json", json.dumps(push)), "--key-file", self.key_file,
                                             "-o", "json")
                self.assertEqual((code, err), (0, ""))
                self.assertEqual(out.count("\n"), 1)  # compact when piped
                self.check_decoded(json.loads(out), push)

    def test_key_from_environment_and_stdin_payload(self):
        push = self.sandbox_push("fcm-v1")
        code, out, err = self.decode("-o", "json", env={"CALLCTL_PUSH_KEY": self.key_hex}, input=json.dumps(push))
        self.assertEqual((code, err), (0, ""))
        self.check_decoded(json.loads(out), push)
        # base64 works as well as hex
        b64 = base64.b64encode(bytes.fromhex(self.key_hex)).decode()
        code, out2, err = self.decode("-", "-o", "json", env={"CALLCTL_PUSH_KEY": b64}, input=json.dumps(push))
        self.assertEqual((code, out2), (0, out), err)

    def test_without_key_warns_and_require_decrypt_fails(self):
        path = self.write("push.json", json.dumps(self.sandbox_push()))
        code, out, err = self.decode(path, "-o", "json")
        self.assertEqual(code, 0, err)
        decoded = json.loads(out)
        self.assertEqual(decoded["video"]["encrypted"], True)
        self.assertGreater(decoded["video"]["ciphertext_bytes"], 0)
        self.assertEqual(decoded["audio"]["encrypted"], True)
        self.assertEqual(err.splitlines(),
                         ["callctl: warning: video, audio stayed encrypted: no key (use --key-file or CALLCTL_PUSH_KEY)"])
        code, out, err = self.decode(path, "--require-decrypt", "-o", "json")
        self.assert_one_error(code, out, err, 9, "video, audio stayed encrypted: no key")
        # with the key, --require-decrypt is satisfied
        code, _, err = self.decode(path, "--require-decrypt", "--key-file", self.key_file, "-o", "json")
        self.assertEqual((code, err), (0, ""))

    def test_wrong_key(self):
        path = self.write("push.json", json.dumps(self.sandbox_push()))
        code, out, err = self.decode(path, "--key-file", self.other_key_file, "-o", "json")
        self.assert_one_error(code, out, err, 9, "wrong key or corrupted payload")

    def test_bad_blobs(self):
        cases = {
            "truncated": (base64.b64encode(os.urandom(20)).decode(), 9),
            "not block-sized": (base64.b64encode(os.urandom(16 + 17)).decode(), 9),
            "bad base64": ("not*base64!", 9),
        }
        for name, (blob, expected) in cases.items():
            with self.subTest(name):
                code, out, err = self.decode(self.crafted(blob), "--key-file", self.key_file, "-o", "json")
                self.assert_one_error(code, out, err, expected, "cannot decrypt video")

    def test_bad_inputs(self):
        push = self.write("push.json", json.dumps(self.sandbox_push()))
        short_key = self.write("short.key", "00" * 16)
        code, out, err = self.decode(push, "--key-file", short_key)
        self.assert_one_error(code, out, err, 3, "push key must be 32 bytes")
        self.assertNotIn("00" * 16, err)
        code, out, err = self.decode(push, env={"CALLCTL_PUSH_KEY": "abc"})
        self.assert_one_error(code, out, err, 3, "CALLCTL_PUSH_KEY: push key must be 32 bytes")
        code, out, err = self.decode(self.write("bad.json", '{"type": Call.Incoming}'))
        self.assert_one_error(code, out, err, 3, "push payload is not JSON")
        code, out, err = self.decode(self.write("other.json", '{"hello":"world"}'))
        self.assert_one_error(code, out, err, 3, "unknown push payload: cannot tell the vendor (use --vendor)")
        code, out, err = self.decode(self.write("missing.json", "x"), "--vendor", "mystery")
        self.assertEqual((code, out), (2, ""), err)
        code, out, err = self.decode("--key-file", "-", input=json.dumps(self.sandbox_push()))
        self.assert_one_error(code, out, err, 2, "--key-file - and the payload cannot both come from standard input")
        code, out, err = self.decode(str(self.dir / "no-such-file.json"))
        self.assert_one_error(code, out, err, 3, "no-such-file.json")

    # ---- Kaleyra and Webex
    def test_kaleyra_seed_example(self):
        code, out, err = self.decode(str(KALEYRA_SEED), "-o", "json")
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out, KALEYRA_EXPECTED + "\n")

    def test_kaleyra_signature(self):
        body = KALEYRA_SEED.read_bytes()
        secret = "company-api-key"
        secret_file = self.write("kaleyra.secret", secret + "\n")
        t = str(int(time.time()))
        mac = hmac.new(secret.encode(), t.encode() + b"." + body, hashlib.sha256).hexdigest()
        code, out, err = self.decode(str(KALEYRA_SEED), "--signature", f"t={t},v0={mac}", "--secret-file",
                                     secret_file, "-o", "json")
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(json.loads(out)["signature"]["verified"], True)
        # the header name may come along; stdin bytes count exactly like a file's
        code, out, err = self.decode("--signature", f"bandyer-signature: t={t},v0={mac}", "--secret-file",
                                     secret_file, "-o", "json", input=body)
        self.assertEqual((code, err), (0, ""))
        # any change to the body breaks it: here one trailing newline
        code, out, err = self.decode("--signature", f"t={t},v0={mac}", "--secret-file", secret_file, input=body + b"\n")
        self.assert_one_error(code, out, err, 9, "signature does not match")
        code, out, err = self.decode(str(KALEYRA_SEED), "--signature", f"t={t},v0={'0' * 64}", "--secret-file",
                                     secret_file)
        self.assert_one_error(code, out, err, 9, "signature does not match")
        code, out, err = self.decode(str(KALEYRA_SEED), "--signature", f"t={t},v0={mac}")
        self.assertEqual((code, out), (2, ""), err)

    def test_webex_extract(self):
        path = self.write("webex.json", WEBEX)
        # byte for byte: the payload's own spacing is kept
        code, out, err = self.decode(path, "--extract", "fcm")
        self.assertEqual((code, out, err), (0, '{"zeta":"1",  "alpha":"2"}\n', ""))
        code, out, err = self.decode(path, "--extract", "APNS", "-o", "table")
        self.assertEqual((code, out, err), (0, '{"zz":1,"aa":{"k":"v"}}\n', ""))
        code, out, err = self.decode(str(KALEYRA_SEED), "--extract", "fcm")
        self.assertEqual((code, out), (2, ""), err)

    def test_webex_real_shaped_webhook(self):
        path = self.write("webex_real.json", WEBEX_REAL)
        code, out, err = self.decode(path, "-o", "json")
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out, WEBEX_REAL_EXPECTED + "\n")
        # the forwarded payload keeps webhookTelephonyPush as the JSON text Webex sent
        code, out, err = self.decode(path, "--extract", "fcm")
        self.assertEqual((code, out, err), (0, json.dumps({"webhookTelephonyPush": TELEPHONY_PUSH},
                                                          separators=(",", ":")) + "\n", ""))
        code, out, err = self.decode(path, "-o", "table", env={"COLUMNS": "100"})
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out.splitlines()[2:11], [
            "Actor:         person_2",
            "Created by:    person_9",
            "Person:        bob@example.com",
            "Org:           org_1",
            "Call id:       call_5",
            "Call state:    alerting",
            "Caller:        Alice Example (+14085550100)",
            "Push id:       push_7",
            "Tracking id:   CI_1234",
        ])

    def test_webex_signature(self):
        body = WEBEX_REAL.encode()
        path = self.write("webex_signed.json", body)
        secret_file = self.write("webex.secret", "whsecret\n")
        mac = subprocess.run(["openssl", "dgst", "-sha1", "-hmac", "whsecret", "-r", path], capture_output=True,
                             text=True, timeout=30, check=True).stdout.split()[0]
        for value in (mac, "X-Spark-Signature: " + mac, mac.upper()):
            code, out, err = self.decode(path, "--signature", value, "--secret-file", secret_file, "-o", "json")
            self.assertEqual((code, err), (0, ""))
            self.assertEqual(json.loads(out)["signature"], {"verified": True, "scheme": "webex"})
        code, out, err = self.decode("--signature", mac, "--secret-file", secret_file, input=body + b" ")
        self.assert_one_error(code, out, err, 9, "signature does not match")
        code, out, err = self.decode(path, "--signature", "0" * 40, "--secret-file", secret_file)
        self.assertEqual((code, out, err), (9, "", "callctl: error: signature does not match\n"))
        code, out, err = self.decode(path, "--signature", "0" * 64, "--secret-file", secret_file)
        self.assertEqual((code, out, err), (2, "", "callctl: error: malformed Webex signature: expected 40 hex digits "
                                                   "(X-Spark-Signature, HMAC-SHA1)\n"))
        # intercom pushes have no signature to check
        code, out, err = self.decode("--signature", mac, "--secret-file", secret_file,
                                     input=json.dumps({"type": "Call.StopIncoming", "iotDeviceId": "d"}))
        self.assertEqual((code, out, err), (2, "", "callctl: error: --signature applies to Kaleyra and Webex webhooks "
                                                   "only, this is intercom\n"))

    def sandbox_webhook(self, vendor, body):
        status, headers, data = self.sb.request("POST", f"/_sandbox/push/{vendor}", body)
        self.assertEqual(status, 200, data)
        return {k.lower(): v for k, v in headers.items()}, data

    def test_the_sandboxs_signed_webhooks(self):
        headers, data = self.sandbox_webhook("webex", {"secret": "whsecret", "actorId": "person_2", "createdBy": "person_9",
                                                       "name": "Carol", "number": "+15551234"})
        path = self.write("sandbox_webex.json", data)
        secret_file = self.write("sandbox_webex.secret", "whsecret")
        code, out, err = self.decode(path, "--signature", headers["x-spark-signature"], "--secret-file", secret_file,
                                     "-o", "json")
        self.assertEqual((code, err), (0, ""))
        decoded = json.loads(out)
        sent = json.loads(data)
        self.assertEqual(decoded["signature"], {"verified": True, "scheme": "webex"})
        self.assertEqual((decoded["actor_id"], decoded["created_by"]), ("person_2", "person_9"))
        push = json.loads(sent["data"]["fcmPayload"]["webhookTelephonyPush"])
        self.assertEqual(decoded["telephony_push"], {"name": "Carol", "number": "+15551234", "push_id": push["pushId"],
                                                     "external_tracking_id": push["externalTrackingId"],
                                                     "version": "1.0"})
        self.assertEqual(decoded["fcm_payload"]["webhookTelephonyPush"], push)
        code, out, err = self.decode(path, "--extract", "fcm")
        self.assertEqual((code, out, err), (0, json.dumps(sent["data"]["fcmPayload"], separators=(",", ":")) + "\n", ""))

        key_file = self.write("sandbox_kaleyra.key", "company-key")
        for request, scheme in (({}, "kaleyra-v1"), ({"t": "ms"}, "kaleyra-v1"), ({"signature": "v0"}, "kaleyra-v0")):
            with self.subTest(request=request):
                headers, data = self.sandbox_webhook("kaleyra", {"secret": "company-key", **request})
                path = self.write("sandbox_kaleyra.json", data)
                value = headers.get("bandyer-signature") or headers["room-id-hmac"]
                code, out, err = self.decode(path, "--signature", value, "--secret-file", key_file,
                                             "--tolerance", "300", "-o", "json")
                self.assertEqual((code, err), (0, ""))
                decoded = json.loads(out)
                self.assertEqual(decoded["signature"]["scheme"], scheme)
                self.assertEqual(decoded["room_id"], json.loads(data)["room_id"])
                if request.get("t") == "ms":
                    self.assertRegex(decoded["signature"]["signed_at"], r"\.\d{3}Z$")

    def test_kaleyra_published_vector_in_seconds_and_milliseconds(self):
        body = b'{"event":"test"}'
        path = self.write("kaleyra_test.json", body)
        key_file = self.write("kaleyra_vector.key", "ak_live_123456")
        code, out, err = self.decode(path, "--vendor", "kaleyra", "--signature", "t=1554193902,v0=" + KALEYRA_VECTOR_MAC,
                                     "--secret-file", key_file, "-o", "json")
        self.assertEqual(code, 0, err)
        self.assertEqual(out, '{"vendor":"kaleyra","event":"test","vendor_event":"test","signature":{"verified":true,'
                              '"scheme":"kaleyra-v1","signed_at":"2019-04-02T08:31:42Z"}}\n')
        self.assertRegex(err, r"^callctl: warning: the signature was made \d+ s before now: check for a replayed "
                              r"webhook \(--tolerance SEC refuses it\)\n$")
        t_ms = "1554193902123"
        mac = hmac.new(b"ak_live_123456", t_ms.encode() + b"." + body, hashlib.sha256).hexdigest()
        code, out, err = self.decode(path, "--vendor", "kaleyra", "--signature", f"bandyer-signature: t={t_ms},v0={mac}",
                                     "--secret-file", key_file, "-o", "json")
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["signature"]["signed_at"], "2019-04-02T08:31:42.123Z")

    def test_kaleyra_tolerance(self):
        body = KALEYRA_SEED.read_bytes()
        secret_file = self.write("kaleyra.secret", "company-api-key\n")

        def signed(t):
            mac = hmac.new(b"company-api-key", str(t).encode() + b"." + body, hashlib.sha256).hexdigest()
            return f"t={t},v0={mac}"

        now = int(time.time())
        code, out, err = self.decode(str(KALEYRA_SEED), "--signature", signed(now), "--secret-file", secret_file,
                                     "--tolerance", "300", "-o", "json")
        self.assertEqual((code, err), (0, ""))
        code, out, err = self.decode(str(KALEYRA_SEED), "--signature", signed(now * 1000), "--secret-file", secret_file,
                                     "--tolerance", "300", "-o", "json")
        self.assertEqual((code, err), (0, ""))
        code, out, err = self.decode(str(KALEYRA_SEED), "--signature", signed(now - 3600), "--secret-file", secret_file,
                                     "--tolerance", "300")
        self.assertEqual((code, out), (9, ""))
        self.assertRegex(err, r"^callctl: error: signature is too old: made 36\d\d s before now, over the tolerance of "
                              r"300 s\ncallctl: hint: a valid signature on an old body is how a replayed webhook looks\n$")
        code, out, err = self.decode(str(KALEYRA_SEED), "--signature", signed(now + 3600), "--secret-file", secret_file,
                                     "--tolerance", "300")
        self.assertEqual((code, out), (9, ""))
        self.assertRegex(err, r"^callctl: error: signature is from the future: made 3[56]\d\d s after now")
        # off by default, and 0 turns it off
        for extra in ([], ["--tolerance", "0"]):
            code, out, err = self.decode(str(KALEYRA_SEED), "--signature", signed(now - 3600), "--secret-file",
                                         secret_file, *extra, "-o", "json")
            self.assertEqual(code, 0, err)
        code, out, err = self.decode(str(KALEYRA_SEED), "--tolerance", "300")
        self.assertEqual((code, out), (2, ""))
        self.assertEqual(err.splitlines()[0], "callctl: error: --tolerance needs --signature")
        code, out, err = self.decode(str(KALEYRA_SEED), "--signature", signed(now), "--secret-file", secret_file,
                                     "--tolerance", "-1")
        self.assertEqual((code, out), (2, ""))

    def test_hostile_nesting_is_one_error_line_not_a_crash(self):
        deep = "[" * 100000 + "]" * 100000
        for body in ('{"event":"on_x","data":' + deep + '}',
                     '{"resource":"telephony_push","data":{"fcmPayload":' + deep + '}}'):
            code, out, err = self.decode("-o", "json", input=body)
            self.assertEqual((code, out, err), (3, "", "callctl: error: push payload nests deeper than 256 levels\n"))
        # deep JSON text inside a value stays text
        body = json.dumps({"resource": "telephony_push", "data": {"fcmPayload": {"webhookTelephonyPush": deep}}})
        code, out, err = self.decode("-o", "json", input=body)
        self.assertEqual((code, err), (0, "callctl: warning: webhookTelephonyPush nests deeper than 256 levels; "
                                          "it is shown as sent\n"))
        self.assertEqual(json.loads(out)["fcm_payload"]["webhookTelephonyPush"], deep)

    def test_kaleyra_room_id_hmac(self):
        secret_file = self.write("kaleyra.secret", "company-api-key\n")
        mac = hmac.new(b"company-api-key", b"room_f61b4d202472", hashlib.sha256).hexdigest()
        for value in (mac, "room-id-hmac: " + mac):
            code, out, err = self.decode(str(KALEYRA_SEED), "--signature", value, "--secret-file", secret_file,
                                         "-o", "json")
            self.assertEqual((code, err), (0, ""))
            self.assertEqual(json.loads(out)["signature"], {"verified": True, "scheme": "kaleyra-v0"})
        code, out, err = self.decode(str(KALEYRA_SEED), "--signature", "f" * 64, "--secret-file", secret_file)
        self.assertEqual((code, out, err), (9, "", "callctl: error: signature does not match\n"))

    # ---- --stream
    def test_stream_mixes_good_and_bad_lines(self):
        good = json.dumps(self.sandbox_push())
        wrong_key = json.dumps({"type": "Call.Incoming", "iotDeviceId": "d",
                                "video": base64.b64encode(os.urandom(48)).decode()})
        lines = [good, "", "{not json", wrong_key, KALEYRA_SEED.read_text().replace("\n", ""), "  ",
                 '{"hello":1}', json.dumps(self.sandbox_push("fcm-legacy"))]
        code, out, err = self.decode("--stream", "--key-file", self.key_file, "-o", "json",
                                     input="\r\n".join(lines) + "\n")
        self.assertEqual(code, 3, err)  # bad input (3) ranks worse than a decrypt failure (9)
        rows = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(len(rows), 6)
        self.assertEqual(rows[0]["video"]["username"], "door")
        self.assertEqual((rows[1]["line"], rows[1]["exit_code"]), (3, 3))
        self.assertEqual(list(rows[1]), ["error", "exit_code", "line"])
        self.assertEqual((rows[2]["line"], rows[2]["exit_code"]), (4, 9))
        self.assertIn("wrong key or corrupted payload", rows[2]["error"])
        self.assertEqual(json.dumps(rows[3], separators=(",", ":")), KALEYRA_EXPECTED)
        self.assertEqual((rows[4]["line"], rows[4]["exit_code"]), (7, 3))
        self.assertEqual(rows[5]["iot_device_id"], "dev_42")
        self.assertEqual(err, "")

        # only decrypt failures: exit 9; no key + --require-decrypt turns each line into an error
        code, out, err = self.decode("--stream", "--key-file", self.key_file, input=good + "\n" + wrong_key)
        self.assertEqual(code, 9, err)
        code, out, err = self.decode("--stream", "--require-decrypt", input=good + "\n" + good + "\n")
        self.assertEqual(code, 9, err)
        self.assertEqual([json.loads(line)["line"] for line in out.splitlines()], [1, 2])

    def test_stream_without_key_caps_warnings(self):
        good = json.dumps(self.sandbox_push())
        code, out, err = self.decode("--stream", input=(good + "\n") * 25)
        self.assertEqual(code, 0, err)
        self.assertEqual(len(out.splitlines()), 25)
        warnings = err.splitlines()
        self.assertEqual(len(warnings), 11)
        self.assertTrue(warnings[0].startswith("callctl: warning: line 1: video, audio stayed encrypted"))
        self.assertEqual(warnings[-1], "callctl: warning: 15 more warnings not shown")

    def test_stream_table_lines(self):
        good = json.dumps(self.sandbox_push())
        code, out, err = self.decode("--stream", "--key-file", self.key_file, "-o", "table",
                                     input=good + "\n{bad\n" + KALEYRA_SEED.read_text().replace("\n", ""))
        self.assertEqual(code, 3, err)
        self.assertEqual(out.splitlines()[0], "1  intercom  call.incoming  dev_42  video+audio decrypted")
        self.assertTrue(out.splitlines()[1].startswith("2  error  push payload is not JSON"))
        self.assertEqual(out.splitlines()[2], "3  kaleyra  call.incoming  room_f61b4d202472  caller usr_123")

    # ---- encode-push
    def test_encode_decode_round_trip_every_wrap(self):
        video = {"url": "https://cam.example/v", "username": "door", "password": "s3cret"}
        audio = {"roomName": "room-7", "domain": "meet.example", "jsonWebToken": "x.y.z"}
        video_file = self.write("video.json", json.dumps(video, indent=2))
        audio_file = self.write("audio.json", json.dumps(audio))
        for wrap in ("none", "fcm-v1", "fcm-legacy", "apns"):
            with self.subTest(wrap=wrap):
                code, payload, err = run_callctl(["encode-push", "--type", "incoming", "--device", "dev_7",
                                                  "--call-id", "c-1", "--video-file", video_file, "--audio-file",
                                                  audio_file, "--key-file", self.key_file, "--wrap", wrap])
                self.assertEqual((code, err), (0, ""))
                self.assertEqual(payload.count("\n"), 1)
                code, out, err = self.decode("--key-file", self.key_file, "-o", "json", input=payload)
                self.assertEqual(code, 0, err)
                decoded = json.loads(out)
                self.assertEqual(decoded["iot_device_id"], "dev_7")
                self.assertEqual(decoded["call_id"], "c-1")
                self.assertEqual(decoded["video"], video)
                self.assertEqual(decoded["audio"]["roomName"], "room-7")
                # the sandbox's key decrypts it with openssl too: an app would read it
                self.assertEqual(openssl_open(self.key_hex, data_map(json.loads(payload))["video"]), video)

        # a stop push needs no key
        code, payload, err = run_callctl(["encode-push", "--type", "STOP", "--device", "dev_7", "--wrap", "fcm-v1"])
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(json.loads(payload)["message"]["data"], {"type": "Call.StopIncoming", "iotDeviceId": "dev_7"})
        code, out, _ = self.decode("-o", "json", input=payload)
        self.assertEqual(json.loads(out)["event"], "call.stop")

    def test_encode_push_errors(self):
        list_file = self.write("list.json", "[1, 2]")
        code, out, err = run_callctl(["encode-push", "--type", "incoming", "--device", "d", "--video-file", list_file,
                                      "--key-file", self.key_file])
        self.assert_one_error(code, out, err, 3, "--video-file")
        video_file = self.write("video2.json", '{"url":"u"}')
        code, out, err = run_callctl(["encode-push", "--type", "incoming", "--device", "d", "--video-file", video_file])
        self.assertEqual((code, out), (2, ""), err)
        code, out, err = run_callctl(["encode-push", "--type", "ring", "--device", "d"])
        self.assertEqual((code, out), (2, ""), err)

    def test_answer_from_encoded_push(self):
        code, payload, err = run_callctl(["encode-push", "--type", "stop", "--device", "dev_43", "--wrap", "fcm-legacy"])
        self.assertEqual(code, 0, err)
        env = {"CALLCTL_GRAPHQL_URL": self.sb.url("/graphql"), "CALLCTL_TOKEN": self.sb.access_token()}
        code, out, err = run_callctl(["answer", "--from-push", self.write("enc.json", payload), "-o", "json"], env=env)
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out), {"answerIncomingCall": {"__typename": "AnswerIncomingCallPayload"}})

    # ---- table
    def test_table_summary(self):
        push = self.sandbox_push()
        code, out, err = self.decode("--key-file", self.key_file, "-o", "table", input=json.dumps(push),
                                     env={"COLUMNS": "100"})
        self.assertEqual((code, err), (0, ""))
        lines = out.splitlines()
        self.assertEqual(lines[0], "Vendor:     intercom")
        self.assertEqual(lines[1], "Event:      call.incoming (Call.Incoming)")
        self.assertEqual(lines[2], "Device:     dev_42")
        self.assertEqual(lines[3], "Call id:    " + push["callId"])
        self.assertEqual(lines[4], "Video:      decrypted: https://sandbox.example/video/dev_42 (user door)")
        self.assertRegex(lines[5], r"^Audio:      decrypted: room room_[0-9a-f]+ on meet\.sandbox\.example$")
        self.assertRegex(lines[6], r"^Audio JWT:  not verified; expires \S+ \(in (59m|1h 0m)")
        self.assertEqual(len(lines), 7)
        self.assertTrue(all(len(line) <= 100 for line in lines))
        # the password stays out of the summary
        password = openssl_open(self.key_hex, push["video"])["password"]
        self.assertNotIn(password, out)

        code, out, err = self.decode("-o", "table", input=json.dumps(push))
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"\nVideo: +stayed encrypted \(96 bytes; give --key-file or CALLCTL_PUSH_KEY\)\n")


if __name__ == "__main__":
    unittest.main()
