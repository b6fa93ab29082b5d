"""login intercom / logout intercom against the sandbox's intercom OAuth endpoint, and the intercom
commands using the stored login: exact requests, the stored slot (mode 0600), renewal before use
(under 24 h left) and after a 401 (once, never in a loop), the password kept out of every output,
-v line and process argument, a no-echo prompt on a terminal (a pty) and none in a pipe, and two
processes logging in to one store at once."""

import fcntl
import json
import os
import pty
import select
import signal
import stat
import subprocess
import sys
import termios
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import CALLCTL_BIN, SandboxTestCase, clean_env, run_callctl  # noqa: E402

CLIENT = "callctl-sandbox-client"
USER, PASSWORD = "resident@example.com", "sandbox-password"
WAIT = 20  # seconds: every wait on a child process is bounded by this


def login_body(password=PASSWORD, username=USER, client=CLIENT):
    return json.dumps({"client_id": client, "grant_type": "password", "username": username, "password": password,
                       "scope": "me"}, separators=(",", ":"))


def exchange_body(refresh_token, client=CLIENT):
    return json.dumps({"client_id": client, "grant_type": "refresh_token", "refresh_token": refresh_token},
                      separators=(",", ":"))


class LoginTest(SandboxTestCase):
    def setUp(self):
        super().setUp()
        self.password_file = self.home.path / "password"
        self.password_file.write_text(PASSWORD + "\n")
        self.addCleanup(self.sb.admin, "POST", "/_sandbox/intercom/settings", {"token_ttl": 604800})

    # ---- helpers
    def env(self, **extra):
        env = {"CALLCTL_GRAPHQL_URL": self.sb.url("/graphql"), "CALLCTL_INTERCOM_CLIENT_ID": CLIENT,
               "CALLCTL_TOKEN_URL": self.sb.http}
        env.update(extra)
        return env

    def callctl(self, *args, env=None, input=None):
        return run_callctl(list(args), env=self.env(**(env or {})), input=input, home=self.home)

    def ok(self, *args, **kwargs):
        code, out, err = self.callctl(*args, **kwargs)
        self.assertEqual(code, 0, f"callctl {' '.join(args)}: {err}")
        return out, err

    def login(self, *extra, **kwargs):
        return self.ok("-o", "json", "login", "intercom", "--username", USER, "--password-file",
                       str(self.password_file), *extra, **kwargs)

    @property
    def credentials_path(self):
        return self.home.config_dir / "credentials.json"

    def stored(self, profile="default"):
        return json.loads(self.credentials_path.read_text())["profiles"][profile]

    def issued(self):
        return self.sb.admin("GET", "/_sandbox/intercom/tokens")

    def open_door(self, *extra, env=None):
        return self.callctl("-o", "json", *extra, "open-door", "--device", "dev_42", env=env)

    # ---- login
    def test_login_sends_the_vendor_body_and_stores_the_answer_0600(self):
        before, known = int(time.time()), set(self.issued())
        out, err = self.login()
        self.assertEqual(err, "")
        (entry,) = self.sb.requests()
        self.assertEqual((entry["method"], entry["path"], entry["query"]), ("POST", "/oauth/token", {"type": "login"}))
        self.assertEqual(entry["headers"]["accept"], "application/json")
        self.assertEqual(entry["headers"]["content-type"], "application/json")
        self.assertNotIn("authorization", entry["headers"])
        self.assertEqual(entry["body"], login_body())
        answer = self.issued()
        (access,) = set(answer) - known
        self.assertEqual(stat.S_IMODE(self.credentials_path.stat().st_mode), 0o600)
        slot = self.stored()["intercom"]
        created_at = answer[access]["created_at"]
        self.assertEqual(slot["access_token"], access)
        self.assertEqual(slot["refresh_token"], answer[access]["refresh_token"])
        self.assertEqual(slot["expires_at"], created_at + 604800)
        self.assertEqual((slot["token_type"], slot["scope"], slot["token_url"], slot["client_id"], slot["username"]),
                         ("Bearer", "me", self.sb.http, CLIENT, USER))
        self.assertTrue(before <= slot["obtained_at"] <= int(time.time()))
        self.assertNotIn("access_token", self.stored())  # the token endpoint's slot is untouched
        shown = json.loads(out)
        self.assertEqual((shown["logged_in"], shown["username"], shown["profile"]), (True, USER, "default"))
        self.assertNotIn(access, out)

    def test_auth_url_defaults_to_graphql_scheme_host_and_port_and_can_be_given(self):
        self.login()
        self.assertEqual(self.sb.requests()[0]["headers"]["host"], self.sb.http.split("//")[1])
        self.sb.clear_requests()
        # Another base: nothing listens on the path prefix, so the sandbox answers 404 there.
        code, _, err = self.callctl("login", "intercom", "--username", USER, "--password-file", str(self.password_file),
                                    env={"CALLCTL_INTERCOM_AUTH_URL": self.sb.http + "/elsewhere"})
        self.assertEqual(code, 6, err)
        self.assertEqual(self.sb.requests()[0]["path"], "/elsewhere/oauth/token")

    def test_client_id_is_required_and_nothing_is_sent_without_it(self):
        code, out, err = self.callctl("login", "intercom", "--username", USER, "--password-file",
                                      str(self.password_file), env={"CALLCTL_INTERCOM_CLIENT_ID": ""})
        self.assertEqual(code, 2, err)
        self.assertEqual(err.splitlines()[0], "callctl: error: login intercom needs the intercom app's OAuth client id")
        self.assertEqual(self.sb.requests(), [])
        self.ok("login", "intercom", "--username", USER, "--password-file", str(self.password_file),
                "--client-id", CLIENT, env={"CALLCTL_INTERCOM_CLIENT_ID": "wrong"})

    def test_wrong_password_is_exit_5_and_stores_nothing(self):
        self.password_file.write_text("wrong\n")
        code, out, err = self.callctl("login", "intercom", "--username", USER, "--password-file",
                                      str(self.password_file))
        self.assertEqual(code, 5)
        self.assertEqual(out, "")
        lines = err.splitlines()
        self.assertEqual(lines[0], "callctl: error: intercom login: HTTP 401: The provided authorization grant is "
                                   "invalid, expired, revoked, does not match the redirection URI used in the "
                                   "authorization request, or was issued to another client.")
        self.assertEqual(lines[1], "callctl: hint: the intercom backend refused the user name or the password")
        self.assertFalse(self.credentials_path.exists())

    def test_wrong_client_id_is_exit_5_naming_the_client_id(self):
        code, _, err = self.callctl("login", "intercom", "--username", USER, "--password-file",
                                    str(self.password_file), env={"CALLCTL_INTERCOM_CLIENT_ID": "nope"})
        self.assertEqual(code, 5)
        self.assertIn("--client-id", err.splitlines()[1])

    def test_password_from_stdin_and_environment(self):
        self.ok("login", "intercom", "--username", USER, "--password-file", "-", input=PASSWORD + "\n")
        self.ok("login", "intercom", "--username", USER, env={"CALLCTL_INTERCOM_PASSWORD": PASSWORD})
        self.assertEqual([r["body"] for r in self.sb.requests()], [login_body(), login_body()])

    def test_no_prompt_in_a_pipe(self):
        code, out, err = self.callctl("login", "intercom", "--username", USER)  # stdin: /dev/null
        self.assertEqual(code, 5)
        self.assertEqual(err, "callctl: error: no password given, and standard input is not a terminal to ask on\n"
                              "callctl: hint: give --password-file FILE, --password-file - to read it from standard "
                              "input, or CALLCTL_INTERCOM_PASSWORD\n")
        code, _, err = self.callctl("login", "intercom", "--username", USER, "--password-file", "-", input="")
        self.assertEqual((code, err.splitlines()[0]), (5, "callctl: error: no password on standard input"))
        self.assertEqual(self.sb.requests(), [])

    def test_the_password_is_in_no_output_and_no_verbose_line_only_in_the_body_sent(self):
        secret = "Tr0ub4dor&3 horse"
        self.sb.admin("POST", "/_sandbox/intercom/users", {"username": "v", "password": secret})
        self.password_file.write_text(secret)
        for output in ("json", "table"):
            code, out, err = self.callctl("-v", "-o", output, "login", "intercom", "--username", "v",
                                          "--password-file", str(self.password_file))
            self.assertEqual(code, 0, err)
            self.assertIn("POST " + self.sb.http + "/oauth/token?type=login", err)
            for text in (out, err):
                self.assertNotIn(secret, text)
                self.assertNotIn("Tr0ub4dor", text)
        code, out, _ = self.callctl("--dry-run", "login", "intercom", "--username", "v")
        self.assertEqual(code, 0)
        self.assertIn("$CALLCTL_INTERCOM_PASSWORD", out)
        self.assertNotIn(secret, self.credentials_path.read_text())
        logged = [line for line in self.sb.log_path.read_text().splitlines() if "Tr0ub4dor" in line]
        self.assertEqual(len(logged), 2)  # the two bodies sent, nothing else
        for line in logged:
            self.assertIn(json.dumps(secret)[1:-1], json.loads(line)["body"])

    def test_the_password_is_no_process_argument(self):
        proc = subprocess.Popen([CALLCTL_BIN, "login", "intercom", "--username", USER, "--password-file", "-"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=clean_env(self.home, self.env()))
        try:
            deadline = time.monotonic() + WAIT
            cmdline = b""
            while time.monotonic() < deadline and not cmdline:  # /proc is filled once exec is done
                cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes()
                time.sleep(0.01)
            self.assertEqual(cmdline.split(b"\0")[1:6], [b"login", b"intercom", b"--username", USER.encode(),
                                                        b"--password-file"])
            self.assertNotIn(PASSWORD.encode(), cmdline)
            out, err = proc.communicate(PASSWORD.encode() + b"\n", timeout=WAIT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(WAIT)
        self.assertEqual(proc.returncode, 0, err)
        self.assertNotIn(PASSWORD.encode(), out + err)

    def test_dry_run_sends_nothing_asks_nothing_stores_nothing(self):
        code, out, err = self.callctl("--dry-run", "login", "intercom", "--username", USER)
        self.assertEqual((code, err), (0, ""))
        self.assertIn("/oauth/token?type=login", out)
        self.assertIn("$CALLCTL_INTERCOM_PASSWORD", out)
        self.assertEqual(self.sb.requests(), [])
        self.assertFalse(self.credentials_path.exists())

    # ---- the prompt, on a real terminal
    def spawn_on_pty(self, *args):
        master, slave = pty.openpty()
        self.addCleanup(os.close, master)
        self.addCleanup(os.close, slave)

        def controlling_terminal():
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        proc = subprocess.Popen([CALLCTL_BIN, *args], stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=clean_env(self.home, self.env()), start_new_session=True,
                                preexec_fn=controlling_terminal)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait(WAIT)))
        return proc, master, slave

    def read_until(self, master, marker):
        seen = b""
        deadline = time.monotonic() + WAIT
        while marker not in seen:
            left = deadline - time.monotonic()
            self.assertGreater(left, 0, f"no {marker!r} on the terminal, only {seen!r}")
            ready, _, _ = select.select([master], [], [], left)
            if ready:
                seen += os.read(master, 1024)
        return seen

    def drain(self, master):
        seen = b""
        while select.select([master], [], [], 0.2)[0]:
            try:
                chunk = os.read(master, 1024)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        return seen

    def test_prompt_on_a_terminal_does_not_echo_and_restores_the_terminal(self):
        proc, master, slave = self.spawn_on_pty("login", "intercom", "--username", USER)
        screen = self.read_until(master, b"intercom password for resident@example.com: ")
        self.assertFalse(termios.tcgetattr(slave)[3] & termios.ECHO)  # echo is off while it waits
        os.write(master, PASSWORD.encode() + b"\n")
        out, err = proc.communicate(timeout=WAIT)
        screen += self.drain(master)
        self.assertEqual(proc.returncode, 0, err)
        self.assertNotIn(PASSWORD.encode(), screen + out + err)
        self.assertTrue(termios.tcgetattr(slave)[3] & termios.ECHO)
        self.assertEqual(self.sb.requests()[0]["body"], login_body())

    def test_ctrl_c_at_the_prompt_restores_the_terminal_and_exits_130(self):
        proc, master, slave = self.spawn_on_pty("login", "intercom", "--username", USER)
        self.read_until(master, b"password")
        os.write(master, b"half")
        os.write(master, b"\x03")  # the terminal's interrupt character: SIGINT to callctl
        out, err = proc.communicate(timeout=WAIT)
        self.assertEqual(proc.returncode, 130, err)
        self.assertEqual(err.decode(), "callctl: error: interrupted\n")
        self.assertTrue(termios.tcgetattr(slave)[3] & termios.ECHO)
        self.assertEqual(self.sb.requests(), [])
        self.assertFalse(self.credentials_path.exists())

    # ---- using the login
    def test_open_door_uses_the_stored_login(self):
        self.login()
        access = self.stored()["intercom"]["access_token"]
        self.sb.clear_requests()
        code, out, err = self.open_door()
        self.assertEqual(code, 0, err)
        (entry,) = self.sb.requests()
        self.assertEqual(entry["headers"]["authorization"], "Bearer " + access)

    def test_explicit_token_beats_the_stored_login_and_is_never_renewed(self):
        self.login()
        self.sb.clear_requests()
        token = self.sb.access_token()
        self.sb.clear_requests()
        self.assertEqual(self.open_door(env={"CALLCTL_TOKEN": token})[0], 0)
        self.assertEqual(self.sb.requests()[0]["headers"]["authorization"], "Bearer " + token)
        self.sb.clear_requests()
        code, _, err = self.open_door(env={"CALLCTL_TOKEN": "0" * 64})
        self.assertEqual(code, 5, err)
        self.assertEqual([r["path"] for r in self.sb.requests()], ["/graphql"])

    def test_without_a_login_the_stored_token_endpoint_token_is_used(self):
        self.ok("token", "create", "--scope", "virtual-number", "--save")
        token = self.stored()["access_token"]
        self.sb.clear_requests()
        self.assertEqual(self.open_door()[0], 0)
        self.assertEqual(self.sb.requests()[0]["headers"]["authorization"], "Bearer " + token)

    def test_under_24_hours_left_it_renews_before_use(self):
        self.sb.admin("POST", "/_sandbox/intercom/settings", {"token_ttl": 3600})
        self.login()
        old = self.stored()["intercom"]
        self.sb.admin("POST", "/_sandbox/intercom/settings", {"token_ttl": 604800})
        self.sb.clear_requests()
        code, _, err = self.open_door()
        self.assertEqual(code, 0, err)
        exchange, graphql = self.sb.requests()
        self.assertEqual((exchange["path"], exchange["query"]), ("/oauth/token", {"type": "exchange"}))
        self.assertEqual(exchange["body"], exchange_body(old["refresh_token"]))
        self.assertEqual(exchange["headers"]["accept"], "application/json")
        new = self.stored()["intercom"]
        self.assertNotEqual(new["access_token"], old["access_token"])
        self.assertNotEqual(new["refresh_token"], old["refresh_token"])
        self.assertEqual(graphql["headers"]["authorization"], "Bearer " + new["access_token"])
        self.assertEqual(stat.S_IMODE(self.credentials_path.stat().st_mode), 0o600)
        self.sb.clear_requests()
        self.assertEqual(self.open_door()[0], 0)  # now a week is left: no renewal
        self.assertEqual([r["path"] for r in self.sb.requests()], ["/graphql"])

    def test_a_401_renews_once_and_retries_once(self):
        self.login()
        old = self.stored()["intercom"]
        self.sb.admin("POST", "/_sandbox/intercom/tokens/expire", {"access_token": old["access_token"], "expires_in": 0})
        self.sb.clear_requests()
        code, out, err = self.open_door("-v")
        self.assertEqual(code, 0, err)
        first, exchange, retry = self.sb.requests()
        self.assertEqual((first["path"], first["status"]), ("/graphql", 401))
        self.assertEqual(exchange["body"], exchange_body(old["refresh_token"]))
        new = self.stored()["intercom"]["access_token"]
        self.assertEqual((retry["headers"]["authorization"], retry["status"]), ("Bearer " + new, 200))
        self.assertNotIn(new, err)
        self.assertNotIn(old["refresh_token"], err)

    def test_a_renewed_token_refused_too_is_exit_5_without_a_loop(self):
        self.login()
        self.sb.admin("POST", "/_sandbox/intercom/tokens/expire", {"expires_in": 0})
        self.sb.admin("POST", "/_sandbox/intercom/settings", {"token_ttl": -60})  # renewals are born expired
        self.sb.clear_requests()
        code, out, err = self.open_door()
        self.assertEqual(code, 5)
        self.assertEqual([(r["path"], r["status"]) for r in self.sb.requests()],
                         [("/graphql", 401), ("/oauth/token", 200), ("/graphql", 401)])
        self.assertTrue(err.startswith("callctl: error: GraphQL SetIoTDeviceState: HTTP 401"), err)

    def test_a_refused_renewal_is_exit_5_saying_to_log_in_again(self):
        self.login()
        self.sb.admin("POST", "/_sandbox/intercom/tokens/revoke", {})
        self.sb.clear_requests()
        code, _, err = self.open_door()
        self.assertEqual(code, 5)
        self.assertEqual([r["path"] for r in self.sb.requests()], ["/graphql", "/oauth/token"])
        self.assertIn("callctl login intercom", err.splitlines()[1])

    # ---- token show
    def test_token_show_lists_every_stored_credential_redacted(self):
        self.ok("token", "create", "--scope", "virtual-number", "--save")
        self.login()
        stored = self.stored()
        out, _ = self.ok("-o", "json", "token", "show")
        shown = json.loads(out)
        self.assertEqual((shown["source"], shown["scope"]), ("store", "VIRTUAL_NUMBER"))  # the token in use, as before
        token, login = shown["credentials"]
        self.assertEqual((token["slot"], login["slot"]), ("token", "intercom"))
        self.assertEqual(login["username"], USER)
        self.assertEqual(login["issued_by"], self.sb.http)
        self.assertEqual(login["refresh_token"], "stored")
        self.assertTrue(604700 < login["expires_in"] <= 604800)
        self.assertEqual(login["expires_at"], time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                            time.gmtime(stored["intercom"]["expires_at"])))
        for secret in (stored["access_token"], stored["refresh_token"], stored["intercom"]["access_token"],
                       stored["intercom"]["refresh_token"]):
            self.assertNotIn(secret, out)
        out, _ = self.ok("-o", "json", "token", "show", "--reveal")
        self.assertEqual(json.loads(out)["credentials"][1]["access_token"], stored["intercom"]["access_token"])
        out, _ = self.ok("-o", "table", "token", "show", env={"COLUMNS": "200"})
        self.assertRegex(out, r"\n  intercom: +[0-9a-f]{6}\u2026\(redacted\)  expires \S+ \((6d 23h 59m|7d 0h 0m)\)  "
                              + USER.replace(".", r"\."))
        self.assertNotIn(stored["intercom"]["access_token"], out)

    def test_token_show_with_only_a_login(self):
        self.login()
        out, _ = self.ok("-o", "json", "token", "show")
        shown = json.loads(out)
        self.assertIsNone(shown["token"])
        self.assertEqual([c["slot"] for c in shown["credentials"]], ["intercom"])
        code, _, err = self.callctl("token", "show", env={"CALLCTL_CONFIG": str(self.home.path / "none.json")})
        self.assertEqual(code, 5, err)

    # ---- logout
    def test_logout_forgets_the_login_and_says_when_there_was_none(self):
        self.ok("token", "create", "--scope", "virtual-number", "--save")
        self.login()
        out, _ = self.ok("-o", "json", "logout", "intercom")
        self.assertEqual(json.loads(out), {"logged_out": True, "profile": "default"})
        self.assertNotIn("intercom", self.stored())
        self.assertIn("access_token", self.stored())  # the token endpoint's token stays
        out, _ = self.ok("-o", "table", "logout", "intercom")
        self.assertEqual(out, "there was no intercom login for profile 'default'; nothing to forget\n")
        self.assertEqual([r["path"] for r in self.sb.requests()], ["/tokens", "/oauth/token"])

    # ---- one store, two processes
    def test_two_processes_logging_in_at_once_leave_one_valid_store(self):
        self.ok("token", "create", "--scope", "virtual-number", "--save")
        token, known = self.stored()["access_token"], set(self.issued())
        procs = [subprocess.Popen([CALLCTL_BIN, "login", "intercom", "--username", USER, "--password-file",
                                   str(self.password_file)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=clean_env(self.home, self.env()))
                 for _ in range(4)]
        for proc in procs:
            _, err = proc.communicate(timeout=WAIT)
            self.assertEqual(proc.returncode, 0, err)
        stored = self.stored()
        self.assertEqual(stored["access_token"], token)
        logins = set(self.issued()) - known
        self.assertEqual(len(logins), 4)
        self.assertIn(stored["intercom"]["access_token"], logins)
        self.assertEqual(sorted(p.name for p in self.home.config_dir.iterdir() if not p.name.endswith(".lock")),
                         ["credentials.json"])


if __name__ == "__main__":
    unittest.main()
