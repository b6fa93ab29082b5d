"""What the listen e2e tests share (test_listen.py, test_listen_delivery.py): a running
`callctl listen` (Listen) whose stdout and stderr are read line by line as they come, a forward
target that records what reaches it (Target), and the webhook bodies and signatures. Every wait is
bounded.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import http.server
import json
import os
import queue
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from harness import CALLCTL_BIN, SOURCE_DIR, TempHome, check_sanitizer_report, clean_env  # noqa: E402

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
