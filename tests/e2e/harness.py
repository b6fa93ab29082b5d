"""Helpers for callctl's end-to-end tests (stdlib only).

Sandbox   -- runs callctl-sandbox on loopback for the length of a `with` block
run_callctl -- runs the callctl binary with a clean, per-test environment
TempHome  -- a throwaway HOME / XDG_CONFIG_HOME so no user config is ever read

Every wait here is bounded: a hung sandbox or CLI fails the test, never the CI job.
Environment (set by tests/CMakeLists.txt): CALLCTL_BIN, CALLCTL_SANDBOX_BIN, CALLCTL_SOURCE_DIR.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
import threading
import unittest
import urllib.error
import urllib.request
from pathlib import Path

CALLCTL_BIN = os.environ.get("CALLCTL_BIN", "callctl")
SANDBOX_BIN = os.environ.get("CALLCTL_SANDBOX_BIN", "callctl-sandbox")
SOURCE_DIR = Path(os.environ.get("CALLCTL_SOURCE_DIR", Path(__file__).resolve().parents[2]))

HTTP_TIMEOUT = 10  # seconds, for every admin/test request
START_TIMEOUT = 10  # seconds to wait for the sandbox's ready line
STOP_TIMEOUT = 5  # seconds to wait after SIGTERM before SIGKILL


class SandboxError(RuntimeError):
    pass


def make_self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 (also its own CA for --cacert)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60)
    return cert, key


class Sandbox:
    """callctl-sandbox on 127.0.0.1 with a request log in a temp dir.

    with Sandbox(tls=True) as sb:
        sb.http, sb.https, sb.apns, sb.cacert, sb.push_key_hex, sb.requests(), sb.set_faults({...})
    """

    def __init__(self, tls: bool = False, extra_args: list[str] | None = None,
                 push_key_hex: str | None = None):
        self.tls = tls
        self.extra_args = list(extra_args or [])
        self._push_key_hex = push_key_hex
        self.http = ""
        self.https = ""
        self.apns = ""
        self.cacert = ""
        self.proc: subprocess.Popen | None = None
        self._tmp: tempfile.TemporaryDirectory | None = None
        self.dir = Path()
        self.log_path = Path()
        self.push_key_file = ""
        self._cleared_after = 0  # requests() hides log entries up to this seq

    # ---- lifecycle
    def __enter__(self) -> "Sandbox":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="callctl-sandbox-")
        self.dir = Path(self._tmp.name)
        self.log_path = self.dir / "requests.jsonl"
        args = [SANDBOX_BIN, "--port", "0", "--exit-on-stdin-eof", "--request-log", str(self.log_path),
                *self.extra_args]
        if self.tls:
            cert, key = make_self_signed_cert(self.dir)
            self.cacert = str(cert)
            args += ["--tls-cert", str(cert), "--tls-key", str(key)]
        if self._push_key_hex:
            self.push_key_file = str(self.dir / "push.key")
            Path(self.push_key_file).write_text(self._push_key_hex + "\n")
            args += ["--push-key-file", self.push_key_file]
        # stdin stays a pipe we hold open: when this process dies, the sandbox sees EOF and exits.
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        ready = self._read_ready_line()
        self.http = ready["http"]
        self.https = ready.get("https", "")
        self.apns = ready.get("apns", "")  # APNs over HTTP/2, with TLS only

    def _read_ready_line(self) -> dict:
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT)
        if not line or not line[0]:
            self.stop()
            raise SandboxError(f"callctl-sandbox did not report its ports within {START_TIMEOUT}s")
        try:
            return json.loads(line[0])
        except json.JSONDecodeError as e:
            self.stop()
            raise SandboxError(f"callctl-sandbox printed {line[0]!r}, not JSON") from e

    def stop(self) -> int | None:
        """SIGTERM, a bounded wait, then SIGKILL. Returns the exit status."""
        status = None
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(STOP_TIMEOUT)
            status = self.proc.returncode
            for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                if stream:
                    stream.close()
            self.proc = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        return status

    # ---- HTTP helpers
    def url(self, path: str, tls: bool = False) -> str:
        return (self.https if tls else self.http) + path

    def request(self, method: str, path: str, body=None, headers: dict | None = None, tls: bool = False,
                raw: bytes | None = None, timeout: float = HTTP_TIMEOUT) -> tuple[int, dict, bytes]:
        """Any request; returns (status, headers, body bytes). HTTP errors are returned, not raised."""
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        hdrs = {"Content-Type": "application/json"} if data is not None else {}
        hdrs.update(headers or {})
        req = urllib.request.Request(self.url(path, tls), data=data, method=method, headers=hdrs)
        context = ssl.create_default_context(cafile=self.cacert) if tls else None
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=context) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as e:
            with e:
                return e.code, dict(e.headers), e.read()

    def json_request(self, method: str, path: str, body=None, headers: dict | None = None,
                     tls: bool = False) -> tuple[int, object]:
        status, _, data = self.request(method, path, body, headers, tls)
        return status, (json.loads(data) if data else None)

    def admin(self, method: str, path: str, body=None):
        """An admin call (/_sandbox/...): never logged, never faulted. Returns the parsed JSON."""
        status, data = self.json_request(method, path if path.startswith("/_sandbox") else "/_sandbox" + path, body)
        if status != 200:
            raise SandboxError(f"{method} {path} answered {status}: {data}")
        return data

    # ---- conveniences
    def requests(self) -> list[dict]:
        """Every request the sandbox logged so far (admin calls are never logged)."""
        if not self.log_path.exists():
            return []
        with open(self.log_path, encoding="utf-8") as f:
            entries = [json.loads(line) for line in f if line.strip()]
        return [e for e in entries if e["seq"] > self._cleared_after]

    def clear_requests(self) -> None:
        """Forget what was logged so far (the file keeps it; requests() skips it)."""
        entries = self.requests()
        if entries:
            self._cleared_after = entries[-1]["seq"]
        self.admin("DELETE", "/_sandbox/requests")

    def set_faults(self, plan: dict) -> dict:
        return self.admin("POST", "/_sandbox/faults", plan)

    def clear_faults(self) -> dict:
        return self.admin("DELETE", "/_sandbox/faults")

    @property
    def push_key_hex(self) -> str:
        status, _, data = self.request("GET", "/_sandbox/push-key")
        if status != 200:
            raise SandboxError(f"GET /_sandbox/push-key answered {status}")
        return data.decode().strip()

    def token(self, scope: str = "VIRTUAL_NUMBER", auth_code: str | None = None) -> dict:
        """A fresh token response from the sandbox's token endpoint."""
        body = {"app_scope": scope}
        if auth_code is not None:
            body["auth_code"] = auth_code
        status, data = self.json_request("POST", "/tokens", body)
        if status != 200:
            raise SandboxError(f"POST /tokens answered {status}: {data}")
        return data

    def access_token(self, scope: str = "VIRTUAL_NUMBER") -> str:
        return self.token(scope, "sandbox-code" if scope == "MOBILE_NUMBER" else None)["access_token"]


class TempHome:
    """A temp dir standing in for HOME and XDG_CONFIG_HOME; removed on exit."""

    def __init__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="callctl-home-")
        self.path = Path(self._tmp.name)
        self.config_home = self.path / ".config"
        self.config_home.mkdir()

    @property
    def config_dir(self) -> Path:
        return self.config_home / "callctl"

    def env(self) -> dict:
        return {"HOME": str(self.path), "XDG_CONFIG_HOME": str(self.config_home)}

    def write_config(self, config: dict) -> Path:
        self.config_dir.mkdir(parents=True, exist_ok=True)
        path = self.config_dir / "config.json"
        path.write_text(json.dumps(config, indent=2))
        return path

    def cleanup(self) -> None:
        self._tmp.cleanup()

    def __enter__(self) -> "TempHome":
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup()


def clean_env(home: TempHome | None = None, env: dict | None = None) -> dict:
    """The parent's environment minus every CALLCTL_* and NO_COLOR, with HOME redirected."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith("CALLCTL_") and k not in ("NO_COLOR", "CLICOLOR_FORCE", "XDG_CONFIG_HOME")}
    if home is not None:
        base.update(home.env())
    base.update(env or {})
    return base


# Set by the asan preset (scripts/test --sanitize). A sanitizer build's peak RSS
# (shadow memory, the freed-memory quarantine) says nothing of the release
# binary's: memory bounds are asserted on the release build only.
UNDER_SANITIZER = "ASAN_OPTIONS" in os.environ

SANITIZER_REPORT = re.compile(r"^==\d+==ERROR: \w+Sanitizer|: runtime error: ", re.MULTILINE)


def check_sanitizer_report(stderr: str) -> None:
    """In a sanitizer build (scripts/test --sanitize) a report fails the test that caused it, even
    one that expected a non-zero exit status."""
    if SANITIZER_REPORT.search(stderr):
        raise AssertionError("sanitizer report from callctl:\n" + stderr)


def run_callctl(args: list[str], env: dict | None = None, input: str | bytes | None = None,
                timeout: float = 30, home: TempHome | None = None) -> tuple[int, str, str]:
    """Runs callctl; returns (returncode, stdout, stderr).

    HOME and XDG_CONFIG_HOME point at `home` (or at a temp dir made for this one call), so the
    user's config is never read; CALLCTL_* variables are cleared unless given in `env`.
    """
    own_home = home is None
    home = home or TempHome()
    try:
        text = not isinstance(input, bytes)
        proc = subprocess.run([CALLCTL_BIN, *args], env=clean_env(home, env), input=input,
                              capture_output=True, timeout=timeout, text=text,
                              stdin=None if input is not None else subprocess.DEVNULL)
        out, err = proc.stdout, proc.stderr
        if not text:
            out, err = out.decode(errors="replace"), err.decode(errors="replace")
        check_sanitizer_report(err)
        return proc.returncode, out, err
    finally:
        if own_home:
            home.cleanup()


def assert_man_page_lint_clean(test: unittest.TestCase, page: Path) -> None:
    """mandoc -Tlint and groff -ww find nothing in a man page (each when installed)."""
    if shutil.which("mandoc"):
        done = subprocess.run(["mandoc", "-Tlint", str(page)], capture_output=True, text=True, timeout=30)
        test.assertEqual(done.stdout + done.stderr, "")
    if shutil.which("groff"):
        done = subprocess.run(["groff", "-man", "-ww", "-z", str(page)], capture_output=True, text=True, timeout=30)
        test.assertEqual((done.returncode, done.stderr), (0, ""))


def curl(args: list[str], timeout: float = 20) -> subprocess.CompletedProcess:
    """curl with a hard time limit of its own (--max-time) and one for the process."""
    if shutil.which("curl") is None:
        raise SandboxError("curl is not installed")
    return subprocess.run(["curl", "-sS", "--max-time", str(int(timeout)), *args],
                          capture_output=True, text=True, timeout=timeout + 5)


class SandboxTestCase(unittest.TestCase):
    """A test class with one sandbox (`self.sb`, HTTPS too when `sandbox_tls`), and for each test a
    clean fault plan, an empty request log and a throwaway home (`self.home`).

    Subclasses that need more class set-up call super().setUpClass() first.
    """

    sandbox_tls = False
    sandbox_options: dict = {}  # more Sandbox() arguments, e.g. {"push_key_hex": ...}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sb = Sandbox(tls=cls.sandbox_tls, **cls.sandbox_options)
        cls.sb.start()
        cls.addClassCleanup(cls.sb.stop)

    def setUp(self):
        super().setUp()
        self.sb.clear_faults()
        self.sb.clear_requests()
        self.home = TempHome()
        self.addCleanup(self.home.cleanup)
