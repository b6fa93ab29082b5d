"""Ctrl-C: SIGINT while requests are in flight (sandbox latency keeps them there) ends callctl with
exit 130 within about a second, and an interrupted `token create --save` leaves credentials.json
byte-identical with no temp file beside it. SIGTERM stops the same way, with exit 143."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from harness import CALLCTL_BIN, SandboxTestCase, clean_env, run_callctl  # noqa: E402

LATENCY_MS = 8000  # far longer than any wait below: the requests are surely still in flight
EXIT_WITHIN = 1.5  # seconds from SIGINT to exit ("about a second", with slack for sanitizer builds)


def open_sockets(pid: int) -> int:
    """How many sockets the process holds (Linux /proc)."""
    count = 0
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"):
                    count += 1
            except OSError:
                pass
    except OSError:
        pass
    return count


class SignalsTest(SandboxTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.token = cls.sb.access_token()

    def tearDown(self):
        self.sb.clear_faults()  # before the next test's setUp: the admin routes have no latency anyway

    def start(self, args: list[str], env: dict) -> subprocess.Popen:
        return subprocess.Popen([CALLCTL_BIN, *args], env=clean_env(self.home, env), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def wait_until_in_flight(self, proc: subprocess.Popen, sockets: int = 1) -> None:
        """Until callctl holds `sockets` connections (so its requests are out), bounded."""
        deadline = time.monotonic() + 10
        while open_sockets(proc.pid) < sockets:
            self.assertIsNone(proc.poll(), "callctl ended before its requests were in flight")
            self.assertLess(time.monotonic(), deadline, "callctl never opened its connections")
            time.sleep(0.02)
        time.sleep(0.3)  # the requests are written; the answers are seconds away

    def interrupt(self, proc: subprocess.Popen, signum: int = signal.SIGINT) -> tuple[float, str, str]:
        started = time.monotonic()
        proc.send_signal(signum)
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate(timeout=10)
            self.fail("callctl ignored SIGINT for 10 s")
        return time.monotonic() - started, out, err

    def test_sigint_during_a_batch_call_log_exits_130_promptly(self):
        ids = self.sb.admin("POST", "/_sandbox/calls", {"count": 40, "frozen": True})["callIds"]
        self.sb.set_faults({"latency_ms": LATENCY_MS})
        proc = self.start(["-o", "ndjson", "call-log", *ids, "--parallel", "4"],
                          {"CALLCTL_REST_URL": self.sb.http, "CALLCTL_TOKEN": self.token})
        self.wait_until_in_flight(proc, sockets=4)
        elapsed, out, err = self.interrupt(proc)
        self.assertEqual(proc.returncode, 130, err)
        self.assertLess(elapsed, EXIT_WITHIN, "callctl did not wait for the slow answers")
        # ndjson keeps one line per id that finished: here only error objects, no call log.
        lines = [json.loads(line) for line in out.splitlines()]
        self.assertTrue(all("error" in line for line in lines), out)
        self.assertIn("interrupted", err)
        self.assertLessEqual(len([l for l in err.splitlines() if l.startswith("callctl: error:")]), 1,
                             "one line for the interrupt, not one per unfinished call")

    def test_sigint_during_token_create_save_keeps_the_credentials(self):
        self.check_token_create_save_survives(signal.SIGINT, 130)

    def check_token_create_save_survives(self, signum: int, code: int) -> None:
        rc, _, err = run_callctl(["--token-url", self.sb.http, "token", "create", "--scope", "virtual-number",
                                  "--save"], home=self.home)
        self.assertEqual(rc, 0, err)
        credentials = self.home.config_dir / "credentials.json"
        before = credentials.read_bytes()
        self.sb.set_faults({"latency_ms": LATENCY_MS})
        proc = self.start(["token", "create", "--scope", "virtual-number", "--save"],
                          {"CALLCTL_TOKEN_URL": self.sb.http})
        self.wait_until_in_flight(proc)
        elapsed, out, err = self.interrupt(proc, signum)
        self.assertEqual(proc.returncode, code, err)
        self.assertLess(elapsed, EXIT_WITHIN)
        self.assertEqual(out, "")
        self.assertEqual(credentials.read_bytes(), before, "the stored token is untouched")
        self.assertEqual(stat.S_IMODE(credentials.stat().st_mode), 0o600)
        self.assertEqual(sorted(p.name for p in self.home.config_dir.iterdir() if p.name != ".credentials.json.lock"),
                         ["credentials.json"],
                         "no temp file left beside it")
        # And the store still works.
        stored = json.loads(before)["profiles"]["default"]
        self.sb.clear_faults()
        rc, out, err = run_callctl(["token", "show", "-o", "json"], home=self.home)
        self.assertEqual(rc, 0, err)
        self.assertNotIn(stored["access_token"], out)

    def test_sigint_during_token_create_save_in_a_fresh_home_creates_nothing(self):
        self.sb.set_faults({"latency_ms": LATENCY_MS})
        proc = self.start(["token", "create", "--scope", "virtual-number", "--save"],
                          {"CALLCTL_TOKEN_URL": self.sb.http})
        self.wait_until_in_flight(proc)
        _, _, err = self.interrupt(proc)
        self.assertEqual(proc.returncode, 130, err)
        credentials = self.home.config_dir / "credentials.json"
        self.assertFalse(credentials.exists(), "nothing was stored")
        if self.home.config_dir.exists():
            self.assertEqual(list(self.home.config_dir.iterdir()), [])


    def test_sigterm_during_a_batch_call_log_exits_143_promptly(self):
        ids = self.sb.admin("POST", "/_sandbox/calls", {"count": 40, "frozen": True})["callIds"]
        self.sb.set_faults({"latency_ms": LATENCY_MS})
        proc = self.start(["-o", "ndjson", "call-log", *ids, "--parallel", "4"],
                          {"CALLCTL_REST_URL": self.sb.http, "CALLCTL_TOKEN": self.token})
        self.wait_until_in_flight(proc, sockets=4)
        elapsed, out, err = self.interrupt(proc, signal.SIGTERM)
        self.assertEqual(proc.returncode, 143, err)
        self.assertLess(elapsed, EXIT_WITHIN, "callctl did not wait for the slow answers")
        lines = [json.loads(line) for line in out.splitlines()]
        self.assertTrue(all(line["error"]["code"] == 143 for line in lines), out)
        # One line, counting the calls the stop cut short (none of them a warning of its own).
        self.assertEqual(err, f"callctl: error: terminated: {len(lines)} of 40 call logs not fetched\n")

    def test_sigterm_during_a_single_request_names_it(self):
        self.sb.set_faults({"latency_ms": LATENCY_MS})
        [call_id] = self.sb.admin("POST", "/_sandbox/calls", {"count": 1})["callIds"]
        proc = self.start(["call-log", call_id], {"CALLCTL_REST_URL": self.sb.http, "CALLCTL_TOKEN": self.token})
        self.wait_until_in_flight(proc)
        elapsed, out, err = self.interrupt(proc, signal.SIGTERM)
        self.assertEqual(proc.returncode, 143, err)
        self.assertLess(elapsed, EXIT_WITHIN)
        self.assertEqual(out, "")
        self.assertEqual(err, f"callctl: error: terminated: call {call_id}\n")

    def test_sigterm_during_token_create_save_keeps_the_credentials(self):
        self.check_token_create_save_survives(signal.SIGTERM, 143)


if __name__ == "__main__":
    unittest.main()
