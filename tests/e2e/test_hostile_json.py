"""Hostile replies and inputs (issue 19, classes 1 and 2): JSON nested 100,000 deep, bodies of a
gigabyte, a 1 MB header, lines of 17 MiB.

Every reply comes from loopback_http.LoopbackServer on 127.0.0.1, with bodies that are generators:
a gigabyte is streamed from memory a megabyte at a time, never written to disk. callctl must answer
each with one error line and its documented exit code (7 for a reply, 3 for an input file), never
a crash, and hold a bounded amount of memory whatever the server sends (callctl(1), EXIT STATUS and
--max-reply-mib).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from harness import UNDER_SANITIZER, CALLCTL_BIN, TempHome, check_sanitizer_report, clean_env, run_callctl  # noqa: E402
from loopback_http import LoopbackServer  # noqa: E402

MiB = 1 << 20
DEPTHS = [257, 10_000, 100_000]
TOO_DEEP = "nested deeper than 256 levels"


def nested_arrays(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def nested_objects(depth: int, leaf: bytes = b"1") -> bytes:
    return b'{"a":' * depth + leaf + b"}" * depth


SHAPES = {"arrays": nested_arrays, "objects": nested_objects}


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("callctl: error:")]


def json_reply(body: bytes, status: int = 200):
    return lambda handler: (status, {"Content-Type": "application/json", "Content-Length": str(len(body))}, [body])


def stream(total: int, prefix: bytes = b'{"a":"', announce: bool = True):
    """A JSON string of `total` bytes, a MiB at a time; Content-Length only when `announce`."""
    def chunks():
        yield prefix
        left = total - len(prefix)
        block = b"x" * MiB
        while left > MiB:
            yield block
            left -= MiB
        yield b"x" * max(left - 2, 0) + b'"}'

    headers = {"Content-Type": "application/json"}
    if announce:
        headers["Content-Length"] = str(total)
    return lambda handler: (200, headers, chunks())


def run_measured(args: list[str], env: dict, home: TempHome, timeout: float = 120) -> tuple[int, str, str, int]:
    """Runs callctl; returns (exit code, stdout, stderr, its own peak RSS in KiB). The process is
    reaped with os.wait4, whose rusage is this one child's, not the maximum over all children."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([CALLCTL_BIN, *args], env=clean_env(home, env), stdin=subprocess.DEVNULL,
                                stdout=out, stderr=err)
        reaped: list = []
        waiter = threading.Thread(target=lambda: reaped.append(os.wait4(proc.pid, 0)), daemon=True)
        waiter.start()
        waiter.join(timeout)
        if not reaped:
            proc.kill()
            waiter.join(10)
            raise AssertionError(f"callctl {args} did not finish in {timeout} s")
        _, status, usage = reaped[0]
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped: Popen must not wait for it again
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    check_sanitizer_report(stderr)
    return proc.returncode, stdout, stderr, usage.ru_maxrss


class HostileTestCase(unittest.TestCase):
    def setUp(self):
        self.home = TempHome()
        self.addCleanup(self.home.cleanup)
        self.tmp = Path(tempfile.mkdtemp(prefix="callctl-hostile-"))
        self.addCleanup(lambda: [p.unlink() for p in self.tmp.iterdir()] and None or self.tmp.rmdir())

    def callctl(self, *args, env=None, input=None, timeout=60):
        base = {"CALLCTL_TOKEN": "tok-hostile-1"}
        base.update(env or {})
        return run_callctl(["--retries", "0", *args], env=base, input=input, timeout=timeout, home=self.home)

    def assert_one_error(self, result, code, *needles):
        rc, out, err = result
        self.assertEqual(rc, code, err)
        self.assertEqual(out, "")
        lines = error_lines(err)
        self.assertEqual(len(lines), 1, err)
        for needle in needles:
            self.assertIn(needle, lines[0])


class DeepRepliesTest(HostileTestCase):
    """Class 1, replies: every command that parses a server's JSON, several depths, both shapes."""

    def test_deep_replies_are_exit_7_for_every_command(self):
        for shape, make in SHAPES.items():
            for depth in DEPTHS:
                with self.subTest(shape=shape, depth=depth), LoopbackServer(json_reply(make(depth))) as server:
                    self.assert_one_error(self.callctl("--rest-url", server.url, "-o", "json", "call-log", "c1"), 7,
                                          "call c1", TOO_DEEP)
                    self.assert_one_error(self.callctl("--token-url", server.url, "token", "config"), 7, TOO_DEEP)
                    self.assert_one_error(self.callctl("--token-url", server.url, "token", "create", "--scope",
                                                       "virtual-number"), 7, TOO_DEEP)
                    self.assert_one_error(self.callctl("--rest-url", server.url, "create-call", "--title", "t",
                                                       "--invite", "u1"), 7, TOO_DEEP)
                    self.assert_one_error(self.callctl("--graphql-url", server.url + "/graphql", "open-door",
                                                       "--device", "d1"), 7, TOO_DEEP)

    def test_graphql_answers_nested_in_data_or_errors_path_are_exit_7(self):
        for depth in DEPTHS:
            for body in (b'{"data":' + nested_objects(depth) + b"}",
                         b'{"errors":[{"message":"x","path":' + nested_arrays(depth) + b"}]}"):
                with self.subTest(depth=depth, body=body[:20]), LoopbackServer(json_reply(body)) as server:
                    for command in (["open-door", "--device", "d1"], ["hangup", "--device", "d1"]):
                        self.assert_one_error(self.callctl("--graphql-url", server.url + "/graphql", *command), 7,
                                              TOO_DEEP)

    def test_a_deep_error_body_is_exit_7_and_minus_v_shows_its_size(self):
        for depth in DEPTHS:
            body = b'{"message":"boom","detail":' + nested_arrays(depth) + b"}"
            with self.subTest(depth=depth), LoopbackServer(json_reply(body, status=500)) as server:
                rc, out, err = self.callctl("-v", "--rest-url", server.url, "call-log", "c1")
                self.assertEqual(rc, 7, err)
                self.assertEqual(out, "")
                self.assertEqual(error_lines(err), ["callctl: error: call c1: HTTP 500"])
                self.assertIn(f"< (JSON {TOO_DEEP}, {len(body)} bytes)", err)

    def test_256_levels_are_still_a_reply(self):
        # The limit counts the whole document: the call log itself is level 1.
        log = {"id": 1, "callId": "c1", "callTitle": "t", "callStatus": "Planned", "callType": "mesh",
               "createdAt": "2024-01-01T00:00:00Z", "invitedContacts": [], "callEvents": []}
        text = json.dumps(log)[:-1] + ',"deep":' + nested_arrays(255).decode() + "}"
        with LoopbackServer(json_reply(text.encode())) as server:
            rc, out, err = self.callctl("--rest-url", server.url, "-o", "json", "call-log", "c1")
            self.assertEqual(rc, 0, err)
            self.assertEqual(json.loads(out)["callId"], "c1")
            self.assertEqual(out.count("["), 255 + 2)  # and the log's two empty lists


class DeepInputsTest(HostileTestCase):
    """Class 1, input files: exit 3 naming the file, for each reader of a JSON file."""

    def write(self, name: str, data: bytes) -> str:
        path = self.tmp / name
        path.write_bytes(data)
        return str(path)

    def test_deep_input_files_are_exit_3(self):
        for shape, make in SHAPES.items():
            for depth in DEPTHS:
                with self.subTest(shape=shape, depth=depth):
                    deep = make(depth)
                    invites = self.write("invites.json", deep)
                    self.assert_one_error(self.callctl("--rest-url", "http://127.0.0.1:9", "create-call", "--title",
                                                       "t", "--invite-file", invites), 3, invites, TOO_DEEP)
                    address = self.write("address.json", deep)
                    self.assert_one_error(self.callctl("--token-url", "http://127.0.0.1:9", "e911", "--address-file",
                                                       address), 3, address, TOO_DEEP)
                    video = self.write("video.json", deep)
                    self.assert_one_error(self.callctl("encode-push", "--type", "incoming", "--device", "d1",
                                                       "--video-file", video), 3, video, TOO_DEEP)
                    config = self.write("config.json", deep)
                    self.assert_one_error(self.callctl("--config", config, "profile", "list"), 3, config, TOO_DEEP)

    def test_deep_credentials_file_is_exit_3(self):
        self.home.config_dir.mkdir(parents=True, exist_ok=True)
        for depth in DEPTHS:
            with self.subTest(depth=depth):
                (self.home.config_dir / "credentials.json").write_bytes(nested_objects(depth))
                rc, out, err = run_callctl(["token", "show"], home=self.home)
                self.assertEqual(rc, 3, err)
                self.assertIn(TOO_DEEP, err)

    def test_a_query_file_of_20000_nested_selections_is_exit_3(self):
        for depth in (257, 20_000):
            with self.subTest(depth=depth):
                query = self.write("deep.graphql",
                                   ("mutation M($iotDeviceId: ID!, $open: Boolean) { a " + "{ a " * depth +
                                    "}" * depth + " }").encode())
                self.assert_one_error(self.callctl("--graphql-url", "http://127.0.0.1:9/graphql", "open-door",
                                                   "--device", "d1", "--query-file", query), 3, "too deep")


class HugeRepliesTest(HostileTestCase):
    """Class 2: the reply limit (--max-reply-mib, 64 by default) and bounded memory."""

    def test_an_announced_2_gib_body_is_refused_before_it_is_read(self):
        with LoopbackServer(stream(2 << 30)) as server:
            rc, out, err, rss = run_measured(["--retries", "2", "--rest-url", server.url, "call-log", "c1"],
                                             {"CALLCTL_TOKEN": "tok-hostile-1"}, self.home)
            self.assertEqual(rc, 7, err)
            self.assertEqual(out, "")
            self.assertEqual(error_lines(err), ["callctl: error: call c1: the reply is too large: the reply body is "
                                                "over the 64 MiB limit (--max-reply-mib)"])
            self.assertIn("callctl: hint: if the reply is genuine, raise the limit with --max-reply-mib N", err)
            self.assertEqual(len(server.requests), 1, "a reply too large is not retried")
            if not UNDER_SANITIZER:
                self.assertLess(rss, 100 * 1024, "nothing of the body was held")

    def test_an_unannounced_1_gib_body_is_cut_at_the_limit_and_memory_stays_bounded(self):
        for command in (["--rest-url", "@", "call-log", "c1"], ["--token-url", "@", "token", "config"]):
            with self.subTest(command=command[2:]), LoopbackServer(stream(1 << 30, announce=False)) as server:
                args = [server.url if a == "@" else a for a in command]
                rc, out, err, rss = run_measured(args, {"CALLCTL_TOKEN": "tok-hostile-1"}, self.home)
                self.assertEqual(rc, 7, err)
                self.assertEqual(out, "")
                self.assertIn("the reply is too large", err)
                self.assertLess(server.sent, 200 * MiB, "callctl hung up soon after the limit")
                # 64 MiB of body and the string's growth; before the limit existed, 4.2 GB.
                if not UNDER_SANITIZER:
                    self.assertLess(rss, 256 * 1024, f"peak RSS {rss} KiB")

    def test_max_reply_mib_raises_and_lowers_the_limit(self):
        with LoopbackServer(stream(2 * MiB)) as server:
            self.assert_one_error(self.callctl("--max-reply-mib", "1", "--token-url", server.url, "token", "config"),
                                  7, "over the 1 MiB limit")
            rc, out, err = self.callctl("--token-url", server.url, "token", "config",
                                        env={"CALLCTL_MAX_REPLY_MIB": "3"})
            self.assertEqual(rc, 0, err)
            self.assertEqual(len(json.loads(out)["a"]), 2 * MiB - 8)
        for bad in ("0", "4097", "1.5", "x"):
            with self.subTest(bad=bad):
                rc, out, err = self.callctl("--max-reply-mib", bad, "phone", "clean", "123")
                self.assertEqual(rc, 2, err)

    def test_a_1_mb_reply_header_is_exit_7_not_out_of_memory(self):
        def one_line(handler):
            return 200, {"Content-Length": "2", "X-Big": "a" * MiB}, [b"{}"]

        def many_lines(handler):
            return 200, {"Content-Length": "2", **{f"X-H{i}": "b" * 8000 for i in range(200)}}, [b"{}"]

        for answer, needle in ((one_line, "a reply header line is over 100 KB"),
                               (many_lines, "the reply headers are over 256 KiB")):
            with self.subTest(needle=needle), LoopbackServer(answer) as server:
                rc, out, err = self.callctl("--token-url", server.url, "token", "config")
                self.assertEqual(rc, 7, err)
                self.assertNotIn("Out of memory", err)
                self.assertEqual(error_lines(err), [f"callctl: error: get the app configuration: the reply is too "
                                                    f"large: {needle}"])


class LongLinesTest(HostileTestCase):
    """Class 2, line readers: a line over 16 MiB is an error, not a buffer that grows without end."""

    def test_a_17_mib_line_on_phone_stdin_is_skipped_with_exit_3(self):
        for lines in ([b"x" * (17 * MiB), b"1800CALFEDX"], [b"1800CALFEDX", b"9" * (17 * MiB)]):
            with self.subTest(first=len(lines[0])):
                rc, out, err = run_callctl(["-o", "json", "phone", "clean"], input=b"\n".join(lines) + b"\n",
                                           home=self.home, timeout=60)
                self.assertEqual(rc, 3, err)
                self.assertEqual(json.loads(out), [{"input": "1800CALFEDX", "number": "18002253339"}])
                number = 1 if len(lines[0]) > MiB else 2
                self.assertIn(f"standard input line {number} is longer than 16 MiB: skipped", err)
        rc, out, err = run_callctl(["-o", "json", "phone", "clean"], input=b"7" * (16 * MiB) + b"\n", home=self.home,
                                   timeout=60)
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(json.loads(out)[0]["number"]), 16 * MiB, "16 MiB exactly is still a line")

    def test_a_17_mib_line_in_ids_from_is_exit_3_and_nothing_is_sent(self):
        ids = self.tmp / "ids.txt"
        ids.write_bytes(b"c1\n" + b"c" * (17 * MiB) + b"\nc3\n")
        with LoopbackServer(json_reply(b"{}")) as server:
            self.assert_one_error(self.callctl("--rest-url", server.url, "call-log", "--ids-from", str(ids)), 3,
                                  f"--ids-from {ids}: line 2 is longer than 16 MiB")
            self.assertEqual(len(server.requests), 0)


if __name__ == "__main__":
    unittest.main()
