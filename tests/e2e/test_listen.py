"""callctl listen: answers, signatures, records, output, TLS and options, over real loopback HTTP(S).

Each test starts `callctl listen`, waits (bounded) for its ready line, and talks to it with
http.client or raw sockets: every answer code of callctl(1)'s listen section, signatures (right,
wrong, missing, stale; Kaleyra v1 with t in seconds and in milliseconds, v0, Webex), the exact event
lines, --record lines, a body over 1 MiB refused unread, a reader of stdout that goes away, HTTPS.
Forwarding and load are in test_listen_delivery.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CALLCTL_BIN, clean_env, make_self_signed_cert, run_callctl  # noqa: E402
from listen_support import (ISO_MS, KALEYRA_KEY, READY, SEED_001, SEED_001_EVENT, WEBEX_BODY,  # noqa: E402
                            WEBEX_SECRET, Listen, ListenTestCase, incoming_body, kaleyra_signature,
                            webex_signature)


class AnswersTest(ListenTestCase):
    def test_ready_line_then_one_unchecked_event(self):
        listener = self.start()
        status, headers, body = listener.post(SEED_001)
        self.assertEqual((status, json.loads(body)), (200, {"ok": True, "event": "call.incoming"}))
        [event] = listener.events(1)
        self.assert_event(event, SEED_001_EVENT, "unchecked")
        listener.signal(signal.SIGTERM)
        self.assertEqual(listener.wait_exit(), 143)
        self.assertEqual(listener.remaining_stdout(), [])
        self.assertEqual(len(listener.stderr_lines), 1, listener.stderr_lines)  # the ready line, nothing else

    def test_every_refusal_code_prints_nothing_and_warns(self):
        listener = self.start("--kaleyra-key-file", str(self.key_file))
        now = int(time.time())
        cases = [
            ("GET", b"", {}, 405, "GET is not POST"),
            ("PUT", SEED_001, {}, 405, "PUT is not POST"),
            ("DELETE", b"", {}, 405, "DELETE is not POST"),
            ("POST", b"not json", {}, 400, "the body is not JSON"),
            ("POST", b"", {}, 400, "the body is empty"),
            ("POST", b'{"hello":"world"}', {}, 400, "cannot tell the vendor"),
            ("POST", b'{"type":"Call.StopIncoming","iotDeviceId":"d"}', {}, 400, "an intercom push is not a webhook"),
            ("POST", SEED_001, {}, 401, "with no bandyer-signature or room-id-hmac header"),
            ("POST", SEED_001, {"bandyer-signature": kaleyra_signature(SEED_001, now, "wrong key")}, 401,
             "signature does not match"),
            ("POST", SEED_001, {"bandyer-signature": kaleyra_signature(SEED_001 + b" ", now)}, 401, "signature does not match"),
            ("POST", SEED_001, {"bandyer-signature": kaleyra_signature(SEED_001, now - 301)}, 401,
             "signature is too old"),
            ("POST", SEED_001, {"bandyer-signature": kaleyra_signature(SEED_001, (now - 301) * 1000)}, 401,
             "signature is too old"),
            ("POST", SEED_001, {"bandyer-signature": kaleyra_signature(SEED_001, now + 400)}, 401, "from the future"),
            ("POST", SEED_001, {"bandyer-signature": "garbage"}, 401, "malformed Kaleyra signature"),
            ("POST", SEED_001, {"room-id-hmac": "00" * 32}, 401, "signature does not match"),
        ]
        for method, body, headers, code, reason in cases:
            with self.subTest(method=method, code=code, reason=reason):
                status, answer_headers, answer = listener.post(body, headers, method=method)
                self.assertEqual(status, code)
                if code == 405:
                    self.assertEqual(answer_headers.get("Allow"), "POST")
                self.assertIn(reason, json.loads(answer)["error"])
        lines = listener.wait_stderr(lambda lines: len(lines) > len(cases))
        self.assertEqual(len(lines), len(cases) + 1, lines)
        for line, (method, _, _, code, reason) in zip(lines[1:], cases):
            self.assertRegex(line, rf"^callctl: warning: refused {method} /webhook from 127\.0\.0\.1:\d+: {code} .*")
            self.assertIn(reason, line)
        listener.signal(signal.SIGINT)
        self.assertEqual(listener.wait_exit(), 130)
        self.assertEqual(listener.remaining_stdout(), [], "a refused request printed an event")

    def test_over_one_mib_is_413_without_reading_the_body(self):
        listener = self.start()
        with socket.create_connection(("127.0.0.1", listener.port), timeout=10) as sock:
            # Announce 2 GiB, send 64 KiB: the answer must not wait for the rest.
            sock.sendall(b"POST /big HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 2147483648\r\n\r\n" + b"a" * 65536)
            started = time.monotonic()
            answer = sock.recv(65536)
            self.assertLess(time.monotonic() - started, 5)
        self.assertTrue(answer.startswith(b"HTTP/1.1 413 "), answer)
        self.assertIn(b"Connection: close", answer)
        # Chunked: refused once the chunks pass 1 MiB.
        with socket.create_connection(("127.0.0.1", listener.port), timeout=10) as sock:
            sock.sendall(b"POST /chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            chunk = b"%x\r\n" % 65536 + b"a" * 65536 + b"\r\n"
            answer = b""
            for _ in range(40):  # 2.5 MiB if it kept reading
                try:
                    sock.sendall(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    break
                sock.settimeout(0.05)
                try:
                    answer += sock.recv(65536)
                    if answer:
                        break
                except socket.timeout:
                    pass
                sock.settimeout(10)
            sock.settimeout(10)
            while b"\r\n\r\n" not in answer:
                more = sock.recv(65536)
                if not more:
                    break
                answer += more
        self.assertTrue(answer.startswith(b"HTTP/1.1 413 "), answer)
        # Expect: 100-continue with a large length is refused before the body is sent.
        with socket.create_connection(("127.0.0.1", listener.port), timeout=10) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n")
            self.assertTrue(sock.recv(65536).startswith(b"HTTP/1.1 413 "))
        # Exactly 1 MiB of valid JSON is still taken.
        padded = json.loads(SEED_001)
        padded["pad"] = ""
        padded["pad"] = "x" * ((1 << 20) - len(json.dumps(padded, separators=(",", ":"))))
        body = json.dumps(padded, separators=(",", ":")).encode()
        self.assertEqual(len(body), 1 << 20)
        self.assertEqual(listener.post(body)[0], 200)
        [event] = listener.events(1)
        self.assertEqual(event["room_id"], "room_f61b4d202472")

    def test_bad_http_is_400_and_the_server_goes_on(self):
        listener = self.start()
        for raw in (b"GARBAGE\r\n\r\n", b"POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                    b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
                    b"POST / HTTP/1.1\r\n folded: header\r\n\r\n", b"POST / HTTP/2.0\r\n\r\n",
                    b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"):
            with self.subTest(raw=raw), socket.create_connection(("127.0.0.1", listener.port), timeout=10) as sock:
                sock.sendall(raw)
                self.assertTrue(sock.recv(65536).startswith(b"HTTP/1.1 400 "))
        with socket.create_connection(("127.0.0.1", listener.port), timeout=10) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nX: " + b"a" * 20000 + b"\r\n\r\n")
            self.assertTrue(sock.recv(65536).startswith(b"HTTP/1.1 431 "))
        self.assertEqual(listener.post(SEED_001)[0], 200)
        self.assertEqual(listener.events(1)[0]["room_id"], "room_f61b4d202472")

    def test_keep_alive_and_pipelining(self):
        listener = self.start()
        conn = listener.connection()
        self.addCleanup(conn.close)
        for n in range(5):
            conn.request("POST", f"/k{n}", body=incoming_body(n), headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            self.assertEqual(response.status, 200)
            response.read()
        events = listener.events(5)
        self.assertEqual([e["room_id"] for e in events], [f"room_{n}" for n in range(5)])
        self.assertEqual(len({e["request"]["remote"] for e in events}), 1, "one connection for all five")
        # Two requests in one write: both answered, in order.
        with socket.create_connection(("127.0.0.1", listener.port), timeout=10) as sock:
            one, two = incoming_body(100), incoming_body(101)
            sock.sendall(b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(one), one) +
                         b"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(two), two))
            answers = b""
            while True:
                more = sock.recv(65536)
                if not more:
                    break
                answers += more
        self.assertEqual(answers.count(b"HTTP/1.1 200 OK"), 2)
        self.assertEqual([e["room_id"] for e in listener.events(2)], ["room_100", "room_101"])


class SignatureTest(ListenTestCase):
    def test_kaleyra_v1_with_t_in_seconds_and_milliseconds(self):
        listener = self.start("--kaleyra-key-file", str(self.key_file))
        now = int(time.time())
        for t in (now, now * 1000 + 123, now - 299):
            with self.subTest(t=t):
                status, _, _ = listener.post(SEED_001, {"bandyer-signature": kaleyra_signature(SEED_001, t)})
                self.assertEqual(status, 200)
                [event] = listener.events(1)
                signed_at = event.pop("signed_at")
                if t > 10**11:
                    expected = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t // 1000)) + f".{t % 1000:03}Z"
                else:
                    expected = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
                self.assertEqual(signed_at, expected)
                self.assertEqual(event.pop("signature_scheme"), "kaleyra-v1")
                self.assert_event(event, SEED_001_EVENT, "verified")

    def test_kaleyra_v0_room_id_hmac(self):
        listener = self.start("--kaleyra-key-file", str(self.key_file))
        mac = hmac.new(KALEYRA_KEY.encode(), b"room_f61b4d202472", hashlib.sha256).hexdigest()
        self.assertEqual(listener.post(SEED_001, {"room-id-hmac": mac})[0], 200)
        [event] = listener.events(1)
        self.assertEqual(event.pop("signature_scheme"), "kaleyra-v0")
        self.assert_event(event, SEED_001_EVENT, "verified")
        # bandyer-signature wins when both are sent.
        self.assertEqual(listener.post(SEED_001, {"room-id-hmac": mac, "bandyer-signature": "t=1,v0=" + "00" * 32})[0], 401)

    def test_webex_right_wrong_missing(self):
        listener = self.start("--webex-secret-file", str(self._webex_secret_file()))
        good = webex_signature(WEBEX_BODY, WEBEX_SECRET)
        self.assertEqual(listener.post(WEBEX_BODY, {"X-Spark-Signature": good})[0], 200)
        [event] = listener.events(1)
        self.assertEqual((event["vendor"], event["event"], event["signature"], event["signature_scheme"]),
                         ("webex", "call.incoming", "verified", "webex"))
        self.assertEqual(event["actor_id"], "person_actor")
        self.assertEqual(event["created_by"], "person_creator")
        # webhookTelephonyPush arrives as JSON text and is shown decoded, as an object.
        self.assertEqual(event["fcm_payload"]["webhookTelephonyPush"], {"name": "Alice", "number": "+15550100", "pushId": "p1"})
        for headers, reason in (({"X-Spark-Signature": webex_signature(WEBEX_BODY, "other")}, "signature does not match"),
                                ({"X-Spark-Signature": webex_signature(WEBEX_BODY + b"\n", WEBEX_SECRET)},
                                 "signature does not match"),
                                ({}, "webex webhook with no X-Spark-Signature header"),
                                ({"X-Spark-Signature": "xyz"}, "malformed Webex signature")):
            with self.subTest(headers=headers):
                status, _, answer = listener.post(WEBEX_BODY, headers)
                self.assertEqual(status, 401)
                self.assertIn(reason, json.loads(answer)["error"])
        # The secret from the environment works the same.
        second = self.start(env={"CALLCTL_WEBEX_SECRET": WEBEX_SECRET})
        self.assertEqual(second.post(WEBEX_BODY, {"X-Spark-Signature": good})[0], 200)

    def _webex_secret_file(self) -> Path:
        path = self.tmp / "webex.secret"
        path.write_text(WEBEX_SECRET + "\n")
        return path

    def test_kaleyra_published_vector_with_tolerance_off(self):
        # Kaleyra's own example: key ak_live_123456, t=1554193902, body {"event":"test"}.
        vector = "t=1554193902,v0=6841e55cb12f2d9d1216c47097c75fd737a22a3a00c8d8f8d3d35fb2b613ce5b"
        listener = self.start("--tolerance", "0", env={"CALLCTL_KALEYRA_API_KEY": KALEYRA_KEY})
        status, _, _ = listener.post(b'{"event":"test"}', {"bandyer-signature": vector})
        self.assertEqual(status, 200)
        [event] = listener.events(1)
        event.pop("request")
        self.assertEqual(event, {"vendor": "kaleyra", "event": "test", "vendor_event": "test", "signature": "verified",
                                 "signature_scheme": "kaleyra-v1", "signed_at": "2019-04-02T08:31:42Z"})
        # With the default tolerance the same signature is a replay.
        second = self.start(env={"CALLCTL_KALEYRA_API_KEY": KALEYRA_KEY})
        self.assertEqual(second.post(b'{"event":"test"}', {"bandyer-signature": vector})[0], 401)

    def test_a_secret_for_one_vendor_leaves_the_other_unchecked(self):
        listener = self.start("--kaleyra-key-file", str(self.key_file))
        self.assertEqual(listener.post(WEBEX_BODY)[0], 200)
        [event] = listener.events(1)
        self.assertEqual((event["vendor"], event["event"], event["signature"]), ("webex", "call.incoming", "unchecked"))
        self.assertNotIn("signature_scheme", event)
        # The event is decode-push's normalisation of the same body, plus listen's members.
        rc, decoded, err = run_callctl(["decode-push", "-o", "json"], input=WEBEX_BODY.decode())
        self.assertEqual(rc, 0, err)
        event.pop("request")
        self.assertEqual(event, {**json.loads(decoded), "signature": "unchecked"})
        other = self.start("--webex-secret-file", str(self._webex_secret_file()))
        self.assertEqual(other.post(SEED_001)[0], 200)
        self.assertEqual(other.events(1)[0]["signature"], "unchecked")


class RecordTest(ListenTestCase):
    def test_record_has_one_line_per_request_refused_or_not(self):
        record = self.tmp / "requests.jsonl"
        record.write_text('{"earlier":"line"}\n')  # appended to, never truncated
        listener = self.start("--kaleyra-key-file", str(self.key_file), "--record", str(record))
        signature = kaleyra_signature(SEED_001, int(time.time()))
        self.assertEqual(listener.post(SEED_001, {"bandyer-signature": signature}, path="/a?b=c")[0], 200)
        self.assertEqual(listener.post(SEED_001, path="/unsigned")[0], 401)
        self.assertEqual(listener.post(b"\xff\xfe not utf-8", {"bandyer-signature": signature})[0], 400)
        self.assertEqual(listener.post(b"", method="GET", path="/probe")[0], 405)
        with socket.create_connection(("127.0.0.1", listener.port), timeout=10) as sock:
            sock.sendall(b"POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 5000000\r\n\r\n")
            self.assertTrue(sock.recv(4096).startswith(b"HTTP/1.1 413"))
        listener.events(1)
        listener.signal(signal.SIGTERM)
        self.assertEqual(listener.wait_exit(), 143)
        lines = record.read_text().splitlines()
        self.assertEqual(lines[0], '{"earlier":"line"}')
        entries = [json.loads(line) for line in lines[1:]]
        self.assertEqual(len(entries), 5)
        for entry in entries:
            self.assertRegex(entry.pop("received_at"), ISO_MS)
        port = listener.port
        common = {"host": f"127.0.0.1:{port}", "accept-encoding": "identity"}
        self.assertEqual(entries[0], {"method": "POST", "path": "/a?b=c",
                                      "headers": {**common, "content-length": str(len(SEED_001)),
                                                  "content-type": "application/json", "bandyer-signature": signature},
                                      "body": SEED_001.decode(), "status": 200})
        self.assertEqual((entries[1]["path"], entries[1]["status"], entries[1]["body"]), ("/unsigned", 401, SEED_001.decode()))
        self.assertEqual(entries[2]["body_base64"], base64.b64encode(b"\xff\xfe not utf-8").decode())
        self.assertNotIn("body", entries[2])
        self.assertEqual((entries[3]["method"], entries[3]["status"], entries[3]["body"]), ("GET", 405, ""))
        self.assertEqual(entries[4], {"method": "POST", "path": "/big",
                                      "headers": {"host": "h", "content-length": "5000000"}, "body_omitted": True,
                                      "status": 413})

    def test_a_new_record_file_is_private(self):
        record = self.tmp / "new.jsonl"
        listener = self.start("--record", str(record))
        self.assertEqual(listener.post(incoming_body(1))[0], 200)
        listener.events(1)
        self.assertEqual(record.stat().st_mode & 0o777, 0o600)


class OutputTest(ListenTestCase):
    def test_stdout_reader_gone_exits_141_quietly(self):
        proc = subprocess.Popen([CALLCTL_BIN, "listen"], env=clean_env(), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        ready = proc.stderr.readline().decode().strip()
        match = READY.match(ready)
        self.assertIsNotNone(match, ready)
        port = int(match.group(2))

        def post(n: int) -> int:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                conn.request("POST", "/", body=incoming_body(n), headers={"Content-Type": "application/json"})
                return conn.getresponse().status
            finally:
                conn.close()

        self.assertEqual(post(0), 200)
        self.assertEqual(json.loads(proc.stdout.readline())["room_id"], "room_0")
        proc.stdout.close()  # the reader goes away, as `| head -1` does
        for n in range(1, 50):  # the next line's write fails with EPIPE, and listen stops
            try:
                post(n)
            except OSError:
                break
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        self.assertEqual(proc.wait(20), 141)
        err = proc.stderr.read().decode()
        proc.stderr.close()
        self.assertNotIn("error", err)

    def test_a_record_file_that_cannot_be_written_is_reported_not_fatal(self):
        listener = self.start("--record", "/dev/full")
        for n in range(3):
            self.assertEqual(listener.post(incoming_body(n))[0], 200)
        self.assertEqual(len(listener.events(3)), 3)
        lines = listener.wait_stderr(lambda lines: len(lines) >= 2)
        self.assertEqual(lines[1], "callctl: warning: cannot append to --record /dev/full: No space left on device")
        self.assertEqual(len(lines), 2, "one notice a second, not one a request")


class TlsAndOptionsTest(ListenTestCase):
    def test_https(self):
        cert, key = make_self_signed_cert(self.tmp)
        listener = self.start("--tls-cert", str(cert), "--tls-key", str(key), "--kaleyra-key-file", str(self.key_file))
        self.assertEqual(listener.scheme, "https")
        listener.cafile = str(cert)
        signature = kaleyra_signature(SEED_001, int(time.time()) * 1000)
        self.assertEqual(listener.post(SEED_001, {"bandyer-signature": signature})[0], 200)
        [event] = listener.events(1)
        self.assertEqual(event["signature"], "verified")
        # Plain HTTP at the HTTPS port: a warning, and the server goes on.
        with socket.create_connection(("127.0.0.1", listener.port), timeout=10) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n\r\n")
            try:
                sock.recv(4096)
            except OSError:
                pass  # reset: there was no TLS to speak
        self.assertEqual(listener.post(SEED_001, {"bandyer-signature": signature})[0], 200)
        lines = listener.wait_stderr(lambda lines: len(lines) >= 2)
        self.assertIn("TLS handshake failed", lines[1])

    def test_usage_and_input_errors(self):
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        self.addCleanup(busy.close)
        cases = [
            (["--tls-cert", "c.pem"], 2, "--tls-cert and --tls-key go together"),
            (["--port", "70000"], 2, "--port must be 0..65535"),
            (["--tolerance", "-1"], 2, "--tolerance"),
            (["--forward-to", "ftp://x"], 2, "not an http:// or https:// URL"),
            (["--kaleyra-key-file", str(self.tmp / "missing")], 3, "missing"),
            (["--record", str(self.tmp / "no" / "such" / "dir.jsonl")], 3, "cannot open --record"),
            (["--port", str(busy.getsockname()[1])], 4, "cannot listen on 127.0.0.1"),
            (["--tls-cert", str(self.key_file), "--tls-key", str(self.key_file)], 3, "--tls-cert"),
        ]
        for args, code, message in cases:
            with self.subTest(args=args):
                proc = subprocess.run([CALLCTL_BIN, "listen", *args], env=clean_env(), capture_output=True, text=True,
                                      timeout=20, stdin=subprocess.DEVNULL)
                self.assertEqual(proc.returncode, code, proc.stderr)
                self.assertEqual(proc.stdout, "")
                self.assertTrue(proc.stderr.startswith("callctl: error: "), proc.stderr)
                self.assertIn(message, proc.stderr)

    def test_any_host_warns_without_secrets(self):
        listener = Listen(["--host", "0.0.0.0"])
        self.addCleanup(listener.close)
        lines = listener.wait_stderr(lambda lines: len(lines) >= 2)
        self.assertRegex(lines[0], r"^callctl: listening on http://0\.0\.0\.0:\d+$")
        self.assertTrue(lines[1].startswith("callctl: warning: listening on 0.0.0.0 with no --kaleyra-key-file"), lines)

if __name__ == "__main__":
    unittest.main()
