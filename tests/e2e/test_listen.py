"""callctl listen: the webhook receiver, over real loopback HTTP(S).

Each test starts `callctl listen`, waits (bounded) for its ready line, and talks to it with
http.client or raw sockets: every answer code of callctl(1)'s listen section, signatures (right,
wrong, missing, stale; Kaleyra v1 with t in seconds and in milliseconds), the exact event lines,
forwarding (exact bytes and headers, at a small Python server here), --record lines, load (1000
events from 32 clients, none lost or doubled), a byte-a-second client cut off while others are
served, a body over 1 MiB refused unread, SIGTERM under load, --max-events, HTTPS.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import queue
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from harness import (CALLCTL_BIN, SOURCE_DIR, TempHome, check_sanitizer_report, clean_env,  # noqa: E402
                     make_self_signed_cert, run_callctl)

READY_TIMEOUT = 10  # seconds for the ready line
EXIT_TIMEOUT = 20  # seconds for a clean stop
KALEYRA_KEY = "ak_live_123456"  # Kaleyra's published test vector key
SEED_001 = (SOURCE_DIR / "tests" / "data" / "kaleyra_on_call_incoming.json").read_bytes()
READY = re.compile(r"^callctl: listening on (https?)://127\.0\.0\.1:(\d+)$")
ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
REMOTE = re.compile(r"^127\.0\.0\.1:\d+$")

# decode-push's normalisation of seed 001 (tests/data/kaleyra_on_call_incoming.json).
SEED_001_EVENT = {
    "vendor": "kaleyra", "event": "call.incoming", "vendor_event": "on_call_incoming", "room_id": "room_f61b4d202472",
    "caller": "usr_123", "callees": [{"user": "usr_123", "status": "invited"}, {"user": "usr_999", "status": "invited"}],
    "call_type": "audio_upgradable", "recording": {"enabled": True, "type": "automatic"},
    "created_at": "2022-05-26T09:04:38.097Z", "live": True, "duration": 0,
}


def kaleyra_signature(body: bytes, t: int, key: str = KALEYRA_KEY) -> str:
    mac = hmac.new(key.encode(), str(t).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={t},v0={mac}"


def webex_signature(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()


WEBEX_SECRET = "webex-webhook-secret"
WEBEX_BODY = json.dumps({
    "id": "Y2lzY29zcGFyazovL3VzL1dFQkhPT0svOTZhYmMyYWEtM2RjYy0xMWU1LWExNTItZmUzNDgxOWNkYzlh",
    "name": "Webex Calling firehose", "targetUrl": "https://example.com/message-events", "resource": "telephony_push",
    "event": "updated", "orgId": "org_1", "createdBy": "person_creator", "appId": "app_1", "ownedBy": "org",
    "status": "active", "created": "2024-01-02T03:04:05.000Z", "actorId": "person_actor",
    "data": {"fcmPayload": {"webhookTelephonyPush": json.dumps({"name": "Alice", "number": "+15550100", "pushId": "p1"})},
             "apnsPayload": {"aps": {}}}}, indent=1).encode()


def incoming_body(n: int) -> bytes:
    """A Kaleyra on_call_incoming webhook whose room id carries a unique number."""
    return json.dumps({"event": "on_call_incoming", "room_id": f"room_{n}",
                       "data": {"initiator": "usr_1", "users": [{"user": {"userAlias": "usr_2"}, "status": "invited"}]}},
                      separators=(",", ":")).encode()


class Listen:
    """A running `callctl listen`; stdout and stderr are collected line by line as they come."""

    def __init__(self, args: list[str], env: dict | None = None, home: TempHome | None = None):
        self.home = home or TempHome()
        self._own_home = home is None
        self.proc = subprocess.Popen([CALLCTL_BIN, "listen", *args], env=clean_env(self.home, env),
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.stdout: queue.Queue[str] = queue.Queue()
        self.stderr_lines: list[str] = []
        self._stderr_seen = threading.Condition()
        self._readers = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for reader in self._readers:
            reader.start()
        self.url = ""
        self.port = 0
        self.scheme = "http"

    def _read_stdout(self):
        for raw in self.proc.stdout:
            self.stdout.put(raw.decode("utf-8"))

    def _read_stderr(self):
        for raw in self.proc.stderr:
            with self._stderr_seen:
                self.stderr_lines.append(raw.decode("utf-8", errors="replace").rstrip("\n"))
                self._stderr_seen.notify_all()
        with self._stderr_seen:
            self._stderr_seen.notify_all()

    def wait_ready(self) -> "Listen":
        with self._stderr_seen:
            self._stderr_seen.wait_for(lambda: self.stderr_lines or self.proc.poll() is not None, READY_TIMEOUT)
            lines = list(self.stderr_lines)
        if not lines:
            self.kill()
            raise AssertionError(f"no ready line within {READY_TIMEOUT} s (exit {self.proc.poll()})")
        match = READY.match(lines[0])
        if not match:
            self.kill()
            raise AssertionError(f"first stderr line is not the ready line: {lines!r}")
        self.scheme, self.port = match.group(1), int(match.group(2))
        self.url = f"{self.scheme}://127.0.0.1:{self.port}"
        return self

    def wait_stderr(self, predicate, timeout: float = 10) -> list[str]:
        with self._stderr_seen:
            self._stderr_seen.wait_for(lambda: predicate(self.stderr_lines), timeout)
            return list(self.stderr_lines)

    def events(self, count: int, timeout: float = 10) -> list[dict]:
        """The next `count` stdout lines, parsed (each must be a whole JSON object)."""
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"only {len(out)} of {count} event lines within {timeout} s")
            try:
                line = self.stdout.get(timeout=left)
            except queue.Empty:
                continue
            if not line.endswith("\n"):
                raise AssertionError(f"a partial line on stdout: {line!r}")
            out.append(json.loads(line))
        return out

    def remaining_stdout(self) -> list[str]:
        lines = []
        while True:
            try:
                lines.append(self.stdout.get_nowait())
            except queue.Empty:
                return lines

    def connection(self, timeout: float = 10) -> http.client.HTTPConnection:
        if self.scheme == "https":
            context = ssl.create_default_context(cafile=self.cafile)
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=context)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    cafile = ""

    def post(self, body: bytes, headers: dict | None = None, path: str = "/webhook", method: str = "POST",
             timeout: float = 10) -> tuple[int, dict, bytes]:
        conn = self.connection(timeout)
        try:
            conn.request(method, path, body=body, headers={"Content-Type": "application/json", **(headers or {})})
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float = EXIT_TIMEOUT) -> int:
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"callctl listen did not exit within {timeout} s")
        for reader in self._readers:
            reader.join(5)
        check_sanitizer_report("\n".join(self.stderr_lines))
        return rc

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def close(self) -> None:
        self.kill()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()
        if self._own_home:
            self.home.cleanup()


class Target:
    """A small HTTP server that records what was forwarded to it (method, path, headers, body bytes)."""

    def __init__(self, status: int = 200, delay: float = 0.0):
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with outer.lock:
                    outer.requests.append({"method": "POST", "path": self.path, "headers": self.headers.items(),
                                           "body": body})
                if delay:
                    time.sleep(delay)
                reply = b'{"ok":true}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/in"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ListenTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="callctl-listen-"))
        self.key_file = self.tmp / "kaleyra.key"
        self.key_file.write_text(KALEYRA_KEY + "\n")

    def tearDown(self):
        for path in sorted(self.tmp.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        self.tmp.rmdir()

    def start(self, *args: str, env: dict | None = None) -> Listen:
        listener = Listen(list(args), env=env)
        self.addCleanup(listener.close)
        return listener.wait_ready()

    def assert_event(self, event: dict, expected: dict, signature: str, path: str = "/webhook"):
        """An event line: the normalised fields, the signature verdict and the request context."""
        request = event.pop("request")
        self.assertEqual(request["method"], "POST")
        self.assertEqual(request["path"], path)
        self.assertRegex(request["received_at"], ISO_MS)
        self.assertRegex(request["remote"], REMOTE)
        self.assertEqual(set(request), {"method", "path", "received_at", "remote"})
        self.assertEqual(event, {**expected, "signature": signature})


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


class ForwardTest(ListenTestCase):
    def test_forwards_exact_body_and_vendor_headers(self):
        target = Target()
        self.addCleanup(target.close)
        listener = self.start("--kaleyra-key-file", str(self.key_file), "--forward-to", target.url)
        body = SEED_001  # pretty-printed, as in the seed: the bytes must arrive unchanged
        signature = kaleyra_signature(body, int(time.time()))
        status, _, _ = listener.post(body, {"bandyer-signature": signature, "User-Agent": "Kaleyra-Webhooks/1.0",
                                            "X-Request-Id": "req-42"}, path="/from/kaleyra?x=1")
        self.assertEqual(status, 200)
        [event] = listener.events(1)
        self.assertEqual(event.pop("forward"), {"status": 200})
        event.pop("signed_at")
        event.pop("signature_scheme")
        self.assert_event(event, SEED_001_EVENT, "verified", path="/from/kaleyra?x=1")
        [forwarded] = target.requests
        self.assertEqual(forwarded["path"], "/hooks/in")
        self.assertEqual(forwarded["body"], body)
        headers = [(name.lower(), value) for name, value in forwarded["headers"]]
        port = target.server.server_address[1]
        self.assertEqual(sorted(headers), sorted([
            ("host", f"127.0.0.1:{port}"), ("accept-encoding", "identity"), ("content-type", "application/json"),
            ("bandyer-signature", signature), ("user-agent", "Kaleyra-Webhooks/1.0"), ("x-request-id", "req-42"),
            ("content-length", str(len(body))), ("accept", "*/*")]))

    def test_a_failed_forward_is_reported_and_the_event_kept(self):
        dead = f"http://127.0.0.1:{free_port()}/gone"
        failing = Target(status=500)
        self.addCleanup(failing.close)
        for url, expected in ((dead, None), (failing.url, {"status": 500})):
            with self.subTest(url=url):
                listener = self.start("--forward-to", url, "--connect-timeout", "2")
                self.assertEqual(listener.post(incoming_body(7))[0], 200)
                [event] = listener.events(1)
                self.assertEqual(event["room_id"], "room_7")
                if expected:
                    self.assertEqual(event["forward"], expected)
                    note = "answered 500"
                else:
                    self.assertEqual(set(event["forward"]), {"error"})
                    note = "forward to " + url
                lines = listener.wait_stderr(lambda lines: len(lines) >= 2)
                self.assertEqual(len(lines), 2, lines)
                self.assertTrue(lines[1].startswith("callctl: warning: "), lines)
                self.assertIn(note, lines[1])
                listener.signal(signal.SIGTERM)
                self.assertEqual(listener.wait_exit(), 143)
        self.assertEqual(len(failing.requests), 1, "forwarding is never retried")

    def test_a_slow_target_delays_lines_but_not_answers_and_keeps_order(self):
        slow = Target(delay=0.5)
        self.addCleanup(slow.close)
        listener = self.start("--forward-to", slow.url)
        started = time.monotonic()
        for n in range(8):
            self.assertEqual(listener.post(incoming_body(n))[0], 200)
        self.assertLess(time.monotonic() - started, 3, "answers waited for the forward target")
        events = listener.events(8, timeout=20)
        self.assertEqual([e["room_id"] for e in events], [f"room_{n}" for n in range(8)])
        self.assertTrue(all(e["forward"] == {"status": 200} for e in events))


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


class LoadTest(ListenTestCase):
    def test_1000_events_from_32_clients_none_lost_or_doubled(self):
        record = self.tmp / "load.jsonl"
        listener = self.start("--kaleyra-key-file", str(self.key_file), "--record", str(record))
        now = int(time.time())

        def client(worker: int) -> list[int]:
            statuses = []
            conn = listener.connection()
            try:
                for n in range(worker, 1000, 32):
                    body = incoming_body(n)
                    # Half the clients reuse one connection, half open one per event.
                    if worker % 2:
                        conn.close()
                    conn.request("POST", f"/load/{n}", body=body,
                                 headers={"Content-Type": "application/json",
                                          "bandyer-signature": kaleyra_signature(body, now)})
                    response = conn.getresponse()
                    response.read()
                    statuses.append(response.status)
            finally:
                conn.close()
            return statuses

        with ThreadPoolExecutor(32) as pool:
            statuses = [s for result in pool.map(client, range(32)) for s in result]
        self.assertEqual(statuses, [200] * 1000)
        events = listener.events(1000, timeout=60)
        rooms = [e["room_id"] for e in events]
        self.assertEqual(sorted(rooms), sorted(f"room_{n}" for n in range(1000)))
        self.assertTrue(all(e["signature"] == "verified" for e in events))
        listener.signal(signal.SIGTERM)
        self.assertEqual(listener.wait_exit(), 143)
        self.assertEqual(listener.remaining_stdout(), [])
        recorded = [json.loads(line) for line in record.read_text().splitlines()]
        self.assertEqual(sorted(json.loads(r["body"])["room_id"] for r in recorded), sorted(rooms))
        self.assertEqual(len(listener.stderr_lines), 1, listener.stderr_lines[:5])

    def test_a_byte_a_second_client_is_cut_off_while_others_are_served(self):
        record = self.tmp / "slow.jsonl"
        listener = self.start("--request-timeout", "2", "--workers", "2", "--record", str(record))

        def trickle(head: bytes, body: bytes, result: dict):
            """Sends `head` at once, then `body` a byte a second; notes when the server answered or cut."""
            sock = socket.create_connection(("127.0.0.1", listener.port), timeout=10)
            started = time.monotonic()
            answer = b""
            try:
                sock.sendall(head)
                for byte in body:
                    sock.settimeout(1)
                    try:
                        data = sock.recv(4096)
                        answer += data
                        break  # an answer, or the connection closed
                    except socket.timeout:
                        pass
                    sock.sendall(bytes([byte]))
            except OSError:
                pass
            finally:
                sock.close()
            result.update(answer=answer, elapsed=time.monotonic() - started)

        slow_body, slow_head = {}, {}
        tricklers = [
            threading.Thread(target=trickle, daemon=True, args=(
                b"POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n", b"{" * 100, slow_body)),
            threading.Thread(target=trickle, daemon=True, args=(b"", b"POST /slower HTTP/1.1\r\n", slow_head)),
        ]
        for thread in tricklers:
            thread.start()
        time.sleep(0.3)
        # Both workers are held by tricklers: still others are served promptly, once each is cut off
        # (the whole-request deadline, not a per-read timeout, which a byte a second never trips).
        for n in range(10):
            t0 = time.monotonic()
            self.assertEqual(listener.post(incoming_body(n), timeout=8)[0], 200)
            self.assertLess(time.monotonic() - t0, 4)
        for thread in tricklers:
            thread.join(10)
        for result in (slow_body, slow_head):
            self.assertTrue(result["answer"].startswith(b"HTTP/1.1 408 "), result)
            self.assertGreater(result["elapsed"], 1.5)
            self.assertLess(result["elapsed"], 6)
        self.assertEqual([e["room_id"] for e in listener.events(10)], [f"room_{n}" for n in range(10)])
        lines = listener.wait_stderr(lambda lines: len(lines) >= 3)
        self.assertTrue(any(re.search(r"refused POST /slow from 127\.0\.0\.1:\d+: 408 request not complete within 2 s$", line)
                            for line in lines), lines)
        self.assertTrue(any(re.search(r"127\.0\.0\.1:\d+: request head not complete within 2 s: answered 408$", line)
                            for line in lines), lines)
        listener.signal(signal.SIGTERM)
        self.assertEqual(listener.wait_exit(), 143)
        slow = [json.loads(line) for line in record.read_text().splitlines() if '"/slow"' in line]
        self.assertEqual([(e["status"], e.get("body_omitted")) for e in slow], [(408, True)])

    def test_more_clients_than_workers_are_all_served(self):
        listener = self.start("--workers", "2")

        def post(n: int) -> int:
            return listener.post(incoming_body(n), timeout=20)[0]

        with ThreadPoolExecutor(24) as pool:
            statuses = list(pool.map(post, range(200)))
        self.assertEqual(statuses, [200] * 200)
        self.assertEqual(len(listener.events(200)), 200)

    def test_sigterm_under_load_keeps_every_answered_event(self):
        record = self.tmp / "term.jsonl"
        listener = self.start("--record", str(record))
        answered: list[str] = []
        lock = threading.Lock()
        stop = threading.Event()
        counter = iter(range(10**9))

        def client():
            while not stop.is_set():
                with lock:
                    n = next(counter)
                try:
                    status, _, _ = listener.post(incoming_body(n), timeout=10)
                except OSError:
                    return  # the listener stopped accepting
                if status == 200:
                    with lock:
                        answered.append(f"room_{n}")

        threads = [threading.Thread(target=client, daemon=True) for _ in range(8)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with lock:
                if len(answered) >= 200:
                    break
            time.sleep(0.01)
        listener.signal(signal.SIGTERM)
        self.assertEqual(listener.wait_exit(), 143)
        stop.set()
        for thread in threads:
            thread.join(15)
        printed = [json.loads(line)["room_id"] for line in listener.remaining_stdout()]
        self.assertGreaterEqual(len(answered), 200)
        self.assertEqual(len(printed), len(set(printed)), "an event printed twice")
        self.assertLessEqual(set(answered), set(printed), "an event answered 200 is not on stdout")
        recorded = {json.loads(json.loads(line)["body"])["room_id"] for line in record.read_text().splitlines()}
        self.assertLessEqual(set(printed), recorded)

    def test_max_events(self):
        listener = self.start("--max-events", "3")
        for n in range(3):
            self.assertEqual(listener.post(incoming_body(n))[0], 200)
        self.assertEqual(listener.wait_exit(), 0)
        self.assertEqual([json.loads(line)["room_id"] for line in listener.remaining_stdout()],
                         ["room_0", "room_1", "room_2"])

    def test_max_events_under_concurrency_accepts_exactly_n(self):
        listener = self.start("--max-events", "50")

        def post(n: int) -> int:
            try:
                return listener.post(incoming_body(n), timeout=10)[0]
            except OSError:
                return 0

        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(post, range(120)))
        self.assertEqual(listener.wait_exit(), 0)
        self.assertEqual(statuses.count(200), 50)
        self.assertEqual(len(listener.remaining_stdout()), 50)


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
