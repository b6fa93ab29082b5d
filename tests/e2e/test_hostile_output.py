"""What a hostile server makes callctl print (callctl(1), SECURITY): issue 19 classes 5, 6 and 7.

- Secrets echoed back: a server whose error message echoes our request (the bearer token, the refresh
  or revoked token, a password, an API key, as themselves, JSON-escaped and percent-encoded) gets
  them replaced by *** on stderr, in call-log's error objects on stdout and under -v, for every
  command that prints server text.
- Header injection: a token with CR LF (or any control character, or a space) is refused before
  anything is sent: from the token endpoint exit 7 and nothing stored; from CALLCTL_TOKEN,
  --token-file, the stored credentials, a refresh argument exit 5.
- Terminal escapes: OSC 0 / OSC 52 / CSI 2K / BEL / CR in a server's message, a call title or a
  push's device id are shown escaped in error lines, hints, warnings, -v lines and tables.
- And from class 12: a short secret is redacted only as a whole word; Ctrl-C during N ids prints
  one line with the count; encode-push --call-id's default is what the help and the man page say.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest
import urllib.parse
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from harness import CALLCTL_BIN, SandboxTestCase, TempHome, clean_env, run_callctl  # noqa: E402
from hostile_server import ESCAPES, HostileServer  # noqa: E402
from test_signals import open_sockets  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
# Secrets with the characters that have other spellings: '"' and '\' (JSON-escaped), '/' and '+'
# (percent-encoded).
TOKEN = 'tok"SECRET\\1a2b/3c+'
REFRESH = 'ref"SECRET\\9z8y/7x'
PASSWORD = 'pw "SECRET" 5/6'
API_KEY = "key-SECRET-4d5e/6f"
WEBEX_TOKEN = "webex-SECRET-7g8h"
RAW_CONTROLS = ("\x1b", "\x07", "\r")


def spellings(secret: str) -> list[str]:
    """Every way a secret can come back: itself, JSON-escaped (both ways), percent-encoded."""
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
             urllib.parse.quote(secret, safe=""), urllib.parse.quote(secret, safe="").lower(),
             urllib.parse.quote_plus(secret, safe="")}
    return sorted(forms)


class HostileOutputTest(SandboxTestCase):
    def setUp(self):
        super().setUp()
        self.files = TempHome()
        self.addCleanup(self.files.cleanup)

    def hostile(self, **options) -> HostileServer:
        server = HostileServer(**options).start()
        self.addCleanup(server.stop)
        return server

    def file(self, name: str, text: str) -> str:
        path = self.files.path / name
        path.write_text(text)
        return str(path)

    def env_for(self, server: HostileServer, **extra) -> dict:
        env = {"CALLCTL_TOKEN_URL": server.url, "CALLCTL_REST_URL": server.url,
               "CALLCTL_GRAPHQL_URL": server.url + "/graphql", "CALLCTL_KALEYRA_URL": server.url,
               "CALLCTL_WEBEX_URL": server.url, "CALLCTL_RETRIES": "0"}
        env.update(extra)
        return env

    def assert_no_secret(self, text: str, secrets: list[str], where: str) -> None:
        for secret in secrets:
            for form in spellings(secret):
                self.assertNotIn(form, text, f"{where} shows a secret ({form!r}):\n{text}")

    def assert_no_raw_controls(self, text: str, where: str) -> None:
        for control in RAW_CONTROLS:
            self.assertNotIn(control, text, f"{where} passes {control!r} to the terminal:\n{text!r}")

    # ------------------------------------------------------------ class 5: echoed secrets

    def echo_cases(self) -> list[tuple[str, list[str], dict, list[str]]]:
        """(name, argv, extra env, secrets the command sends) for each command that prints server text."""
        token_file = self.file("token", TOKEN + "\n")
        refresh_file = self.file("refresh", REFRESH + "\n")
        password_file = self.file("password", PASSWORD + "\n")
        code_file = self.file("code", "code-SECRET-0k1l\n")
        bearer = {"CALLCTL_TOKEN": TOKEN}
        return [
            ("call-log", ["call-log", "c1"], bearer, [TOKEN]),
            ("call-log -v", ["-v", "call-log", "c1"], bearer, [TOKEN]),
            ("call-log --token-file", ["call-log", "c1", "--token-file", token_file], {}, [TOKEN]),
            ("token refresh", ["token", "refresh", "--refresh-token-file", refresh_file], {}, [REFRESH]),
            ("token refresh -v", ["-v", "token", "refresh", "--refresh-token-file", refresh_file], {}, [REFRESH]),
            ("token revoke", ["token", "revoke"], bearer, [TOKEN]),
            ("token create", ["token", "create", "--scope", "mobile-number", "--auth-code-file", code_file], {},
             ["code-SECRET-0k1l"]),
            ("open-door", ["open-door", "--device", "d1"], bearer, [TOKEN]),
            ("answer -v", ["-v", "answer", "--device", "d1"], bearer, [TOKEN]),
            ("hangup", ["hangup", "--device", "d1"], bearer, [TOKEN]),
            ("create-call", ["create-call", "--title", "t", "--invite", "u"], bearer, [TOKEN]),
            ("e911", ["e911", "--first-name", "a", "--last-name", "b", "--house-number", "1", "--street", "s",
                      "--city", "c", "--state", "CA", "--zip", "12345"], bearer, [TOKEN]),
            ("login intercom", ["login", "intercom", "--username", "u", "--password-file", password_file,
                                "--client-id", "app"], {}, [PASSWORD]),
            ("kaleyra-token", ["kaleyra-token", "--user-id", "u"], {"CALLCTL_KALEYRA_API_KEY": API_KEY}, [API_KEY]),
            ("webex-webhook list", ["webex-webhook", "list"], {"CALLCTL_WEBEX_TOKEN": WEBEX_TOKEN}, [WEBEX_TOKEN]),
        ]

    def test_a_server_echoing_the_request_shows_no_secret_for_any_command(self):
        for status in (400, 500):
            server = self.hostile(status=status)
            for name, argv, env, secrets in self.echo_cases():
                with self.subTest(command=name, status=status):
                    before = len(server.sent())
                    rc, out, err = run_callctl(argv, env=self.env_for(server, **env), home=self.home)
                    self.assertGreater(len(server.sent()), before, f"{name} sent nothing:\n{err}")
                    self.assertNotEqual(rc, 0, err)
                    self.assert_no_secret(out + err, secrets, name)
                    self.assertIn("***", err, f"{name}: the echo was not shown redacted:\n{err}")
                    self.assert_no_raw_controls(err, name)

    def test_several_ids_put_no_secret_in_the_error_objects_or_the_warnings(self):
        server = self.hostile()
        for output in ("json", "ndjson", "table"):
            with self.subTest(output=output):
                rc, out, err = run_callctl(["-o", output, "call-log", "c1", "c2", "c3"],
                                           env=self.env_for(server, CALLCTL_TOKEN=TOKEN), home=self.home)
                self.assertEqual(rc, 6, err)
                self.assert_no_secret(out + err, [TOKEN], output)
                self.assert_no_raw_controls(err, output)
                if output == "table":
                    self.assert_no_raw_controls(out, "the table")
                    continue
                objects = json.loads(out) if output == "json" else [json.loads(l) for l in out.splitlines()]
                self.assertEqual(sorted(o["callId"] for o in objects), ["c1", "c2", "c3"])
                for o in objects:
                    self.assertIn("Authorization: Bearer ***", o["error"]["message"])
                warnings = [l for l in err.splitlines() if l.startswith("callctl: warning: ")]
                self.assertEqual(len(warnings), 3, err)

    def test_a_graphql_answer_with_errors_echoing_the_token_is_redacted(self):
        server = self.hostile(status=200)  # 200 with an "errors" array: exit 8
        rc, out, err = run_callctl(["open-door", "--device", "d1"], env=self.env_for(server, CALLCTL_TOKEN=TOKEN),
                                   home=self.home)
        self.assertEqual(rc, 8, err)
        self.assert_no_secret(out + err, [TOKEN], "GraphQL errors")
        self.assertIn("Authorization: Bearer ***", err)
        self.assert_no_raw_controls(err, "GraphQL errors")

    def test_the_stored_token_echoed_with_a_401_is_redacted(self):
        # A 401 with a stored refresh token: callctl refreshes it (at the token endpoint it was
        # stored with) and retries once; the second 401 echoes the new token, one the server gave
        # callctl mid-run. No token of the run may show.
        rc, _, err = run_callctl(["--token-url", self.sb.http, "token", "create", "--scope", "virtual-number",
                                  "--save"], home=self.home)
        self.assertEqual(rc, 0, err)
        stored = json.loads((self.home.config_dir / "credentials.json").read_text())
        profile = stored["profiles"]["default"]
        old = profile["access_token"]
        server = self.hostile(status=401)
        rc, out, err = run_callctl(["call-log", "c1"], env=self.env_for(server), home=self.home)
        self.assertEqual(rc, 5, err)
        renewed = json.loads((self.home.config_dir / "credentials.json").read_text())["profiles"]["default"]
        self.assertNotEqual(renewed["access_token"], old, "no refresh happened")
        self.assert_no_secret(out + err, [old, profile["refresh_token"], renewed["access_token"],
                                          renewed["refresh_token"]], "call-log with the stored token")
        self.assertIn("***", err)

    def test_dry_run_bodies_stay_json_and_show_no_secret(self):
        for secret in ('a"b', "a\\b", 'q"\\/'):
            with self.subTest(secret=secret):
                rc, out, err = run_callctl(["--dry-run", "token", "revoke"],
                                           env={"CALLCTL_TOKEN_URL": "http://127.0.0.1:9", "CALLCTL_TOKEN": secret},
                                           home=self.home)
                self.assertEqual((rc, err), (0, ""))
                body = re.search(r"--data-binary '(.*)'$", out.strip()).group(1)
                self.assertEqual(json.loads(body), {"token": "***"})
                self.assert_no_secret(out, [secret], "--dry-run")

    # ------------------------------------------------------------ class 6: header injection

    def assert_refused(self, rc: int, err: str, code: int, server: HostileServer, sent_before: int) -> None:
        self.assertEqual(rc, code, err)
        lines = err.splitlines()
        self.assertRegex(lines[0], r"^callctl: error: .* cannot be used: it holds ")
        self.assert_no_raw_controls(err, "the refusal")
        self.assertEqual(len(server.sent()), sent_before, "something was sent")
        for request in server.sent():
            self.assertIsNone(request.header("X-Injected"))

    def test_a_token_server_answering_crlf_is_exit_7_and_nothing_is_stored(self):
        for token in ("abc\r\nX-Injected: 1", "abc\ndef", "a\x00b", "abc def", "abc\tdef", "\x1b[2Kabc"):
            server = self.hostile(mode="inject", token=token)
            for argv in (["token", "create", "--scope", "virtual-number", "--save"],
                         ["token", "create", "--scope", "virtual-number"],
                         ["token", "refresh", "--refresh-token-file", self.file("r", "r-1\n"), "--save"],
                         ["login", "intercom", "--username", "u", "--password-file", self.file("p", "pw\n"),
                          "--client-id", "app"]):
                with self.subTest(token=token, argv=argv):
                    rc, out, err = run_callctl(argv, env=self.env_for(server), home=self.home)
                    self.assertEqual(rc, 7, err)
                    self.assertEqual(out, "")
                    self.assertRegex(err, r"^callctl: error: the (token endpoint|intercom login)'s access_token cannot be used: it holds ")
                    self.assert_no_raw_controls(err, "the refusal")
                    self.assertFalse((self.home.config_dir / "credentials.json").exists(), "the token was stored")
            # And nothing went to the REST host with it.
            self.assertEqual([r.method + " " + r.path.split("?")[0] for r in server.sent()],
                             ["POST /tokens", "POST /tokens", "POST /tokens", "POST /oauth/token"])

    def test_a_user_token_with_a_control_character_is_exit_5_before_anything_is_sent(self):
        server = self.hostile()
        bad_tokens = ["abc\r\nX-Injected: 1", "abc\ndef", "abc def", "a\tb", "a\x7fb", "a\x1b]0;x\x07b"]
        for token in bad_tokens:
            token_file = self.file("token", token + "\n")
            cases = [
                ("CALLCTL_TOKEN", ["call-log", "c1"], {"CALLCTL_TOKEN": token}),
                ("--token-file", ["call-log", "c1", "--token-file", token_file], {}),
                ("--token", ["open-door", "--device", "d", "--token", token], {}),
                ("token revoke", ["token", "revoke"], {"CALLCTL_TOKEN": token}),
                ("CALLCTL_WEBEX_TOKEN", ["webex-webhook", "list"], {"CALLCTL_WEBEX_TOKEN": token}),
                ("token refresh", ["token", "refresh", "--refresh-token-file", token_file], {}),
            ]
            for name, argv, env in cases:
                with self.subTest(token=token, source=name):
                    before = len(server.sent())
                    rc, out, err = run_callctl(argv, env=self.env_for(server, **env), home=self.home)
                    self.assertEqual(out, "")
                    self.assert_refused(rc, err, 5, server, before)

    def test_a_stored_token_with_crlf_is_exit_5_before_anything_is_sent(self):
        rc, _, err = run_callctl(["--token-url", self.sb.http, "token", "create", "--scope", "virtual-number",
                                  "--save"], home=self.home)
        self.assertEqual(rc, 0, err)
        path = self.home.config_dir / "credentials.json"
        stored = json.loads(path.read_text())
        server = self.hostile()
        for field in ("access_token", "refresh_token"):
            data = json.loads(json.dumps(stored))
            data["profiles"]["default"][field] = "abc\r\nX-Injected: 1"
            if field == "refresh_token":
                data["profiles"]["default"]["expires_at"] = 1  # expired: refreshed before use
            path.write_text(json.dumps(data))
            os.chmod(path, 0o600)
            with self.subTest(field=field):
                before = len(server.sent())
                rc, out, err = run_callctl(["call-log", "c1"], env=self.env_for(server), home=self.home)
                self.assertEqual(out, "")
                self.assert_refused(rc, err, 5, server, before)
                self.assertIn("the stored ", err.splitlines()[0])

    # ------------------------------------------------------------ class 7: terminal escapes

    def test_escapes_in_server_messages_are_shown_escaped(self):
        server = self.hostile()
        for name, argv, env in [
            ("error line", ["call-log", "c1"], {"CALLCTL_TOKEN": "t-12345678"}),
            ("warnings", ["call-log", "c1", "c2"], {"CALLCTL_TOKEN": "t-12345678"}),
            ("-v", ["-v", "call-log", "c1"], {"CALLCTL_TOKEN": "t-12345678"}),
            ("graphql", ["open-door", "--device", "d"], {"CALLCTL_TOKEN": "t-12345678"}),
            ("token refresh", ["token", "refresh", "--refresh-token-file", self.file("r", "r-12345678\n")], {}),
        ]:
            with self.subTest(name):
                rc, out, err = run_callctl(argv, env=self.env_for(server, **env), home=self.home)
                self.assertNotEqual(rc, 0)
                self.assert_no_raw_controls(err, name)
                self.assertIn("\\x1b]0;owned\\x07\\x1b]52;c;ZXZpbA==\\x07\\x1b[2K\\rnothing to see", err)

    def test_a_plain_text_body_and_a_redirect_hint_are_escaped(self):
        server = self.hostile(mode="text", status=502)
        rc, out, err = run_callctl(["-v", "call-log", "c1"], env=self.env_for(server, CALLCTL_TOKEN="t-12345678"),
                                   home=self.home)
        self.assertEqual(rc, 7, err)
        self.assert_no_raw_controls(err, "a text body")
        self.assertIn("\\x1b]0;owned", err.splitlines()[-1])
        server = self.hostile(mode="redirect", status=302)
        rc, out, err = run_callctl(["call-log", "c1"], env=self.env_for(server, CALLCTL_TOKEN="t-12345678"),
                                   home=self.home)
        self.assertEqual(rc, 6, err)
        self.assert_no_raw_controls(err, "a redirect hint")
        self.assertRegex(err.splitlines()[-1], r"^callctl: hint: the server redirects to .*\\x1b\]0;owned")

    def test_a_call_title_with_escapes_is_escaped_in_tables_and_reports(self):
        title = "Standup " + ESCAPES
        env = {"CALLCTL_REST_URL": self.sb.http, "CALLCTL_TOKEN": self.sb.access_token()}
        rc, out, err = run_callctl(["-o", "json", "create-call", "--title", title, "--invite", "u"], env=env,
                                   home=self.home)
        self.assertEqual(rc, 0, err)
        call_id = json.loads(out)["callId"]
        self.assertIn("\\u001b", out)  # JSON escapes them itself
        rc, out, err = run_callctl(["-o", "table", "call-log", call_id], env={**env, "COLUMNS": "400"}, home=self.home)
        self.assertEqual(rc, 0, err)
        self.assert_no_raw_controls(out, "the call report")
        self.assertIn("Standup \\x1b]0;owned\\x07", out)
        with self.subTest("colour on"):
            rc, out, err = run_callctl(["-o", "table", "call-log", call_id],
                                       env={**env, "COLUMNS": "400", "CLICOLOR_FORCE": "1"}, home=self.home)
            self.assertEqual(rc, 0, err)
            self.assertIn("Standup \\x1b]0;owned\\x07", out)
            self.assertNotIn("\x1b]", out)
            self.assertNotIn("\x07", out)
            self.assertIn("\x1b[1m", out)  # callctl's own bold header stays

    def test_a_push_device_id_with_escapes_is_escaped_in_the_table(self):
        push = self.file("push.json", json.dumps({"type": "Call.Stop", "iotDeviceId": "dev" + ESCAPES,
                                                  "callId": "c\x9b1"}))
        rc, out, err = run_callctl(["-o", "table", "decode-push", push], home=self.home)
        self.assertEqual(rc, 0, err)
        self.assert_no_raw_controls(out, "decode-push's table")
        self.assertNotIn("\x9b", out)
        self.assertIn("dev\\x1b]0;owned", out)
        self.assertIn("c\\u009b1", out)

    # ------------------------------------------------------------ class 12

    def test_a_short_secret_is_redacted_only_as_a_whole_word(self):
        server = self.hostile()
        for token in ("tt", "ll", "a", "es"):
            with self.subTest(token=token):
                rc, out, err = run_callctl(["call-log", "c1"], env=self.env_for(server, CALLCTL_TOKEN=token),
                                           home=self.home)
                self.assertEqual(rc, 6, err)
                self.assertIn("echo: Authorization: Bearer *** | Authorization%3A%20Bearer%20*** |  | "
                              "GET /rtc/getCallLogById?callId=c1", err)
                self.assertIn("nothing to see echo:", err)  # "es", "a", "t" inside words untouched
                rc, out, err = run_callctl(["--dry-run", "call-log", "c1"],
                                           env={"CALLCTL_REST_URL": "http://127.0.0.1:9", "CALLCTL_TOKEN": token},
                                           home=self.home)
                self.assertEqual((rc, err), (0, ""))
                self.assertEqual(out, "curl -sS 'http://127.0.0.1:9/rtc/getCallLogById?callId=c1' -A 'callctl/"
                                 + out.split("-A 'callctl/")[1].split("'")[0]
                                 + "' -H 'Accept: application/json' -H \"Authorization: Bearer $CALLCTL_TOKEN\"\n")

    def test_ctrl_c_during_many_ids_prints_one_line_with_the_count(self):
        ids = self.sb.admin("POST", "/_sandbox/calls", {"count": 12, "frozen": True})["callIds"]
        token = self.sb.access_token()
        self.sb.set_faults({"latency_ms": 8000})
        self.addCleanup(self.sb.clear_faults)
        for signum, code, word in ((signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")):
            with self.subTest(signal=signum):
                proc = subprocess.Popen([CALLCTL_BIN, "-o", "ndjson", "call-log", *ids, "--parallel", "4"],
                                        env=clean_env(self.home, {"CALLCTL_REST_URL": self.sb.http,
                                                                  "CALLCTL_TOKEN": token}),
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True)
                deadline = time.monotonic() + 10
                while open_sockets(proc.pid) < 4:  # its 4 requests are out; the answers are seconds away
                    self.assertIsNone(proc.poll(), "callctl ended before its requests were in flight")
                    self.assertLess(time.monotonic(), deadline, "callctl never opened its connections")
                    time.sleep(0.02)
                time.sleep(0.3)
                proc.send_signal(signum)
                out, err = proc.communicate(timeout=10)
                self.assertEqual(proc.returncode, code, err)
                self.assertEqual(err, f"callctl: error: {word}: 12 of 12 call logs not fetched\n")
                self.assertEqual(len(out.splitlines()), 12)  # an error object each, still

    def test_encode_push_call_id_default_is_none_in_code_help_and_man_page(self):
        key = self.file("key", "00" * 32 + "\n")
        rc, out, err = run_callctl(["encode-push", "--type", "stop", "--device", "d1", "--key-file", key],
                                   home=self.home)
        self.assertEqual(rc, 0, err)
        self.assertNotIn("callId", out)
        rc, out, err = run_callctl(["encode-push", "--type", "stop", "--device", "d1", "--key-file", key,
                                    "--call-id", "c-7"], home=self.home)
        self.assertEqual(rc, 0, err)
        self.assertIn('"callId":"c-7"', out.replace(" ", ""))
        rc, out, _ = run_callctl(["encode-push", "--help"], home=self.home)
        self.assertRegex(out, r"--call-id ID\s+The callId to put in the push \(default: none\)")
        man = (ROOT / "man" / "callctl.1").read_text()
        self.assertIn("to put in the push (default: none; the push then carries no", man)
        self.assertNotIn("fresh UUID", man)


if __name__ == "__main__":
    unittest.main()
