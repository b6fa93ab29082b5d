"""Every file callctl is given goes through one reader (issue 19, class 9): a directory, a missing
path, a path through a regular file, a socket (which open(2) refuses, even to root) or a file past the
size limit is exit 3 with one error line naming the path and why, never the old "internal error:
basic_filebuf::underflow" with its "this is a bug" hint. Tried for each file option and positional
file, and for a config.json or credentials.json that is a directory."""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from harness import TempHome, run_callctl  # noqa: E402

DEAD = "http://127.0.0.1:9"  # never reached: every command below stops at its file

# Each command with FILE where the bad path goes; every one must stop there, before sending anything.
COMMANDS = {
    "decode-push FILE": ["decode-push", "FILE"],
    "decode-push --stream FILE": ["decode-push", "--stream", "FILE"],
    "decode-push --key-file": ["decode-push", "--key-file", "FILE", "-"],
    "decode-push --secret-file": ["decode-push", "--secret-file", "FILE", "-"],
    "--token-file": ["--token-file", "FILE", "--rest-url", DEAD, "call-log", "1"],
    "call-log --ids-from": ["--token", "t", "--rest-url", DEAD, "call-log", "--ids-from", "FILE"],
    "--config": ["--config", "FILE", "profile", "list"],
    "run FLOW": ["run", "FILE"],
    "e911 --address-file": ["--token", "t", "--rest-url", DEAD, "e911", "--address-file", "FILE"],
    "create-call --invite-file": ["--token", "t", "--graphql-url", DEAD, "create-call", "--title", "x",
                                  "--invite-file", "FILE"],
    "encode-push --video-file": ["encode-push", "--type", "incoming", "--device", "d", "--video-file", "FILE"],
    "token create --auth-code-file": ["--token-url", DEAD, "token", "create", "--scope", "mobile-number",
                                      "--auth-code-file", "FILE"],
    "token refresh --refresh-token-file": ["--token-url", DEAD, "token", "refresh", "--refresh-token-file", "FILE"],
    "login intercom --password-file": ["--graphql-url", DEAD, "login", "intercom", "--username", "u",
                                       "--client-id", "c", "--password-file", "FILE"],
    "send-push --fcm-credentials": ["send-push", "--fcm-credentials", "FILE", "--to", "d"],
    "send-push --apns-key": ["send-push", "--apns-key", "FILE", "--apns-key-id", "k", "--apns-team-id", "t",
                             "--apns-topic", "x", "--to", "d"],
}


class FileInputTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="callctl-files-")
        self.addCleanup(self.tmp.cleanup)
        base = Path(self.tmp.name)
        self.home = TempHome()
        self.addCleanup(self.home.cleanup)
        (base / "dir").mkdir()
        (base / "plain").write_text("x")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(base / "sock"))
        self.addCleanup(sock.close)
        huge = base / "huge"
        with open(huge, "wb") as f:
            f.truncate((64 << 20) + 1)  # sparse: no disk used
        self.cases = {
            "a directory": (str(base / "dir"), "Is a directory"),
            "a missing file": (str(base / "missing"), "No such file or directory"),
            "a path through a file": (str(base / "plain" / "x"), "Not a directory"),
            "a socket": (str(base / "sock"), "No such device or address"),
        }
        self.huge = str(huge)

    def assert_refused(self, argv: list[str], line: str, what: str) -> None:
        rc, out, err = run_callctl(argv, home=self.home, input="")
        self.assertEqual(rc, 3, f"{what}: {err}")
        self.assertEqual(out, "", what)
        lines = err.splitlines()
        self.assertTrue(lines, what)
        self.assertEqual(lines[0], line, what)
        self.assertNotIn("internal error", err, what)
        self.assertNotIn("this is a bug", err, what)

    def test_every_file_option_refuses_a_bad_path_with_exit_3_naming_it(self):
        for name, argv in COMMANDS.items():
            for kind, (path, why) in self.cases.items():
                if name == "--config" and kind == "a missing file":
                    continue  # no config yet is no profiles (`profile set` creates it): below
                with self.subTest(option=name, path=kind):
                    self.assert_refused([path if a == "FILE" else a for a in argv],
                                        f"callctl: error: cannot read {path}: {why}", f"{name} with {kind}")

    def test_a_missing_config_is_an_empty_one(self):
        missing = self.cases["a missing file"][0]
        rc, out, err = run_callctl(["--config", missing, "-o", "json", "profile", "list"], home=self.home)
        self.assertEqual((rc, out, err), (0, "[]\n", ""))

    def test_a_file_past_64_mib_is_refused_unread(self):
        for name in ("decode-push FILE", "--config", "call-log --ids-from", "--token-file"):
            with self.subTest(option=name):
                argv = [self.huge if a == "FILE" else a for a in COMMANDS[name]]
                self.assert_refused(argv, f"callctl: error: {self.huge} is {(64 << 20) + 1} bytes, "
                                          "more than the 64 MiB callctl reads", name)
        self.assert_refused(["run", self.huge], f"callctl: error: {self.huge} is {(64 << 20) + 1} bytes, "
                                                "more than the 4 MiB callctl reads", "run FLOW")

    def test_a_directory_where_config_or_credentials_json_belongs(self):
        self.home.config_dir.mkdir(parents=True)
        (self.home.config_dir / "config.json").mkdir()
        self.assert_refused(["profile", "list"],
                            f"callctl: error: cannot read {self.home.config_dir / 'config.json'}: Is a directory",
                            "config.json a directory")
        (self.home.config_dir / "config.json").rmdir()
        (self.home.config_dir / "credentials.json").mkdir()
        path = self.home.config_dir / "credentials.json"
        for argv in (["token", "show"], ["--rest-url", DEAD, "call-log", "1"], ["logout", "intercom"]):
            with self.subTest(argv=argv):
                self.assert_refused(argv, f"callctl: error: cannot read {path}: Is a directory", " ".join(argv))


if __name__ == "__main__":
    unittest.main()
