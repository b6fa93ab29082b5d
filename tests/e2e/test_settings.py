"""Settings end to end: one validator for `profile set` and every command, errors that name where a bad
value came from (flag, environment variable, profile key and config file), a bad profile value that the
profile commands can still repair, and one duration check for --timeout, --connect-timeout, call-log
--interval and --wait-timeout.

Every value here is refused (or accepted) before anything is sent: no server is needed, and the dry
runs point at a port nobody listens on.
"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import TempHome, run_callctl  # noqa: E402

DEAD_URL = "http://127.0.0.1:9"
HINT = "callctl: hint: see `callctl --help` or callctl(1)\n"


class SettingsTest(unittest.TestCase):
    def setUp(self):
        self.home = TempHome()
        self.config_path = self.home.config_dir / "config.json"

    def tearDown(self):
        self.home.cleanup()

    def callctl(self, *args, env=None):
        return run_callctl(list(args), env=env, home=self.home)

    def assert_error(self, result, code, message, hint=None):
        rc, out, err = result
        expected = f"callctl: error: {message}\n" + (f"callctl: hint: {hint}\n" if hint else "")
        self.assertEqual((rc, out, err), (code, "", expected))

    def config(self) -> dict:
        return json.loads(self.config_path.read_text())

    def shown(self, *args) -> dict:
        rc, out, err = self.callctl(*args, "profile", "show", "-o", "json")
        self.assertEqual(rc, 0, err)
        return json.loads(out)

    # ---- the defects of issue 11: what `profile set` accepts, every command accepts
    def test_profile_set_refuses_a_timeout_no_command_could_run_with(self):
        for value, problem in (("100000", "must be at most 86400 seconds"), ("inf", "must be at most 86400 seconds"),
                               ("1e300", "must be at most 86400 seconds"), ("nan", "must be a positive number of seconds"),
                               ("0", "must be a positive number of seconds"), ("-1", "must be a positive number of seconds"),
                               ("abc", "must be a positive number of seconds")):
            with self.subTest(value=value):
                self.assert_error(self.callctl("profile", "set", "timeout", value), 2,
                                  f"timeout {problem}, got '{value}'")
                self.assertFalse(self.config_path.exists(), "nothing was written, not even null")
        self.assertEqual(self.callctl("profile", "set", "timeout", "86400")[0], 0)
        self.assertEqual(self.config()["profiles"]["default"]["timeout"], 86400.0)
        self.assertEqual(self.shown()["timeout"], 86400.0)

    def test_a_bad_profile_value_names_key_and_file_and_the_profile_commands_repair_it(self):
        self.home.write_config({"profiles": {"default": {"timeout": 100000, "token_url": DEAD_URL}}})
        message = (f"malformed config: {self.config_path}: profile 'default': timeout must be at most 86400 seconds, "
                   f"got 100000")
        hint = ("repair it with `callctl --profile default profile set timeout SEC` or "
                "`callctl --profile default profile unset timeout`")
        self.assert_error(self.callctl("--dry-run", "token", "config"), 3, message, hint)
        self.assert_error(self.callctl("profile", "show"), 3, message, hint)
        # A flag beats the profile without reading its value.
        rc, out, err = self.callctl("--timeout", "5", "--dry-run", "token", "config")
        self.assertEqual((rc, out, err), (0, f"curl -sS '{DEAD_URL}/config' -A 'callctl/0.1.0' "
                                             f"-H 'Accept: application/json'\n", ""))

        # Commands that read no setting still run: completion, and TAB's list of profiles.
        self.assertEqual(self.callctl("completion", "bash")[0], 0)
        self.assertEqual(self.callctl("__complete", "profiles"), (0, "default\n", ""))

        # Each profile command that edits the file still runs, and `unset` repairs it.
        self.assertEqual(self.callctl("profile", "list", "-o", "json")[:2],
                         (0, f'[{{"current":true,"graphql_url":"","name":"default","rest_url":"",'
                             f'"token_url":"{DEAD_URL}"}}]\n'))
        self.assertEqual(self.callctl("profile", "set", "retries", "3"), (0, '{"profile":"default","set":"retries"}\n', ""))
        self.assertEqual(self.callctl("profile", "unset", "timeout"), (0, "", ""))
        self.assertEqual(self.config()["profiles"]["default"], {"retries": 3, "token_url": DEAD_URL})
        self.assertEqual(self.shown()["timeout"], 30.0)

        # ... and so does `set` over the bad value.
        self.home.write_config({"profiles": {"default": {"timeout": 100000}}})
        self.assertEqual(self.callctl("profile", "set", "timeout", "5")[0], 0)
        self.assertEqual(self.shown()["timeout"], 5.0)

        # `use` and `delete` can move away from a broken profile.
        self.home.write_config({"current_profile": "broken", "profiles": {"broken": {"retries": 99}}})
        self.assertEqual(self.callctl("profile", "use", "--create", "fresh")[0], 0)
        self.assertEqual(self.shown()["profile"], "fresh")
        self.assertEqual(self.callctl("profile", "delete", "broken")[0], 0)
        self.assertEqual(list(self.config()["profiles"]), ["fresh"])

    def test_every_profile_key_is_checked_by_the_same_rule_as_set(self):
        # (key, value in the file, the error, the same value as `profile set` would take it, or None)
        for key, stored, problem, as_set in (
                ("retries", 99, "retries must be from 0 to 10, got 99", "99"),
                ("connect_timeout", -1, "connect_timeout must be a positive number of seconds, got -1", "-1"),
                ("output", "xml", 'output must be auto, json, ndjson or table, got "xml"', "xml"),
                ("rest_url", "htp:/x", 'rest_url must be an http:// or https:// URL, got "htp:/x"', "htp:/x"),
                # Of the wrong JSON type: `profile set` never writes these.
                ("retries", "3", 'retries must be a whole number from 0 to 10, got "3"', None),
                ("cacert", 7, "cacert must be a string, got 7", None)):
            with self.subTest(key=key, stored=stored):
                self.home.write_config({"profiles": {"default": {key: stored}}})
                rc, out, err = self.callctl("profile", "show")
                self.assertEqual((rc, out), (3, ""))
                self.assertEqual(err.splitlines()[0],
                                 f"callctl: error: malformed config: {self.config_path}: profile 'default': {problem}")
                if as_set is not None:
                    rc, _, err = self.callctl("profile", "set", key, as_set)
                    self.assertEqual(rc, 2, "profile set refuses it too")
                    self.assertTrue(err.startswith(f"callctl: error: {key} must be"), err)

    def test_null_is_no_value(self):
        # What `profile set timeout inf` used to store.
        self.home.write_config({"profiles": {"default": {"timeout": None}}})
        self.assertEqual(self.shown()["timeout"], 30.0)

    def test_an_environment_value_names_its_variable(self):
        self.assert_error(self.callctl("profile", "show", env={"CALLCTL_OUTPUT": "xml"}), 2,
                          "CALLCTL_OUTPUT must be auto, json, ndjson or table, got 'xml'")
        self.assert_error(self.callctl("profile", "show", env={"CALLCTL_TOKEN_URL": "htp:/x"}), 2,
                          "CALLCTL_TOKEN_URL must be an http:// or https:// URL, got 'htp:/x'")
        self.assertEqual(self.shown()["output"], "json")  # -o json, as before

    def test_a_flag_value_names_its_flag(self):
        self.assert_error(self.callctl("--token-url", "htp:/x", "--dry-run", "token", "config"), 2,
                          "--token-url must be an http:// or https:// URL")
        self.assert_error(self.callctl("--retries", "11", "profile", "show"), 2, "--retries must be from 0 to 10")

    def test_standard_input_is_read_by_one_option_at_most(self):
        # The second reader would get an empty file: refused before anything is read or sent.
        once = "standard input is read once: give the others a file"
        for args, message in (
                (["--token-file", "-", "call-log", "--ids-from", "-", "--rest-url", DEAD_URL],
                 "--token-file - and --ids-from - cannot both read standard input"),
                (["--token-file", "-", "create-call", "--title", "t", "--invite-file", "-", "--rest-url", DEAD_URL],
                 "--token-file - and --invite-file - cannot both read standard input"),
                (["--token-file", "-", "send-push", "--fcm-credentials", "-", "--to", "t1", "p.json"],
                 "--token-file - and --fcm-credentials - cannot both read standard input"),
                (["--token-file", "-", "kaleyra-token", "--kaleyra-key-file", "-", "--user-id", "u1"],
                 "--token-file - and --kaleyra-key-file - cannot both read standard input")):
            with self.subTest(args=args):
                result = run_callctl(args, home=self.home, input="tok\n")
                self.assert_error(result, 2, message, once)

    def test_unset_names_an_unknown_key(self):
        self.assert_error(self.callctl("profile", "unset", "colour"), 2, "unknown profile key 'colour'",
                          "keys: token_url, rest_url, graphql_url, output, timeout, connect_timeout, retries, max_reply_mib, cacert, "
                          "intercom_auth_url, intercom_client_id, kaleyra_url, fcm_url, fcm_credentials, apns_env, "
                          "apns_url, apns_key, apns_key_id, apns_team_id, apns_topic, webex_url, graphql.<Operation>")
        self.assert_error(self.callctl("profile", "unset", "timeout"), 2, "profile 'default' has no timeout")

    def test_show_lists_every_profile_setting_with_its_source(self):
        self.home.write_config({"profiles": {"default": {"rest_url": "http://r", "timeout": 2.5, "retries": 4,
                                                         "cacert": "/ca.pem"}}})
        shown = self.shown("--token-url", "http://t", "--connect-timeout", "3")
        self.assertEqual({k: shown[k] for k in ("token_url", "rest_url", "graphql_url", "output", "timeout",
                                                "connect_timeout", "retries", "cacert")},
                         {"token_url": {"value": "http://t", "source": "flag"},
                          "rest_url": {"value": "http://r", "source": "profile"},
                          "graphql_url": {"value": None, "source": "none"},
                          "output": "json", "timeout": 2.5, "connect_timeout": 3.0, "retries": 4, "cacert": "/ca.pem"})
        rc, out, err = self.callctl("profile", "show", "-o", "table", env={"CALLCTL_GRAPHQL_URL": "http://g/graphql"})
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(out.splitlines()[3:11], [
            "Token URL:          -",
            "REST URL:           http://r  (profile)",
            "GraphQL URL:        http://g/graphql  (environment)",
            "Output:             table",
            "Timeouts:           2.5 s, connect 10 s",
            "Retries:            4",
            "Reply limit:        64 MiB",
            "CA bundle:          /ca.pem",
        ])

    # ---- durations: one check for all four
    def test_timeouts_refuse_nan_inf_huge_negative_zero_and_garbage(self):
        for flag in ("--timeout", "--connect-timeout"):
            for value, message in (("nan", f"{flag} must be a positive number of seconds"),
                                   ("inf", f"{flag} must be at most 86400 seconds"),
                                   ("1e300", f"{flag} must be at most 86400 seconds"),
                                   ("-1", f"{flag} must be a positive number of seconds"),
                                   ("0", f"{flag} must be a positive number of seconds")):
                with self.subTest(flag=flag, value=value):
                    self.assert_error(self.callctl(flag, value, "--token-url", DEAD_URL, "--dry-run", "token", "config"),
                                      2, message)
            with self.subTest(flag=flag, value="abc"):
                rc, out, err = self.callctl(flag, "abc", "--token-url", DEAD_URL, "token", "config")
                self.assertEqual((rc, out, err), (2, "", f"callctl: error: Could not convert: {flag} = abc\n{HINT}"))
            with self.subTest(flag=flag, value="0.5"):
                self.assertEqual(self.callctl(flag, "0.5", "--token-url", DEAD_URL, "--dry-run", "token", "config")[0], 0)

    def test_call_log_durations_refuse_nan_inf_huge_negative_and_garbage(self):
        base = ["--rest-url", DEAD_URL, "--token", "tok-123", "--dry-run", "call-log", "c1", "--wait-for", "started"]
        for flag in ("--interval", "--wait-timeout"):
            for value, message in (("nan", f"{flag} must be 0 or a positive number of seconds"),
                                   ("inf", f"{flag} must be at most 86400 seconds"),
                                   ("1e300", f"{flag} must be at most 86400 seconds"),
                                   ("-1", f"{flag} must be 0 or a positive number of seconds")):
                with self.subTest(flag=flag, value=value):
                    self.assert_error(self.callctl(*base, flag, value), 2, message)
            with self.subTest(flag=flag, value="abc"):
                self.assertEqual(self.callctl(*base, flag, "abc"),
                                 (2, "", f"callctl: error: Could not convert: {flag} = abc\n{HINT}"))
            with self.subTest(flag=flag, value="0"):
                # 0 is allowed: no pause between polls, or give up after the first round. A dry run
                # shows the one round of requests.
                rc, out, err = self.callctl(*base, flag, "0")
                self.assertEqual((rc, err, len(out.splitlines())), (0, "", 1))
                self.assertIn("/rtc/getCallLogById?callId=c1", out)

    # ---- colour of the error line
    def test_no_color_holds_for_error_lines(self):
        coloured = "callctl: \x1b[1;31merror:\x1b[0m profile 'default' has no timeout\n"
        plain = "callctl: error: profile 'default' has no timeout\n"
        self.assertEqual(self.callctl("profile", "unset", "timeout", env={"CLICOLOR_FORCE": "1"})[2], coloured)
        self.assertEqual(self.callctl("--no-color", "profile", "unset", "timeout", env={"CLICOLOR_FORCE": "1"})[2], plain)
        self.assertEqual(self.callctl("profile", "unset", "timeout", env={"CLICOLOR_FORCE": "1", "NO_COLOR": ""})[2],
                         plain)
        # Also for an error about the command line itself, before any setting resolves.
        rc, _, err = self.callctl("--no-color", "token", "config", "--frobnicate", env={"CLICOLOR_FORCE": "1"})
        self.assertEqual((rc, err.splitlines()[0]),
                         (2, "callctl: error: The following argument was not expected: --frobnicate"))


if __name__ == "__main__":
    unittest.main()
