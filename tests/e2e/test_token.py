"""token create/refresh/revoke/show/config against the sandbox: exact bodies on the wire, the
credential store (0600, atomic, per profile), automatic refresh of the stored token before use and
after a 401, redaction, HTTPS with --cacert, and --dry-run curl lines that sh can replay."""

import json
import os
import signal
import stat
import subprocess
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import CALLCTL_BIN, SandboxTestCase, clean_env, run_callctl  # noqa: E402

USER_AGENT = "callctl/0.1.0"
ADDRESS = ["--first-name", "Ada", "--last-name", "Lovelace", "--house-number", "12", "--street", "Main St",
           "--city", "Springfield", "--state", "IL", "--zip", "62701"]


class TokenTest(SandboxTestCase):
    sandbox_tls = True

    # ---- helpers
    def callctl(self, *args, env=None, input=None, url=None):
        full_env = {"CALLCTL_TOKEN_URL": url or self.sb.http, "CALLCTL_REST_URL": self.sb.http}
        full_env.update(env or {})
        return run_callctl(list(args), env=full_env, input=input, home=self.home)

    def ok(self, *args, **kwargs):
        code, out, err = self.callctl(*args, **kwargs)
        self.assertEqual(code, 0, f"callctl {' '.join(args)} failed: {err}")
        return out, err

    @property
    def credentials_path(self) -> Path:
        return self.home.config_dir / "credentials.json"

    def stored(self, profile="default"):
        return json.loads(self.credentials_path.read_text())["profiles"].get(profile)

    def edit_stored(self, **changes):
        data = json.loads(self.credentials_path.read_text())
        data["profiles"]["default"].update(changes)
        self.credentials_path.write_text(json.dumps(data))

    def logged(self, path=None):
        return [r for r in self.sb.requests() if path is None or r["path"] == path]

    def assert_json_request(self, entry, method, path, body):
        self.assertEqual(entry["method"], method)
        self.assertEqual(entry["path"], path)
        self.assertEqual(entry["headers"]["content-type"], "application/json")
        self.assertEqual(entry["headers"]["user-agent"], USER_AGENT)
        self.assertNotIn("authorization", entry["headers"])
        self.assertEqual(entry["body"], body)

    def create_saved(self, scope="virtual-number"):
        self.ok("token", "create", "--scope", scope, "--save", "-q")
        return self.stored()

    # ---- create
    def test_create_sends_the_exact_body_of_each_scope(self):
        cases = [
            (["--scope", "virtual-number"], '{"app_scope":"VIRTUAL_NUMBER"}'),
            (["--scope", "ACCOUNT_ID"], '{"app_scope":"ACCOUNT_ID"}'),
            (["--scope", "Mobile_Number", "--auth-code", "c0de"], '{"app_scope":"MOBILE_NUMBER","auth_code":"c0de"}'),
            (["--scope", "e911"], '{"app_scope":"E911"}'),
            (["--scope", "E911"], '{"app_scope":"E911"}'),
        ]
        for args, body in cases:
            with self.subTest(args=args):
                self.sb.clear_requests()
                out, _ = self.ok("-o", "json", "token", "create", *args)
                response = json.loads(out)
                self.assertTrue(response["access_token"].startswith("eyJ"))  # a pipe gets the token as sent
                self.assertEqual(response["expires_in"], 172800)
                [entry] = self.logged()
                self.assert_json_request(entry, "POST", "/tokens", body)
                self.assertEqual(entry["status"], 200)

    def test_e911_token_is_saved_with_its_scope_and_shown(self):
        out, _ = self.ok("-o", "json", "token", "create", "--scope", "e911", "--save")
        self.assertEqual(self.stored()["scope"], "E911")
        claims = json.loads(self.ok("-o", "json", "token", "show")[0])["jwt"]["claims"]
        self.assertEqual(claims["scope"], "E911")
        # an E911 token may register an E911 id (EMERGENCYSERVICES is what it is for)
        self.ok("-q", "e911", *ADDRESS)
        self.assertEqual(json.loads(self.logged("/e911ids")[0]["body"])["token"], self.stored()["access_token"])

    def test_auth_code_from_stdin_file_and_environment(self):
        code_file = self.home.path / "code.txt"
        code_file.write_text("from-file\n")
        for args, kwargs, code in [
            (["--auth-code", "-"], {"input": "from-stdin\n"}, "from-stdin"),
            (["--auth-code-file", str(code_file)], {}, "from-file"),
            ([], {"env": {"CALLCTL_AUTH_CODE": "from-env"}}, "from-env"),
        ]:
            with self.subTest(code=code):
                self.sb.clear_requests()
                self.ok("token", "create", "--scope", "mobile-number", *args, **kwargs)
                self.assertEqual(json.loads(self.logged()[0]["body"])["auth_code"], code)

    def test_mobile_number_without_code_is_a_usage_error_with_a_hint(self):
        code, out, err = self.callctl("token", "create", "--scope", "mobile-number")
        self.assertEqual(code, 2, err)
        self.assertEqual(out, "")
        self.assertIn("OAuth consent", err)
        self.assertIn("hint:", err)
        self.assertIn("code", err.split("hint:")[1])
        self.assertEqual(self.logged(), [])

    def test_code_for_other_scopes_and_unknown_scope_are_usage_errors(self):
        self.assertEqual(self.callctl("token", "create", "--scope", "virtual-number", "--auth-code", "x")[0], 2)
        code, _, err = self.callctl("token", "create", "--scope", "e911", "--auth-code", "x")
        self.assertEqual(code, 2)
        self.assertIn("--auth-code is only for mobile-number tokens, not e911", err)
        code, _, err = self.callctl("token", "create", "--scope", "emergency")
        self.assertEqual(code, 2)
        self.assertIn("--scope: 'emergency' is not one of mobile-number|virtual-number|account-id|e911", err)
        self.assertEqual(self.logged(), [])

    def test_the_servers_400_message_reaches_the_user(self):
        code, _, err = self.callctl("token", "create", "--scope", "mobile-number", "--auth-code", "invalid")
        self.assertEqual(code, 6)
        # The code we sent ("invalid", the sandbox's rejected one) is a secret of the run, and the
        # server's words repeat it: shown redacted (callctl(1), SECURITY).
        self.assertIn("HTTP 400: auth_code is *** or expired", err)

    def test_table_and_terminal_output_redact_the_tokens(self):
        out, _ = self.ok("-o", "table", "token", "create", "--scope", "virtual-number", "--save")
        stored = self.stored()
        self.assertNotIn(stored["access_token"], out)
        self.assertNotIn(stored["refresh_token"], out)
        self.assertIn("(redacted)", out)
        out, _ = self.ok("-o", "table", "token", "refresh", "--reveal")
        self.assertIn(self.stored()["access_token"], out)

    def test_verbose_output_never_shows_secrets(self):
        out, err = self.ok("-v", "token", "create", "--scope", "mobile-number", "--auth-code", "s3cr3t-code", "--save")
        stored = self.stored()
        self.assertIn("POST", err)
        for secret in ("s3cr3t-code", stored["access_token"], stored["refresh_token"]):
            self.assertNotIn(secret, err)
        _, err = self.ok("-v", "token", "refresh")
        self.assertNotIn(stored["refresh_token"], err)
        self.assertNotIn(self.stored()["access_token"], err)

    # ---- the credential store
    def test_save_stores_token_scope_and_absolute_expiry_mode_0600(self):
        before = int(time.time())
        out, _ = self.ok("-o", "json", "token", "create", "--scope", "mobile-number", "--auth-code", "c", "--save")
        response = json.loads(out)
        stored = self.stored()
        self.assertEqual(stored["access_token"], response["access_token"])
        self.assertEqual(stored["refresh_token"], response["refresh_token"])
        self.assertEqual(stored["scope"], "MOBILE_NUMBER")
        self.assertEqual(stored["token_url"], self.sb.http)
        self.assertGreaterEqual(stored["expires_at"], before + 172800)
        self.assertLessEqual(stored["expires_at"], int(time.time()) + 172800)
        self.assertEqual(stat.S_IMODE(self.credentials_path.stat().st_mode), 0o600)

    def test_save_is_per_profile(self):
        self.ok("--profile", "work", "token", "create", "--scope", "virtual-number", "--save",
                env={"CALLCTL_CONFIG": str(self.home.write_config({"profiles": {"work": {}}}))})
        self.assertIsNone(self.stored("default"))
        self.assertEqual(self.stored("work")["scope"], "VIRTUAL_NUMBER")

    def test_a_crash_mid_request_leaves_the_old_credentials_intact(self):
        self.create_saved()
        before = self.credentials_path.read_bytes()
        self.sb.set_faults({"latency_ms": 5000})
        env = clean_env(self.home, {"CALLCTL_TOKEN_URL": self.sb.http})
        proc = subprocess.Popen([CALLCTL_BIN, "token", "create", "--scope", "virtual-number", "--save"], env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            time.sleep(1.0)  # the request is in flight, waiting on the sandbox's latency
            self.assertIsNone(proc.poll(), "callctl finished before it could be killed")
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.communicate(timeout=10)
        self.assertEqual(proc.returncode, -signal.SIGKILL)
        self.assertEqual(self.credentials_path.read_bytes(), before)
        # The sandbox logs the orphaned request once its latency ends: wait for it, or it lands in the
        # log of whichever test runs next.
        deadline = time.monotonic() + 10
        while len(self.logged("/tokens")) < 2 and time.monotonic() < deadline:  # create_saved's, then the killed one
            time.sleep(0.05)
        self.assertEqual(sorted(p.name for p in self.home.config_dir.iterdir() if p.name != ".credentials.json.lock"),
                         ["credentials.json"])
        self.assertEqual(stat.S_IMODE(self.credentials_path.stat().st_mode), 0o600)

    # ---- show
    def test_show_after_save_describes_the_stored_token_without_printing_it(self):
        stored = self.create_saved()
        self.sb.clear_requests()
        out, _ = self.ok("-o", "json", "token", "show")
        shown = json.loads(out)
        self.assertEqual(shown["source"], "store")
        self.assertIn(str(self.credentials_path), shown["origin"])
        self.assertEqual(shown["scope"], "VIRTUAL_NUMBER")
        self.assertFalse(shown["expired"])
        self.assertGreater(shown["expires_in"], 172000)
        self.assertEqual(shown["jwt"]["verified"], False)
        self.assertEqual(shown["jwt"]["header"]["alg"], "HS256")
        self.assertEqual(shown["jwt"]["claims"]["scope"], "VIRTUAL_NUMBER")
        self.assertNotIn(stored["access_token"], out)
        self.assertNotIn(stored["refresh_token"], out)
        out, _ = self.ok("-o", "table", "token", "show")
        self.assertIn("NOT verified", out)
        self.assertNotIn(stored["access_token"], out)
        out, _ = self.ok("-o", "json", "token", "show", "--reveal")
        self.assertEqual(json.loads(out)["token"], stored["access_token"])
        self.assertEqual(self.logged(), [])  # offline

    def test_show_names_flag_file_and_environment_sources(self):
        token = self.sb.access_token()
        token_file = self.home.path / "token.txt"
        token_file.write_text(token + "\n")
        for args, env, source in [(["--token", token], {}, "flag"), (["--token-file", str(token_file)], {}, "file"),
                                  ([], {"CALLCTL_TOKEN": token}, "environment")]:
            with self.subTest(source=source):
                out, _ = self.ok("-o", "json", *args, "token", "show", env=env)
                shown = json.loads(out)
                self.assertEqual(shown["source"], source)
                self.assertEqual(shown["jwt"]["claims"]["scope"], "VIRTUAL_NUMBER")
                self.assertNotIn(token, out)

    def test_show_without_a_token_is_exit_5(self):
        code, out, err = self.callctl("token", "show")
        self.assertEqual(code, 5)
        self.assertIn("no token", err)

    # ---- refresh
    def test_refresh_defaults_to_the_stored_token_and_replaces_the_pair(self):
        old = self.create_saved()
        self.sb.clear_requests()
        out, _ = self.ok("-o", "json", "token", "refresh")
        [entry] = self.logged()
        self.assert_json_request(entry, "POST", "/tokens", json.dumps({"refresh_token": old["refresh_token"]},
                                                                      separators=(",", ":")))
        new = self.stored()
        self.assertEqual(json.loads(out)["access_token"], new["access_token"])
        self.assertNotEqual(new["access_token"], old["access_token"])
        self.assertNotEqual(new["refresh_token"], old["refresh_token"])
        self.assertEqual(new["scope"], "VIRTUAL_NUMBER")

    def test_refresh_with_an_explicit_token_saves_only_when_asked(self):
        refresh = self.sb.token()["refresh_token"]
        self.sb.clear_requests()
        self.ok("token", "refresh", "--refresh-token", refresh)
        self.assertEqual(self.logged()[0]["body"], f'{{"refresh_token":"{refresh}"}}')
        self.assertFalse(self.credentials_path.exists())
        refresh = self.sb.token()["refresh_token"]
        self.ok("token", "refresh", "--refresh-token", "-", "--save", input=refresh + "\n")
        self.assertTrue(self.stored()["access_token"].startswith("eyJ"))

    def test_a_refused_refresh_token_is_exit_5(self):
        self.create_saved()
        self.edit_stored(refresh_token="rt_unknown")
        code, _, err = self.callctl("token", "refresh")
        self.assertEqual(code, 5, err)
        self.assertIn("refresh token is unknown", err)
        self.assertIn("token create --save", err)

    # ---- revoke
    def test_revoke_sends_delete_and_forgets_the_stored_token(self):
        stored = self.create_saved()
        self.sb.clear_requests()
        self.ok("token", "revoke")
        [entry] = self.logged()
        self.assert_json_request(entry, "DELETE", "/tokens", f'{{"token":"{stored["access_token"]}"}}')
        self.assertEqual(entry["status"], 200)
        self.assertIsNone(self.stored())
        self.assertEqual(self.callctl("token", "show")[0], 5)

    def test_revoking_another_token_keeps_the_stored_one(self):
        stored = self.create_saved()
        other = self.sb.access_token()
        self.ok("token", "revoke", "--token", other)
        self.assertEqual(json.loads(self.logged("/tokens")[-1]["body"]), {"token": other})
        self.assertEqual(self.stored()["access_token"], stored["access_token"])

    def test_a_failed_revoke_keeps_the_stored_token_and_says_how_to_drop_it(self):
        self.create_saved()
        self.edit_stored(access_token="not-a-token-the-server-knows")
        code, _, err = self.callctl("token", "revoke")
        self.assertEqual(code, 6)
        self.assertIn("unknown or already revoked", err)
        self.assertIn("--local", err)
        self.assertIsNotNone(self.stored())
        self.ok("token", "revoke", "--local")
        self.assertIsNone(self.stored())

    # ---- the stored token on bearer calls
    def test_a_bearer_call_uses_the_stored_token(self):
        stored = self.create_saved()
        self.sb.clear_requests()
        self.ok("e911", *ADDRESS)
        [entry] = self.logged()
        self.assertEqual(json.loads(entry["body"])["token"], stored["access_token"])
        if self.has_command("create-call"):
            self.sb.clear_requests()
            self.ok("create-call", "--title", "T", "--invite", "tester:8")
            self.assertEqual(self.logged("/rtc/createCall")[0]["headers"]["authorization"],
                             "Bearer " + stored["access_token"])

    def test_an_expired_stored_token_is_refreshed_before_use(self):
        old = self.create_saved()
        self.edit_stored(expires_at=int(time.time()) - 60)
        self.sb.clear_requests()
        _, err = self.ok("-v", "e911", *ADDRESS)
        self.assertIn("expired; refreshing it first", err)
        refresh, e911 = self.logged()
        self.assertEqual(refresh["path"], "/tokens")
        self.assertEqual(json.loads(refresh["body"]), {"refresh_token": old["refresh_token"]})
        new = self.stored()
        self.assertEqual(json.loads(e911["body"])["token"], new["access_token"])
        self.assertGreater(new["expires_at"], time.time() + 172000)

    def test_a_401_triggers_exactly_one_refresh_and_one_retry(self):
        self.create_saved()
        self.edit_stored(access_token="rejected-by-the-server")
        self.sb.clear_requests()
        _, err = self.ok("-v", "e911", *ADDRESS)
        self.assertIn("rejected the stored token (401); refreshing it and retrying once", err)
        self.assertEqual([(r["path"], r["status"]) for r in self.logged()],
                         [("/e911ids", 401), ("/tokens", 200), ("/e911ids", 200)])
        self.assertEqual(json.loads(self.logged()[2]["body"])["token"], self.stored()["access_token"])

        if self.has_command("create-call"):
            self.edit_stored(access_token="rejected-by-the-server")
            self.sb.clear_requests()
            self.ok("create-call", "--title", "T", "--invite", "tester:8")
            self.assertEqual([(r["path"], r["status"]) for r in self.logged()],
                             [("/rtc/createCall", 401), ("/tokens", 200), ("/rtc/createCall", 200)])

    def test_a_401_after_a_refresh_is_not_retried_again(self):
        self.create_saved()
        # Expired locally (refresh first) and then the server refuses the new token: no second refresh.
        self.edit_stored(expires_at=0)
        self.sb.set_faults({"status_for": {"/e911ids": 401}})
        self.sb.clear_requests()
        code, _, err = self.callctl("e911", *ADDRESS)
        self.assertEqual(code, 5, err)
        self.assertEqual([r["path"] for r in self.logged()], ["/tokens", "/e911ids"])

    def test_a_401_without_a_stored_refresh_token_is_exit_5(self):
        token = self.sb.access_token()
        self.sb.set_faults({"status_for": {"/e911ids": 401}})
        self.sb.clear_requests()
        code, _, err = self.callctl("e911", *ADDRESS, env={"CALLCTL_TOKEN": token})
        self.assertEqual(code, 5)
        self.assertEqual([r["path"] for r in self.logged()], ["/e911ids"])  # explicit tokens are not replaced

    # ---- config, TLS, dry run
    def test_config_json_is_the_whole_response_and_the_table_names_the_parts(self):
        out, _ = self.ok("-o", "json", "token", "config")
        config = json.loads(out)
        status, expected = self.sb.json_request("GET", "/config")
        self.assertEqual(config, expected)
        [entry] = [r for r in self.logged() if r["path"] == "/config" and r["headers"].get("user-agent") == USER_AGENT]
        self.assertEqual(entry["method"], "GET")
        out, _ = self.ok("-o", "table", "token", "config")
        for part in ["virtual_numbers_pool", config["virtual_numbers_pool"][0], config["app_e911id_url"],
                     config["app_token_url"], config["ewebrtc_domain"], "info.scope_map.MOBILE_NUMBER", "WEBRTCMOBILE"]:
            self.assertIn(part, out)

    def config_table(self):
        out, _ = self.ok("-o", "table", "token", "config", env={"COLUMNS": "200"})
        lines = out.splitlines()
        # one aligned row per field
        starts = {len(line) - len(line.split(":", 1)[1].lstrip()) for line in lines}
        self.assertEqual(len(starts), 1, out)
        return [(line.split(":", 1)[0], line.split(":", 1)[1].strip()) for line in lines]

    def test_config_table_shows_every_field_by_dotted_name(self):
        base = self.sb.http
        common_head = [
            ("api_endpoint", "https://api.sandbox.example"),
            ("app_e911id_url", base + "/e911ids"),
            ("app_key", "sandbox-app-key"),
            ("app_token_url", base + "/tokens"),
            ("authorize_uri", "https://api.sandbox.example/oauth/v4/authorize"),
            ("ewebrtc_domain", "sandbox.ewebrtc.example"),
            ("info.api_env", "sandbox"),
            ("info.dhs_name", "callctl-sandbox DHS"),
            ("info.dhs_platform", "callctl-sandbox"),
            ("info.dhs_version", "1.0.0"),
            ("info.e911id_uri", base + "/e911ids"),
            ("info.ewebrtc_uri", "https://api.sandbox.example/RTC/v1"),
        ]
        scopes = [("ACCOUNT_ID", "WEBRTC"), ("E911", "EMERGENCYSERVICES"), ("MOBILE_NUMBER", "WEBRTCMOBILE"),
                  ("VIRTUAL_NUMBER", "WEBRTC")]
        pool = ("virtual_numbers_pool", "+12125550100, +12125550101, +12125550102")
        self.assertEqual(self.config_table(), common_head + [("info.scope_map." + k, v) for k, v in scopes] + [
            ("info.token_uri", base + "/tokens"), ("oauth_callback", base + "/oauth/callback"), pool])
        # older servers: scope_names, an array or an object, in place of info.scope_map
        self.sb.set_faults({"dhs_config_shape": "scope_names_array"})
        self.assertEqual(self.config_table(), common_head + [
            ("info.token_uri", base + "/tokens"), ("oauth_callback", base + "/oauth/callback"),
            ("scope_names", "MOBILE_NUMBER, VIRTUAL_NUMBER, ACCOUNT_ID, E911"), pool])
        self.sb.set_faults({"dhs_config_shape": "scope_names_object"})
        self.assertEqual(self.config_table(), common_head + [
            ("info.token_uri", base + "/tokens"), ("oauth_callback", base + "/oauth/callback")] +
            [("scope_names." + k, v) for k, v in scopes] + [pool])
        out, _ = self.ok("-o", "json", "token", "config")
        self.assertEqual(json.loads(out)["scope_names"]["E911"], "EMERGENCYSERVICES")

    def test_the_three_dhs_error_shapes_give_the_same_error_line(self):
        said = "auth_code is *** or expired"  # the auth code sent, "invalid", redacted from the server's words
        for shape, message in (("", said), ("node", said), ("restify", said),
                               ("php", "PHP DHS Token Request Error: " + said)):
            with self.subTest(shape=shape):
                self.sb.set_faults({"dhs_error_shape": shape})
                code, out, err = self.callctl("token", "create", "--scope", "mobile-number", "--auth-code", "invalid")
                self.assertEqual((code, out, err), (6, "", f"callctl: error: create a mobile-number token: HTTP 400: "
                                                           f"{message}\n"))
                code, out, err = self.callctl("token", "revoke", "--token", "never-issued")
                self.assertEqual((code, out), (6, ""))
                revoke = "unknown or already revoked token"
                self.assertEqual(err.splitlines()[0], "callctl: error: revoke the token: HTTP 400: " +
                                 ("PHP DHS Token Request Error: " + revoke if shape == "php" else revoke))

    def test_https_with_cacert(self):
        out, _ = self.ok("-o", "json", "--cacert", self.sb.cacert, "token", "create", "--scope", "virtual-number",
                         "--save", url=self.sb.https)
        self.assertIn("access_token", json.loads(out))
        self.assertEqual(self.stored()["token_url"], self.sb.https)
        self.ok("--cacert", self.sb.cacert, "e911", *ADDRESS, url=self.sb.https)
        self.ok("--cacert", self.sb.cacert, "token", "refresh", url=self.sb.https)
        code, _, err = self.callctl("token", "config", url=self.sb.https)
        self.assertEqual(code, 4, err)  # an untrusted certificate

    def test_dry_run_prints_a_curl_line_that_sh_replays(self):
        out, _ = self.ok("--dry-run", "token", "create", "--scope", "mobile-number", "--auth-code", "c0de-123")
        self.assertEqual(self.logged(), [])
        self.assertNotIn("c0de-123", out)
        self.assertIn("$CALLCTL_AUTH_CODE", out)
        self.ok("token", "create", "--scope", "mobile-number", "--auth-code", "c0de-123")
        [by_callctl] = self.logged()
        self.sb.clear_requests()
        replay = subprocess.run(["sh", "-c", out], capture_output=True, text=True, timeout=30,
                                env={**os.environ, "CALLCTL_AUTH_CODE": "c0de-123"})
        self.assertEqual(replay.returncode, 0, replay.stderr)
        self.assertIn("access_token", replay.stdout)
        [by_curl] = self.logged()
        for key in ("method", "path", "body"):
            self.assertEqual(by_curl[key], by_callctl[key])
        for header in ("content-type", "user-agent", "accept"):
            self.assertEqual(by_curl["headers"].get(header), by_callctl["headers"].get(header))

    def test_dry_run_of_refresh_and_revoke_use_env_references(self):
        stored = self.create_saved()
        out, _ = self.ok("--dry-run", "token", "refresh")
        self.assertIn("$CALLCTL_REFRESH_TOKEN", out)
        self.assertNotIn(stored["refresh_token"], out)
        out, _ = self.ok("--dry-run", "token", "revoke")
        self.assertIn("$CALLCTL_TOKEN", out)
        self.assertIn("-X DELETE", out)
        self.assertEqual(self.stored(), stored)  # nothing forgotten, nothing refreshed

    # ---- utilities
    def has_command(self, name):
        return self.callctl(name, "--help")[0] == 0


if __name__ == "__main__":
    unittest.main()
