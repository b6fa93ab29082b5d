"""Secrets audit: plant distinct secrets, run every command (plain, -v, --dry-run, and failing:
401, 500, a dead port, bad input) and assert that none of them reaches stdout or stderr, except
where the user asked for it (--reveal; decode-push's decrypted output). Also: credentials.json is
0600 after every path that writes it, whatever the umask.

Planted: the stored access token (and its JWT signature alone), the stored refresh token, an
explicit token (CALLCTL_TOKEN / --token-file), an OAuth auth code, the push key (hex and base64),
a Kaleyra webhook secret, and a video password sealed inside an intercom push.
"""

from __future__ import annotations

import base64
import json
import os
import re
import stat
import subprocess
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from harness import CALLCTL_BIN, SandboxTestCase, TempHome, clean_env, run_callctl  # noqa: E402

PUSH_KEY_HEX = "7f1c9a3be0d45e6f718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8"
AUTH_CODE = "authcode-PLANTED-5c1e9d"
KALEYRA_SECRET = "kaleyra-PLANTED-a77b1f02"
VIDEO_PASSWORD = "vidpw-PLANTED-93e0c4d1"
DEAD = "http://127.0.0.1:9"  # discard port: nothing listens there


def seal(key_hex: str, plaintext: str) -> str:
    """The intercom convention: base64(IV || AES-256-CBC/PKCS#7), via openssl(1)."""
    iv = os.urandom(16)
    done = subprocess.run(["openssl", "enc", "-aes-256-cbc", "-K", key_hex, "-iv", iv.hex()],
                          input=plaintext.encode(), capture_output=True, check=True, timeout=20)
    return base64.b64encode(iv + done.stdout).decode()


def has_command(name: str) -> bool:
    """Whether `callctl --help` lists the subcommand (`callctl unknown --help` exits 0 too)."""
    with TempHome() as home:
        rc, out, _ = run_callctl(["--help"], home=home, timeout=30)
    return rc == 0 and re.search(rf"^\s+{re.escape(name)}\s", out, re.MULTILINE) is not None


class SecretsTest(SandboxTestCase):
    sandbox_options = {"push_key_hex": PUSH_KEY_HEX}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.have_push_commands = has_command("decode-push") and has_command("encode-push")

    def setUp(self):
        super().setUp()
        self.tmp = TempHome()  # files handed to callctl (push, key, secret files)
        self.addCleanup(self.tmp.cleanup)
        self.files = self.tmp.path
        self.key_file = self.files / "push.key"
        self.key_file.write_text(PUSH_KEY_HEX + "\n")
        self.kaleyra_secret_file = self.files / "kaleyra.secret"
        self.kaleyra_secret_file.write_text(KALEYRA_SECRET + "\n")
        self.auth_code_file = self.files / "code.txt"
        self.auth_code_file.write_text(AUTH_CODE + "\n")
        video = json.dumps({"url": "https://cam.example/v", "username": "door", "password": VIDEO_PASSWORD})
        self.video_file = self.files / "video.json"
        self.video_file.write_text(video)
        self.push_file = self.files / "push.json"
        self.push_file.write_text(json.dumps({"message": {"token": "fcm", "data": {
            "type": "Call.Incoming", "iotDeviceId": "dev_42", "callId": "c-1", "video": seal(PUSH_KEY_HEX, video)}}}))
        self.explicit = ""  # set by planted_home()
        self.explicit_file = self.files / "token.txt"
        self.refresh_file = self.files / "refresh.txt"
        self.call_ids = self.sb.admin("POST", "/_sandbox/calls", {"count": 2, "frozen": True})["callIds"]

    # ---- a fresh home with a stored token pair, and a fresh explicit token, for every run
    # (revoke and refresh spend them)
    def planted_home(self, urls: str | None = None, expired: bool = False) -> tuple[TempHome, dict]:
        self.explicit = self.sb.token()["access_token"]
        self.explicit_file.write_text(self.explicit + "\n")
        home = TempHome()
        url = urls or self.sb.http
        home.write_config({"profiles": {"default": {"token_url": url, "rest_url": url,
                                                    "graphql_url": url + "/graphql"}}})
        issued = self.sb.token()
        now = int(time.time())
        stored = {"access_token": issued["access_token"], "refresh_token": issued["refresh_token"],
                  "scope": "VIRTUAL_NUMBER", "token_type": "bearer", "obtained_at": now,
                  "expires_at": now - 60 if expired else now + 3600, "token_url": self.sb.http}
        path = home.config_dir / "credentials.json"
        path.write_text(json.dumps({"profiles": {"default": stored}}))
        path.chmod(0o600)
        self.refresh_file.write_text(issued["refresh_token"] + "\n")
        return home, stored

    def secrets(self, stored: dict) -> dict[str, str]:
        return {
            "stored access token": stored["access_token"],
            "stored access token's signature": stored["access_token"].rsplit(".", 1)[1],
            "stored refresh token": stored["refresh_token"],
            "explicit token": self.explicit,
            "auth code": AUTH_CODE,
            "push key (hex)": PUSH_KEY_HEX,
            "push key (base64)": base64.b64encode(bytes.fromhex(PUSH_KEY_HEX)).decode(),
            "Kaleyra secret": KALEYRA_SECRET,
            "video password": VIDEO_PASSWORD,
        }

    def assert_no_secret(self, label: str, out: str, err: str, secrets: dict[str, str], allowed=()) -> None:
        for name, value in secrets.items():
            if name in allowed:
                continue
            self.assertNotIn(value, out, f"{label}: the {name} is on stdout")
            self.assertNotIn(value, err, f"{label}: the {name} is on stderr")

    def commands(self) -> list[tuple[str, list[str], dict]]:
        """(label, argv, extra env) for every backend command; all read the stored token."""
        push_env = {"CALLCTL_PUSH_KEY": PUSH_KEY_HEX}
        return [
            ("token create", ["token", "create", "--scope", "virtual-number"], {}),
            ("token create --save", ["token", "create", "--scope", "account-id", "--save"], {}),
            ("token create mobile (env code)", ["token", "create", "--scope", "mobile-number"],
             {"CALLCTL_AUTH_CODE": AUTH_CODE}),
            ("token create mobile (code file)", ["token", "create", "--scope", "mobile-number",
                                                 "--auth-code-file", str(self.auth_code_file)], {}),
            ("token refresh", ["token", "refresh"], {}),
            ("token refresh (file)", ["token", "refresh", "--refresh-token-file", str(self.refresh_file)], {}),
            ("token revoke", ["token", "revoke"], {}),
            ("token revoke (explicit)", ["--token-file", str(self.explicit_file), "token", "revoke"], {}),
            ("token show", ["token", "show"], {}),
            ("token show (explicit)", ["token", "show"], {"CALLCTL_TOKEN": self.explicit}),
            ("token config", ["token", "config"], {}),
            ("e911", ["e911", "--first-name", "Ada", "--last-name", "Lovelace", "--house-number", "12",
                      "--street", "Main St", "--city", "Springfield", "--state", "IL", "--zip", "62701"], {}),
            ("create-call", ["create-call", "--title", "T", "--invite", "tester:8"], {}),
            ("call-log", ["call-log", *self.call_ids], {}),
            ("call-log (explicit)", ["call-log", self.call_ids[0]], {"CALLCTL_TOKEN": self.explicit}),
            ("answer", ["answer", "--device", "dev_42"], push_env),
            ("open-door --from-push", ["open-door", "--from-push", str(self.push_file)], push_env),
            ("hangup", ["hangup", "--from-push", str(self.push_file)], push_env),
            ("profile show", ["profile", "show"], {}),
        ]

    def run_all(self, mode: list[str], urls: str | None = None, faults: dict | None = None) -> int:
        """Runs every command in `mode`; returns how many failed. The homes (and their tokens) are
        made before `faults` are set, since the sandbox would fault the test's own POST /tokens."""
        runs = []
        try:
            for index in range(len(self.commands())):
                home, stored = self.planted_home(urls)
                runs.append((home, self.secrets(stored), self.commands()[index]))
            if faults:
                self.sb.set_faults(faults)
            failures = 0
            for home, secrets, (label, argv, env) in runs:
                with self.subTest(command=label, mode=mode):
                    rc, out, err = run_callctl([*mode, *argv], env=env, home=home, timeout=60)
                    self.assertNotIn(rc, (1, -6, 86), f"{label}: crashed\n{err}")
                    failures += rc != 0
                    self.assert_no_secret(f"{label} {mode}", out, err, secrets)
            return failures
        finally:
            self.sb.clear_faults()
            for home, _, _ in runs:
                home.cleanup()

    # ---- every command, three ways
    def test_plain_runs_print_no_planted_secret(self):
        self.run_all(["-o", "json"])
        self.run_all(["-o", "table"])

    def test_verbose_runs_print_no_planted_secret(self):
        self.assertEqual(self.run_all(["-v", "-o", "json"]), 0, "every command succeeds with -v")

    def test_dry_runs_print_no_planted_secret(self):
        self.run_all(["--dry-run"])
        self.assertEqual(self.sb.requests(), [r for r in self.sb.requests() if r["path"] == "/tokens"],
                         "a dry run sends nothing (only the test's own token requests reached the sandbox)")

    # ---- failing
    def test_401_everywhere_prints_no_planted_secret(self):
        routes = ("/tokens", "/config", "/e911ids", "/rtc/createCall", "/rtc/getCallLogById", "/graphql")
        self.assertGreater(self.run_all(["-v"], faults={"status_for": {p: 401 for p in routes}}), 10)

    def test_500_everywhere_prints_no_planted_secret(self):
        routes = ("/tokens", "/config", "/e911ids", "/rtc/createCall", "/rtc/getCallLogById", "/graphql")
        self.assertGreater(self.run_all(["-v", "--retries", "0"], faults={"status_for": {p: 500 for p in routes}}), 10)

    def test_a_dead_port_prints_no_planted_secret(self):
        self.assertGreater(self.run_all(["-v", "--retries", "0"], urls=DEAD), 10)

    def test_bad_input_prints_no_planted_secret(self):
        bad_push = self.files / "bad.json"
        bad_push.write_text('{"type":"Call.Incoming","video":"' + PUSH_KEY_HEX + '"')
        bad_query = self.files / "bad.graphql"
        bad_query.write_text("mutation { answerIncomingCall(")
        cases = [
            ["e911", "--first-name", "Ada", "--last-name", "L", "--house-number", "1", "--street", "S",
             "--city", "C", "--state", "Illinois", "--zip", "6"],
            ["answer", "--from-push", str(bad_push)],
            ["answer", "--device", "dev_42", "--query-file", str(bad_query)],
            ["--token-file", str(self.files / "missing"), "call-log", "x"],
            ["token", "create", "--scope", "virtual-number", "--auth-code", "-"],  # a code where none belongs
        ]
        for argv in cases:
            with self.subTest(argv=argv[:2]):
                home, stored = self.planted_home()
                try:
                    rc, out, err = run_callctl(["-v", *argv], home=home, input=AUTH_CODE + "\n",
                                               env={"CALLCTL_PUSH_KEY": PUSH_KEY_HEX})
                finally:
                    home.cleanup()
                self.assertIn(rc, (2, 3, 5, 6), err)
                self.assert_no_secret(" ".join(argv[:2]), out, err, self.secrets(stored))

    # ---- where the user asked
    def test_reveal_and_piped_json_show_what_was_asked_and_nothing_else(self):
        home, stored = self.planted_home()
        try:
            rc, out, err = run_callctl(["token", "show", "--reveal"], home=home)
            self.assertEqual(rc, 0, err)
            self.assertIn(stored["access_token"], out, "--reveal prints the token: the audit can see secrets")
            self.assert_no_secret("token show --reveal", out, err, self.secrets(stored),
                                  allowed=("stored access token", "stored access token's signature",
                                           "stored refresh token"))
            rc, out, err = run_callctl(["token", "create", "--scope", "virtual-number", "-o", "json"], home=home)
            self.assertEqual(rc, 0, err)
            created = json.loads(out)
            self.assertTrue(created["access_token"].count(".") == 2, "the piped JSON is the token response")
            self.assertNotIn(created["access_token"], err)
            self.assert_no_secret("token create -o json", out, err, self.secrets(stored))
        finally:
            home.cleanup()

    # ---- push commands
    def require_push_commands(self):
        if not self.have_push_commands:
            self.skipTest("decode-push/encode-push are not in this build yet (push commands in progress)")

    def test_decode_push_shows_the_password_only_when_it_decrypts(self):
        self.require_push_commands()
        home, stored = self.planted_home()
        secrets = self.secrets(stored)
        try:
            for mode in ([], ["-v"]):
                rc, out, err = run_callctl([*mode, "decode-push", str(self.push_file), "--key-file", str(self.key_file)],
                                           home=home)
                self.assertEqual(rc, 0, err)
                self.assertIn(VIDEO_PASSWORD, out, "decrypted output is what the user asked for")
                self.assertNotIn(VIDEO_PASSWORD, err)
                self.assert_no_secret("decode-push", out, err, secrets, allowed=("video password",))
            rc, out, err = run_callctl(["decode-push", str(self.push_file)], home=home)
            self.assert_no_secret("decode-push without key", out, err, secrets)
            wrong = self.files / "wrong.key"
            wrong.write_text("00" * 32)
            rc, out, err = run_callctl(["decode-push", str(self.push_file), "--key-file", str(wrong)], home=home)
            self.assertNotEqual(rc, 0)
            self.assert_no_secret("decode-push wrong key", out, err, secrets)
            body = (Path(os.environ.get("CALLCTL_SOURCE_DIR", ".")) / "tests/data/kaleyra_on_call_incoming.json")
            if body.exists():
                rc, out, err = run_callctl(["decode-push", str(body), "--signature", "t=1700000000,v0=" + "ab" * 32,
                                            "--secret-file", str(self.kaleyra_secret_file)], home=home)
                self.assertEqual(rc, 9, err)
                self.assert_no_secret("decode-push bad signature", out, err, secrets)
        finally:
            home.cleanup()

    def test_encode_push_never_prints_the_key_or_the_password(self):
        self.require_push_commands()
        home, stored = self.planted_home()
        try:
            for mode in ([], ["-v"]):
                rc, out, err = run_callctl([*mode, "encode-push", "--type", "incoming", "--device", "dev_42",
                                            "--video-file", str(self.video_file), "--key-file", str(self.key_file)],
                                           home=home)
                self.assertEqual(rc, 0, err)
                self.assert_no_secret("encode-push", out, err, self.secrets(stored))
        finally:
            home.cleanup()

    # ---- credentials.json is 0600 after every write
    def assert_private(self, home: TempHome, what: str) -> None:
        path = home.config_dir / "credentials.json"
        self.assertTrue(path.exists(), what)
        self.assertEqual(stat.S_IMODE(path.stat().st_mode), 0o600, f"{what}: credentials.json mode")
        leftovers = [p.name for p in home.config_dir.iterdir() if p.name not in ("credentials.json", "config.json", ".credentials.json.lock")]
        self.assertEqual(leftovers, [], f"{what}: temp files left behind")

    def test_credentials_are_0600_after_every_write_path_even_with_umask_0(self):
        old = os.umask(0)  # the children inherit it: a careless write would make a 0666 file
        try:
            def run(home, *argv, env=None):
                rc, _, err = run_callctl(list(argv), home=home, env=env)
                self.assertEqual(rc, 0, f"{argv}: {err}")

            with TempHome() as home:  # the first write creates the directory and the file
                run(home, "--token-url", self.sb.http, "token", "create", "--scope", "virtual-number", "--save")
                self.assertEqual(stat.S_IMODE(home.config_dir.stat().st_mode), 0o700)
                self.assert_private(home, "token create --save (new file)")
                (home.config_dir / "credentials.json").chmod(0o644)  # a file someone loosened
                run(home, "--token-url", self.sb.http, "token", "create", "--scope", "virtual-number", "--save")
                self.assert_private(home, "token create --save (over a 0644 file)")
                run(home, "--token-url", self.sb.http, "token", "refresh")
                self.assert_private(home, "token refresh (stored pair)")
                run(home, "--token-url", self.sb.http, "token", "refresh",
                    "--refresh-token-file", str(self._refresh_file_for(home)), "--save")
                self.assert_private(home, "token refresh --save")
                run(home, "--token-url", self.sb.http, "token", "revoke")
                self.assert_private(home, "token revoke (forgets the token)")
            home, _ = self.planted_home(expired=True)
            try:
                run(home, "call-log", self.call_ids[0])
                self.assert_private(home, "refresh of an expired stored token before use")
            finally:
                home.cleanup()
            home, stored = self.planted_home()
            try:
                # The server rejects the stored access token once: the 401 triggers a refresh and a save.
                self.sb.set_faults({"fail_next": {"count": 1, "status": 401}})
                run(home, "call-log", self.call_ids[0])
                self.sb.clear_faults()
                self.assertNotEqual(json.loads((home.config_dir / "credentials.json").read_text())
                                    ["profiles"]["default"]["access_token"], stored["access_token"])
                self.assert_private(home, "refresh after a 401")
            finally:
                home.cleanup()
        finally:
            os.umask(old)

    def _refresh_file_for(self, home: TempHome) -> Path:
        stored = json.loads((home.config_dir / "credentials.json").read_text())["profiles"]["default"]
        self.refresh_file.write_text(stored["refresh_token"] + "\n")
        return self.refresh_file


if __name__ == "__main__":
    unittest.main()
