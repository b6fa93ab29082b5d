"""The foundation end to end: transport, retries, TLS, dry runs, redaction, config errors.

Uses `token config` (GET /config, idempotent) and `token create` (POST /tokens, never replayed
unless surely unprocessed) as the simplest requests of each kind.
"""

import json
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import SandboxTestCase, clean_env, run_callctl  # noqa: E402

ERROR_LINE = re.compile(r"^callctl: error: .+$")


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("callctl: error:")]


class FoundationTest(SandboxTestCase):
    sandbox_tls = True

    def callctl(self, *args, env=None, input=None, timeout=30):
        return run_callctl(list(args), env=env, input=input, timeout=timeout, home=self.home)

    # ---- requests as sent
    def test_get_sends_user_agent_and_accepts_json(self):
        rc, out, err = self.callctl("--token-url", self.sb.http, "token", "config", "-o", "json")
        self.assertEqual(rc, 0, err)
        self.assertIn("virtual_numbers_pool", json.loads(out))
        [request] = self.sb.requests()
        self.assertEqual((request["method"], request["path"]), ("GET", "/config"))
        self.assertEqual(request["headers"]["user-agent"], "callctl/0.1.0")
        self.assertEqual(request["body"], "")

    def test_global_options_work_after_the_subcommand_and_from_env(self):
        rc, out, _ = self.callctl("token", "config", "--token-url", self.sb.http, "-o", "json")
        self.assertEqual(rc, 0)
        json.loads(out)
        rc, out, _ = self.callctl("token", "config", env={"CALLCTL_TOKEN_URL": self.sb.http,
                                                          "CALLCTL_OUTPUT": "json"})
        self.assertEqual(rc, 0)
        json.loads(out)

    def test_piped_json_is_compact(self):
        rc, out, _ = self.callctl("--token-url", self.sb.http, "token", "config")
        self.assertEqual(rc, 0)
        self.assertEqual(out.count("\n"), 1, "auto output on a pipe is one compact JSON document")

    # ---- retries
    def test_a_retried_503_succeeds(self):
        self.sb.set_faults({"fail_next": {"count": 2, "status": 503, "retry_after": "0"}})
        rc, out, err = self.callctl("--token-url", self.sb.http, "token", "config", "-o", "json")
        self.assertEqual(rc, 0, err)
        self.assertEqual([r["status"] for r in self.sb.requests()], [503, 503, 200])

    def test_503_after_all_retries_is_exit_7(self):
        self.sb.set_faults({"fail_next": {"count": 5, "status": 503, "retry_after": "0"}})
        rc, _, err = self.callctl("--token-url", self.sb.http, "--retries", "1", "token", "config")
        self.assertEqual(rc, 7, err)
        self.assertEqual(len(self.sb.requests()), 2)
        self.assertEqual(len(error_lines(err)), 1)
        self.assertIn("503", err)

    def test_429_with_retry_after_is_honoured(self):
        self.sb.set_faults({"fail_next": {"count": 1, "status": 429, "retry_after": "1"}})
        started = time.monotonic()
        rc, _, err = self.callctl("--token-url", self.sb.http, "token", "config")
        self.assertEqual(rc, 0, err)
        self.assertGreaterEqual(time.monotonic() - started, 0.9, "waited for Retry-After: 1")
        self.assertEqual([r["status"] for r in self.sb.requests()], [429, 200])

    def test_post_is_not_replayed_after_a_500(self):
        self.sb.set_faults({"status_for": {"/tokens": 500}})
        rc, _, err = self.callctl("--token-url", self.sb.http, "token", "create", "--scope", "virtual-number")
        self.assertEqual(rc, 7, err)
        self.assertEqual([r["method"] for r in self.sb.requests()], ["POST"])

    def test_post_is_not_replayed_after_a_dropped_connection(self):
        # The server read the request, then hung up: it may have been processed.
        self.sb.set_faults({"drop_next": 1})
        rc, _, err = self.callctl("--token-url", self.sb.http, "token", "create", "--scope", "virtual-number")
        self.assertEqual(rc, 4, err)
        self.assertEqual(len(self.sb.requests()), 1)

    def test_post_is_retried_on_503_with_retry_after(self):
        self.sb.set_faults({"fail_next": {"count": 1, "status": 503, "retry_after": "0"}})
        rc, _, err = self.callctl("--token-url", self.sb.http, "token", "create", "--scope", "virtual-number")
        self.assertEqual(rc, 0, err)
        self.assertEqual([r["status"] for r in self.sb.requests()], [503, 200])

    def test_idempotent_get_is_retried_after_a_dropped_connection(self):
        self.sb.set_faults({"drop_next": 1})
        rc, _, err = self.callctl("--token-url", self.sb.http, "token", "config")
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(self.sb.requests()), 2)

    # ---- transport failures
    def test_dead_port_is_exit_4(self):
        started = time.monotonic()
        rc, out, err = self.callctl("--token-url", "http://127.0.0.1:9", "--retries", "0", "token", "config")
        self.assertEqual(rc, 4, err)
        self.assertEqual(out, "")
        [line] = err.splitlines()[:1]
        self.assertRegex(line, ERROR_LINE)
        self.assertLess(time.monotonic() - started, 10)

    def test_timeout_is_exit_4_and_bounded(self):
        self.sb.set_faults({"latency_ms": 3000})
        started = time.monotonic()
        rc, _, err = self.callctl("--token-url", self.sb.http, "--timeout", "0.5", "--retries", "0",
                                  "token", "config")
        self.assertEqual(rc, 4, err)
        self.assertIn("timed out", err)
        self.assertLess(time.monotonic() - started, 2.5)

    def test_bad_url_is_an_error_not_a_crash(self):
        rc, _, err = self.callctl("--token-url", "notaurl", "token", "config")
        self.assertIn(rc, (2, 4), err)
        self.assertEqual(len(error_lines(err)), 1)

    # ---- TLS
    def test_https_needs_the_ca(self):
        rc, _, err = self.callctl("--token-url", self.sb.https, "token", "config")
        self.assertEqual(rc, 4, err)
        self.assertIn("--cacert", err, "the hint says how to trust a private CA")

    def test_https_with_cacert_or_insecure(self):
        rc, _, err = self.callctl("--token-url", self.sb.https, "--cacert", self.sb.cacert, "token", "config")
        self.assertEqual(rc, 0, err)
        rc, _, err = self.callctl("--token-url", self.sb.https, "-k", "token", "config")
        self.assertEqual(rc, 0, err)

    def test_cacert_from_profile(self):
        self.home.write_config({"profiles": {"default": {"token_url": self.sb.https,
                                                          "cacert": self.sb.cacert}}})
        rc, _, err = self.callctl("token", "config")
        self.assertEqual(rc, 0, err)

    # ---- dry run
    def test_dry_run_prints_a_curl_line_that_makes_the_same_request(self):
        rc, out, err = self.callctl("--token-url", self.sb.http, "--dry-run",
                                    "token", "create", "--scope", "virtual-number")
        self.assertEqual(rc, 0, err)
        self.assertEqual(self.sb.requests(), [], "a dry run sends nothing")
        [line] = out.splitlines()
        self.assertTrue(line.startswith("curl "), line)
        done = subprocess.run(["sh", "-c", line], capture_output=True, text=True, timeout=20,
                              env=clean_env(self.home))
        self.assertEqual(done.returncode, 0, done.stderr)
        [request] = self.sb.requests()
        self.assertEqual((request["method"], request["path"]), ("POST", "/tokens"))
        self.assertEqual(json.loads(request["body"]), {"app_scope": "VIRTUAL_NUMBER"})
        self.assertEqual(request["headers"]["content-type"], "application/json")

    def test_dry_run_with_a_bearer_token_references_the_environment(self):
        token = self.sb.access_token()
        self.sb.clear_requests()
        rc, out, err = self.callctl("--rest-url", self.sb.http, "--dry-run", "call-log", "some-call",
                                    env={"CALLCTL_TOKEN": token})
        self.assertEqual(rc, 0, err)
        self.assertNotIn(token, out)
        self.assertIn("$CALLCTL_TOKEN", out)
        [line] = out.splitlines()
        done = subprocess.run(["sh", "-c", line], capture_output=True, text=True, timeout=20,
                              env=clean_env(self.home, {"CALLCTL_TOKEN": token}))
        self.assertEqual(done.returncode, 0, done.stderr)
        [request] = self.sb.requests()
        self.assertEqual(request["path"], "/rtc/getCallLogById")
        self.assertEqual(request["query"], {"callId": "some-call"})
        self.assertEqual(request["headers"]["authorization"], f"Bearer {token}")

    # ---- secrets
    def test_verbose_never_shows_a_planted_secret(self):
        token = self.sb.access_token()
        rc, out, err = self.callctl("--token-url", self.sb.http, "-v", "token", "create",
                                    "--scope", "virtual-number", "-o", "json")
        self.assertEqual(rc, 0, err)
        issued = json.loads(out)
        self.assertIn("> POST", err)
        self.assertIn("< 200", err)
        for secret in (issued["access_token"], issued["refresh_token"]):
            self.assertNotIn(secret, err)
        rc, _, err = self.callctl("--rest-url", self.sb.http, "-v", "call-log", "nope",
                                  env={"CALLCTL_TOKEN": token})
        self.assertEqual(rc, 6, err)
        self.assertNotIn(token, err)
        self.assertIn("> Authorization: Bearer ***", err)

    # ---- usage and config errors
    def test_unknown_option_is_exit_2_on_one_line(self):
        rc, out, err = self.callctl("token", "config", "--frobnicate")
        self.assertEqual(rc, 2)
        self.assertEqual(out, "")
        self.assertRegex(err.splitlines()[0], ERROR_LINE)

    def test_malformed_config_is_exit_3_with_position(self):
        path = self.home.config_dir / "config.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text('{\n  "profiles": {\n    "default": {"token_url": }\n  }\n}\n')
        rc, _, err = self.callctl("token", "config")
        self.assertEqual(rc, 3)
        self.assertIn(f"{path}:3:", err)
        self.assertEqual(len(error_lines(err)), 1)

    def test_missing_url_says_where_to_set_it(self):
        rc, _, err = self.callctl("token", "config")
        self.assertEqual(rc, 2)
        self.assertIn("--token-url", err)
        self.assertIn("CALLCTL_TOKEN_URL", err)

    def test_unknown_profile_is_refused(self):
        self.home.write_config({"profiles": {"default": {"token_url": self.sb.http}}})
        rc, _, err = self.callctl("--profile", "typo", "token", "config")
        self.assertEqual(rc, 2)
        self.assertIn("no profile 'typo'", err)

    def test_profiles_select_urls(self):
        rc, _, err = self.callctl("--profile", "local", "profile", "set", "token_url", self.sb.http)
        self.assertEqual(rc, 0, err)
        rc, _, err = self.callctl("profile", "use", "local")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.callctl("token", "config", "-o", "json")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.callctl("profile", "list", "-o", "json")
        self.assertEqual(json.loads(out), [{"name": "local", "current": True, "token_url": self.sb.http,
                                            "rest_url": "", "graphql_url": ""}])

    def test_version(self):
        rc, out, _ = self.callctl("--version")
        self.assertEqual((rc, out), (0, "callctl 0.1.0\n"))


if __name__ == "__main__":
    unittest.main()
