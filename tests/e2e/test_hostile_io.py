"""Issue 19, class 8: output that cannot be written. Every command's stdout to /dev/full is exit 12
with one error line (a token issued but not shown is no success), --help and --version included;
decode-push --stream to /dev/full too. A standard descriptor closed at start is /dev/null, never
libcurl's socketpair (checked in /proc while the request is held). A reader that goes away
(`| head -c 10`) stops call-log's fetching at once, in every format, exit 141 and nothing on stderr:
the sandbox log counts the requests (callctl(1), EXIT STATUS)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CALLCTL_BIN, SandboxTestCase, check_sanitizer_report, clean_env  # noqa: E402
from hostile_servers import TokenEndpoint  # noqa: E402

FULL_LINES = ["callctl: error: cannot write the output: No space left on device",
              "callctl: hint: check the free space and the file standard output goes to"]


class FullDiskTest(SandboxTestCase):
    """stdout is /dev/full: exit 12, exactly the one error line (and its hint), for each command."""

    def run_full(self, args, env=None, input=None):
        with open("/dev/full", "w") as full:
            proc = subprocess.run([CALLCTL_BIN, *args], env=clean_env(self.home, env), input=input,
                                  stdin=None if input is not None else subprocess.DEVNULL,
                                  stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
        check_sanitizer_report(proc.stderr)
        return proc.returncode, proc.stderr

    def assert_full(self, args, env=None, input=None):
        with self.subTest(args=" ".join(args)):
            code, err = self.run_full(args, env, input)
            self.assertEqual((code, err.splitlines()), (12, FULL_LINES))

    def test_every_kind_of_command(self):
        env = {"CALLCTL_TOKEN_URL": self.sb.http, "CALLCTL_REST_URL": self.sb.http,
               "CALLCTL_TOKEN": self.sb.access_token()}
        call_id = self.sb.admin("POST", "/_sandbox/calls", {"count": 1})["callIds"][0]
        ids = self.sb.admin("POST", "/_sandbox/calls", {"count": 3})["callIds"]
        for args in (["phone", "clean", "123"],
                     ["token", "create", "--scope", "virtual-number"],  # a token issued, its output lost
                     ["token", "create", "--scope", "virtual-number", "-q"],
                     ["-o", "table", "token", "create", "--scope", "virtual-number"],
                     ["token", "show"],
                     ["create-call", "--title", "T", "--invite", "ada:8"],
                     ["call-log", call_id],
                     ["-o", "table", "call-log", call_id],
                     ["-o", "json", "call-log", *ids],
                     ["-o", "table", "call-log", *ids],
                     ["--jq", ".callId", "call-log", call_id],
                     ["--dry-run", "create-call", "--title", "T", "--invite", "ada:8"],
                     ["profile", "list"],
                     ["encode-push", "--type", "stop", "--device", "d1"],
                     ["completion", "bash"]):
            self.assert_full(args, env)
        # Nothing above was refused by the server: the requests were made, their output lost.
        self.assertTrue(any(r["path"] == "/tokens" for r in self.sb.requests()))

    def test_help_and_version(self):
        # CLI11 writes these through std::cout: the same checked stdout. (The help is shorter than
        # stdio's buffer, so the failure is the final flush's, and its errno is known.)
        for args in (["--help"], ["--version"], ["token", "--help"], ["call-log", "--help"]):
            self.assert_full(args)

    def test_decode_push_stream(self):
        push = json.dumps({"type": "Call.StopIncoming", "iotDeviceId": "d1", "callId": "c1"})
        self.assert_full(["decode-push", "--stream"], input=(push + "\n") * 20000)
        self.assert_full(["-o", "table", "decode-push", "--stream"], input=(push + "\n") * 2000)
        self.assert_full(["decode-push", "-"], input=push)

    def test_decode_push_stream_reader_gone(self):
        # `decode-push --stream < 20000 lines | head -c 10`: 141, and nothing on stderr.
        push = json.dumps({"type": "Call.StopIncoming", "iotDeviceId": "d1", "callId": "c1"})
        lines = self.home.path / "pushes.txt"
        lines.write_text((push + "\n") * 20000)
        script = '"$0" decode-push --stream <"$1" 2>"$2" | head -c 10 >/dev/null; echo "${PIPESTATUS[0]}"'
        err_path = self.home.path / "err"
        done = subprocess.run(["bash", "-c", script, CALLCTL_BIN, str(lines), str(err_path)], env=clean_env(self.home),
                              capture_output=True, text=True, timeout=60, check=True)
        check_sanitizer_report(err_path.read_text())
        self.assertEqual((done.stdout.strip(), err_path.read_text()), ("141", ""))


class ClosedStandardFdsTest(unittest.TestCase):
    def descriptors_during_a_request(self, closed: list[int]) -> tuple[dict[int, str], int]:
        """Runs `token create` with the descriptors `closed` closed at exec; returns what fds 0-2
        point at while the request is in flight, and the exit status."""
        arrived, release = threading.Event(), threading.Event()

        def hold():  # the request is held until the test has looked at the descriptors
            arrived.set()
            release.wait(30)

        with TokenEndpoint(lambda: '{"access_token":"held-token","token_type":"bearer","expires_in":3600}', hold) as server:
            env = clean_env(None, {"CALLCTL_TOKEN_URL": server.url, "HOME": "/nonexistent"})

            def close_them():
                for fd in closed:
                    os.close(fd)

            proc = subprocess.Popen([CALLCTL_BIN, "token", "create", "--scope", "virtual-number"], env=env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    preexec_fn=close_them)
            try:
                self.assertTrue(arrived.wait(30), "the request never arrived")
                targets = {fd: os.readlink(f"/proc/{proc.pid}/fd/{fd}") for fd in (0, 1, 2)}
                release.set()
                return targets, proc.wait(30)
            finally:
                release.set()
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(10)

    def test_closed_fds_become_dev_null_not_a_socket(self):
        for closed in ([1], [0, 1, 2], [2], [0]):
            with self.subTest(closed=closed):
                targets, code = self.descriptors_during_a_request(closed)
                for fd in closed:
                    self.assertEqual(targets[fd], "/dev/null", f"fd {fd}: {targets}")
                for fd in set((0, 1, 2)) - set(closed):
                    self.assertEqual(targets[fd], "/dev/null")  # what Popen gave it (DEVNULL)
                self.assertEqual(code, 0)


class ReaderGoneTest(SandboxTestCase):
    """`call-log <1000 ids> | head -c 10`: the fetching stops as soon as the reader has gone. Each
    answer takes 50 ms (--latency-ms), so the reader is gone long before the ids run out; before
    the fix -o json fetched a whole window (256 requests) and -o table every id."""

    sandbox_options = {"extra_args": ["--latency-ms", "50"]}
    COUNT = 1000
    WINDOW = 256  # CallLogFetcher::window_size(8): what a stop at the window's end would have made

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ids = cls.sb.admin("POST", "/_sandbox/calls", {"count": cls.COUNT})["callIds"]
        cls.token = cls.sb.access_token()

    def piped(self, reader, *args):
        ids = self.home.path / "ids.txt"
        ids.write_text("\n".join(self.ids) + "\n")
        self.sb.clear_requests()
        # What a shell does, with PIPESTATUS to see callctl's status.
        script = f'"$0" "$@" 2>"$ERR_PATH" | {reader} >"$OUT_PATH"; echo "${{PIPESTATUS[0]}}" >"$RC_PATH"'
        paths = {name: self.home.path / name.lower() for name in ("ERR_PATH", "OUT_PATH", "RC_PATH")}
        env = clean_env(self.home, {"CALLCTL_REST_URL": self.sb.http, "CALLCTL_TOKEN": self.token,
                                    **{k: str(v) for k, v in paths.items()}})
        subprocess.run(["bash", "-c", script, CALLCTL_BIN, *args, "call-log", "--ids-from", str(ids)], env=env,
                       timeout=120, check=True)
        err = paths["ERR_PATH"].read_text()
        check_sanitizer_report(err)
        return int(paths["RC_PATH"].read_text()), paths["OUT_PATH"].read_text(), err

    def assert_stopped(self, reader, fmt, first):
        with self.subTest(reader=reader, format=fmt):
            code, out, err = self.piped(reader, "-o", fmt)
            self.assertEqual((code, err), (141, ""))
            self.assertTrue(out.startswith(first), out)
            made = len(self.sb.requests())
            self.assertLess(made, self.WINDOW, f"| {reader}, -o {fmt}: {made} requests after the reader left")

    def test_head_c_10_stops_the_fetching(self):
        self.assert_stopped("head -c 10", "json", "[{")
        self.assert_stopped("head -c 10", "ndjson", "{")

    def test_a_reader_gone_before_any_output_stops_it_too(self):
        # -o table writes nothing before the last id: callctl asks whether its reader is still there.
        for fmt in ("table", "json", "ndjson"):
            self.assert_stopped("true", fmt, "")


class ReaderGoneAtFullSpeedTest(ReaderGoneTest):
    """The same without latency: the old -o json, whose buffered writes hid the EPIPE, made exactly
    one window (256 requests) here; now a handful."""

    sandbox_options = {}


if __name__ == "__main__":
    unittest.main()
