"""Exit codes 12 and 141: output that cannot be written (a full disk: /dev/full) is exit 12 with one
error line; a reader of stdout that goes away (`| head -1`) is exit 141, nothing on stderr, and the
work stops at once (the sandbox log counts the requests that were made). And a dry run is exit 0."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CALLCTL_BIN, SandboxTestCase, check_sanitizer_report, clean_env, run_callctl  # noqa: E402

MANY = 10000  # call ids: far more than the few windows a prompt stop may have started


class OutputFailureTest(SandboxTestCase):
    def run_to(self, stdout, args, env=None):
        proc = subprocess.run([CALLCTL_BIN, *args], env=clean_env(self.home, env), stdin=subprocess.DEVNULL,
                              stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=60)
        check_sanitizer_report(proc.stderr)
        return proc.returncode, proc.stderr

    def test_a_full_disk_is_exit_12_with_one_error_line(self):
        with open("/dev/full", "w") as full:
            code, err = self.run_to(full, ["-o", "json", "phone", "clean", "+1 (555) 010-9999"])
        self.assertEqual(code, 12, err)
        self.assertEqual(err, "callctl: error: cannot write the output: No space left on device\n"
                              "callctl: hint: check the free space and the file standard output goes to\n")

    def test_a_full_disk_stops_a_call_log_batch(self):
        ids = self.sb.admin("POST", "/_sandbox/calls", {"count": 300})["callIds"]
        self.sb.clear_requests()
        with open("/dev/full", "w") as full:
            code, err = self.run_to(full, ["-o", "ndjson", "call-log", *ids],
                                    {"CALLCTL_REST_URL": self.sb.http, "CALLCTL_TOKEN": self.sb.access_token()})
        self.assertEqual(code, 12, err)
        self.assertEqual(err.splitlines(), ["callctl: error: cannot write the output: No space left on device",
                                            "callctl: hint: check the free space and the file standard output goes to"],
                         "one error line: no warning per call left unfinished")
        # ndjson flushes each line, so the first one already fails: the batch stops within a window.
        self.assertLess(len(self.sb.requests()), len(ids))

    def test_a_dry_run_exits_0_and_prints_only_curl_lines(self):
        code, out, err = run_callctl(["--dry-run", "call-log", "a", "b"],
                                     env={"CALLCTL_REST_URL": self.sb.http, "CALLCTL_TOKEN": "t"}, home=self.home)
        self.assertEqual(code, 0, err)
        self.assertEqual(err, "")
        self.assertEqual(len(out.splitlines()), 2)
        self.assertTrue(all(line.startswith("curl -sS ") for line in out.splitlines()))
        self.assertEqual(self.sb.requests(), [])


class BrokenPipeTest(SandboxTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ids = []
        while len(cls.ids) < MANY:  # in chunks, each well inside the admin call's time limit
            cls.ids += cls.sb.admin("POST", "/_sandbox/calls", {"count": 1000})["callIds"]
        cls.token = cls.sb.access_token()

    def env(self):
        return {"CALLCTL_REST_URL": self.sb.http, "CALLCTL_TOKEN": self.token}

    def ids_file(self):
        path = self.home.path / "ids.txt"
        path.write_text("\n".join(self.ids) + "\n")
        return path

    def test_head_1_is_exit_141_quietly_and_stops_fetching(self):
        # What a shell does: callctl ... | head -1, with pipefail to see callctl's status.
        script = ('set -o pipefail; "$0" -o ndjson call-log --ids-from "$1" 2>"$2" | head -1 >"$3"; '
                  'echo "${PIPESTATUS[0]}" >"$4"')
        err_path, out_path, rc_path = (self.home.path / name for name in ("err", "out", "rc"))
        started = time.monotonic()
        subprocess.run(["bash", "-c", script, CALLCTL_BIN, str(self.ids_file()), str(err_path), str(out_path),
                        str(rc_path)], env=clean_env(self.home, self.env()), timeout=120, check=False)
        elapsed = time.monotonic() - started
        err = err_path.read_text()
        check_sanitizer_report(err)
        self.assertEqual(rc_path.read_text().strip(), "141", err)
        self.assertEqual(err, "", "quietly: no error line, no warning per unfinished call")
        first = json.loads(out_path.read_text())
        self.assertIn(first["callId"], self.ids)
        # Stopped promptly: a few windows of requests at most, not 10,000.
        made = len(self.sb.requests())
        self.assertLess(made, MANY // 4, f"{made} requests were made after the reader left")
        self.assertLess(elapsed, 60)

    def test_a_reader_that_closes_early_gets_141(self):
        proc = subprocess.Popen([CALLCTL_BIN, "-o", "ndjson", "call-log", "--ids-from", str(self.ids_file())],
                                env=clean_env(self.home, self.env()), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        proc.stdout.close()  # the reader goes away
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate(timeout=10)
            self.fail("callctl went on after its reader left")
        check_sanitizer_report(err)
        self.assertEqual(proc.returncode, 141, err)
        self.assertEqual(err, "")
        self.assertIn(json.loads(line)["callId"], self.ids)
        self.assertLess(len(self.sb.requests()), MANY // 4)


if __name__ == "__main__":
    unittest.main()
