"""kaleyra-token against the sandbox's Kaleyra REST backend: the exact request (apikey header,
body), the key from a file, stdin or the environment and never from argv, a wrong key (exit 5),
--expires-in bounds (exit 2, nothing sent), the JSON answer as sent and the table with the expiry
in local time."""

import json
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import SandboxTestCase, run_callctl  # noqa: E402

KEY = "ak_sandbox_callctl"


class KaleyraTokenTest(SandboxTestCase):
    def setUp(self):
        super().setUp()
        self.key_file = self.home.path / "kaleyra.key"
        self.key_file.write_text(KEY + "\n")

    def callctl(self, *args, env=None, input=None):
        full = {"CALLCTL_KALEYRA_URL": self.sb.http}
        full.update(env or {})
        return run_callctl(list(args), env=full, input=input, home=self.home)

    def token(self, *args, env=None, input=None):
        return self.callctl("kaleyra-token", "--user-id", "usr_123", *args, env=env, input=input)

    def test_request_and_json_answer_as_sent(self):
        code, out, err = self.token("--kaleyra-key-file", str(self.key_file))
        self.assertEqual((code, err), (0, ""))
        (entry,) = self.sb.requests()
        self.assertEqual((entry["method"], entry["path"], entry["status"]), ("POST", "/v2/sdk/credentials", 200))
        self.assertEqual(entry["headers"]["apikey"], KEY)
        self.assertEqual(entry["headers"]["content-type"], "application/json")
        self.assertEqual(entry["headers"]["accept"], "application/json")
        self.assertEqual(entry["body"], '{"user_id":"usr_123","expires_in":3600}')
        answer = json.loads(out)
        self.assertEqual(sorted(answer), ["access_token", "expires_at", "user_id"])
        self.assertEqual(answer["user_id"], "usr_123")
        self.assertEqual(answer["access_token"].count("."), 2)  # the JWT itself, not redacted, in a pipe

    def test_key_from_environment_and_stdin(self):
        self.assertEqual(self.token(env={"CALLCTL_KALEYRA_API_KEY": KEY})[0], 0)
        self.assertEqual(self.token("--kaleyra-key-file", "-", input=KEY + "\n")[0], 0)
        self.assertEqual([r["headers"]["apikey"] for r in self.sb.requests()], [KEY, KEY])

    def test_wrong_key_is_exit_5(self):
        code, out, err = self.token(env={"CALLCTL_KALEYRA_API_KEY": "ak_wrong"})
        self.assertEqual((code, out), (5, ""))
        self.assertEqual(err, "callctl: error: Kaleyra SDK credentials: HTTP 401: invalid apikey\n"
                              "callctl: hint: Kaleyra refused the API key: check --kaleyra-key-file or "
                              "CALLCTL_KALEYRA_API_KEY\n")

    def test_no_key_is_exit_5_and_nothing_is_sent(self):
        code, _, err = self.token()
        self.assertEqual(code, 5)
        self.assertTrue(err.startswith("callctl: error: no Kaleyra API key"), err)
        self.assertEqual(self.sb.requests(), [])

    def test_expires_in_bounds(self):
        env = {"CALLCTL_KALEYRA_API_KEY": KEY}
        for seconds in ("359", "86401", "0"):
            code, _, err = self.token("--expires-in", seconds, env=env)
            self.assertEqual(code, 2, err)
            self.assertEqual(err.splitlines()[0],
                             f"callctl: error: --expires-in must be from 360 to 86400 seconds, got {seconds}")
        self.assertEqual(self.sb.requests(), [])
        for seconds in ("360", "86400"):
            self.assertEqual(self.token("--expires-in", seconds, env=env)[0], 0)
        self.assertEqual([json.loads(r["body"])["expires_in"] for r in self.sb.requests()], [360, 86400])
        self.assertEqual(self.token("--expires-in", "ten", env=env)[0], 2)

    def test_unknown_user_is_exit_6(self):
        code, _, err = self.callctl("kaleyra-token", "--user-id", "usr_nobody", env={"CALLCTL_KALEYRA_API_KEY": KEY})
        self.assertEqual(code, 6)
        self.assertEqual(err, "callctl: error: Kaleyra SDK credentials: HTTP 404: no user with id usr_nobody\n")

    def test_table_shows_the_expiry_in_local_time_and_hides_the_token(self):
        code, out, err = self.token("-o", "table", "--expires-in", "600",
                                    env={"CALLCTL_KALEYRA_API_KEY": KEY, "TZ": "UTC"})
        self.assertEqual(code, 0, err)
        self.assertRegex(out, r"Expires:\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \((9m|10m)")
        self.assertIn("usr_123", out)
        self.assertIn("--reveal", out)
        self.assertNotRegex(out, r"eyJ[\w-]+\.[\w-]+\.[\w-]+")
        code, out, _ = self.token("-o", "table", "--reveal", env={"CALLCTL_KALEYRA_API_KEY": KEY})
        self.assertEqual(code, 0)
        self.assertRegex(out, r"eyJ[\w-]+\.[\w-]+\.[\w-]+")

    def test_the_key_is_in_no_output_and_dry_run_names_the_variable(self):
        code, out, err = self.token("-v", env={"CALLCTL_KALEYRA_API_KEY": KEY})
        self.assertEqual(code, 0, err)
        self.assertNotIn(KEY, out + err)
        self.assertIn("POST " + self.sb.http + "/v2/sdk/credentials", err)
        self.sb.clear_requests()
        code, out, err = self.token("--dry-run", env={"CALLCTL_KALEYRA_API_KEY": KEY})
        self.assertEqual((code, err), (0, ""))
        self.assertIn("apikey: $CALLCTL_KALEYRA_API_KEY", out)
        self.assertNotIn(KEY, out)
        self.assertEqual(self.sb.requests(), [])

    def test_no_kaleyra_url_is_a_usage_error(self):
        code, _, err = run_callctl(["kaleyra-token", "--user-id", "u"], env={"CALLCTL_KALEYRA_API_KEY": KEY},
                                   home=self.home)
        self.assertEqual(code, 2)
        self.assertEqual(err.splitlines()[0], "callctl: error: no Kaleyra REST URL")


if __name__ == "__main__":
    unittest.main()
