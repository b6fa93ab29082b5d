"""Issue 19, classes 4, 10, 11 and 12 (URLs): hostile values.

- Every duration option (--timeout, --connect-timeout, call-log --interval and --wait-timeout,
  listen --request-timeout, the timeout/connect_timeout profile keys) refuses NaN, infinities,
  1e300 and anything between 0 and 1 ms (which would round to 0 ms, "no limit" to libcurl): exit 2
  (3 from a config file), one error line, nothing sent.
- Every URL setting refuses a query or fragment (`?`, `#`): exit 2 (3 from a config file), nothing
  sent.
- A token endpoint answering expires_in 1e300, 2^63-1 or 2^64-1 (a JWT's exp the same) gives a token
  that expires "more than 100 years" from now, stored as 2^63-1: never "expired ... ago".
(callctl(1), GLOBAL OPTIONS and token.)"""

from __future__ import annotations

import base64
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import SandboxTestCase, TempHome, run_callctl  # noqa: E402
from hostile_servers import TokenEndpoint  # noqa: E402

INT64_MAX = 9223372036854775807
TINY = ("0.0004", "0.0009", "1e-300")
NON_FINITE = ("nan", "inf", "-inf", "1e300")


class DurationTest(SandboxTestCase):
    def setUp(self):
        super().setUp()
        self.call_id = self.sb.admin("POST", "/_sandbox/calls", {"count": 1})["callIds"][0]
        self.sb.clear_requests()
        self.env = {"CALLCTL_REST_URL": self.sb.http, "CALLCTL_TOKEN_URL": self.sb.http,
                    "CALLCTL_TOKEN": "t0ken"}

    def assert_refused(self, args, message, code=2):
        with self.subTest(args=" ".join(args)):
            self.sb.clear_requests()
            got, out, err = run_callctl(args, env=self.env, home=self.home, timeout=20)
            self.assertEqual((got, out, err), (code, "", f"callctl: error: {message}\n"))
            self.assertEqual(self.sb.requests(), [], "nothing is sent")

    def test_global_timeouts(self):
        for flag in ("--timeout", "--connect-timeout"):
            for value in TINY:
                self.assert_refused([flag, value, "call-log", self.call_id], f"{flag} must be at least 0.001 seconds (1 ms)")
            for value in ("nan", "-1", "0"):
                self.assert_refused([flag, value, "call-log", self.call_id], f"{flag} must be a positive number of seconds")
            for value in ("inf", "1e300"):
                self.assert_refused([flag, value, "call-log", self.call_id], f"{flag} must be at most 86400 seconds")
        # The shortest accepted: 1 ms (the call-log itself may time out: it is sent, not refused).
        code, _, err = run_callctl(["--timeout", "0.001", "--connect-timeout", "1e-3", "call-log", self.call_id],
                                   env=self.env, home=self.home)
        self.assertIn(code, (0, 4, 5), err)

    def test_call_log_waits(self):
        for flag in ("--interval", "--wait-timeout"):
            args = ["call-log", self.call_id, "--wait-for", "ended", flag]
            for value in TINY:
                self.assert_refused(args + [value], f"{flag} must be 0 or at least 0.001 seconds (1 ms)")
            for value in ("nan", "-1", "-inf"):
                self.assert_refused(args + [value], f"{flag} must be 0 or a positive number of seconds")
            for value in ("inf", "1e300"):
                self.assert_refused(args + [value], f"{flag} must be at most 86400 seconds")

    def test_listen_request_timeout(self):
        for value in TINY:
            self.assert_refused(["listen", "--port", "0", "--request-timeout", value],
                                "--request-timeout must be at least 0.001 seconds (1 ms)")
        for value in ("nan", "0", "-1"):
            self.assert_refused(["listen", "--port", "0", "--request-timeout", value],
                                "--request-timeout must be a positive number of seconds")
        for value in ("inf", "1e300", "3600.5"):
            self.assert_refused(["listen", "--port", "0", "--request-timeout", value],
                                "--request-timeout must be at most 3600 seconds")

    def test_profile_keys(self):
        for key in ("timeout", "connect_timeout"):
            for value in TINY:
                self.assert_refused(["profile", "set", key, value],
                                    f"{key} must be at least 0.001 seconds (1 ms), got '{value}'")
            # The same value hand-written into the config file: exit 3 naming the key.
            for value in (0.0004, 1e-300):
                with self.subTest(key=key, value=value):
                    self.sb.clear_requests()
                    path = self.home.write_config({"profiles": {"default": {key: value}}})
                    code, out, err = run_callctl(["call-log", self.call_id], env=self.env, home=self.home)
                    self.assertEqual((code, out), (3, ""), err)
                    lines = err.splitlines()
                    self.assertEqual(lines[0], f"callctl: error: malformed config: {path}: profile 'default': "
                                               f"{key} must be at least 0.001 seconds (1 ms), got {value}")
                    self.assertEqual([line.startswith("callctl: hint: ") for line in lines[1:]], [True])
                    self.assertEqual(self.sb.requests(), [])


class UrlTest(SandboxTestCase):
    BAD = ("http://127.0.0.1:1/api?x=1", "http://127.0.0.1:1/api#frag", "https://h/?", "http://h#")
    PROBLEM = "must not contain '?' or '#' (no query or fragment: callctl appends paths to it)"
    ENV = {"token_url": "CALLCTL_TOKEN_URL", "rest_url": "CALLCTL_REST_URL", "graphql_url": "CALLCTL_GRAPHQL_URL",
           "intercom_auth_url": "CALLCTL_INTERCOM_AUTH_URL", "kaleyra_url": "CALLCTL_KALEYRA_URL",
           "fcm_url": "CALLCTL_FCM_URL", "apns_url": "CALLCTL_APNS_URL", "webex_url": "CALLCTL_WEBEX_URL"}

    def test_every_url_setting_from_the_environment(self):
        for variable in self.ENV.values():
            for url in self.BAD:
                with self.subTest(variable=variable, url=url):
                    self.sb.clear_requests()
                    code, out, err = run_callctl(["token", "create", "--scope", "virtual-number"],
                                                 env={"CALLCTL_TOKEN_URL": self.sb.http, variable: url}, home=self.home)
                    self.assertEqual((code, out), (2, ""), err)
                    self.assertEqual(err.splitlines()[0], f"callctl: error: {variable} {self.PROBLEM}, got '{url}'")
                    self.assertEqual(self.sb.requests(), [])

    def test_flags_and_profile_keys(self):
        bad = self.sb.http + "/?x=1"
        for args in (["--token-url", bad, "token", "create", "--scope", "virtual-number"],
                     ["--rest-url", bad, "--token", "t0ken", "call-log", "c1"],
                     ["--graphql-url", self.sb.http + "/graphql#x", "--token", "t0ken", "open-door", "--device", "d1"]):
            with self.subTest(args=" ".join(args)):
                self.sb.clear_requests()
                code, out, err = run_callctl(args, env={"CALLCTL_TOKEN_URL": self.sb.http}, home=self.home)
                self.assertEqual((code, out), (2, ""), err)
                self.assertIn(self.PROBLEM, err)
                self.assertEqual(self.sb.requests(), [])
        for key in ("rest_url", "token_url", "webex_url"):
            with self.subTest(key=key):
                code, out, err = run_callctl(["profile", "set", key, "http://h/p?q"], home=self.home)
                self.assertEqual((code, out, err), (2, "", f"callctl: error: {key} {self.PROBLEM}, got 'http://h/p?q'\n"))
        self.sb.clear_requests()
        self.home.write_config({"profiles": {"default": {"rest_url": self.sb.http + "/#x"}}})
        code, out, err = run_callctl(["--token", "t0ken", "call-log", "c1"], home=self.home)
        self.assertEqual((code, out), (3, ""), err)
        self.assertIn(f"rest_url {self.PROBLEM}", err)
        self.assertEqual(self.sb.requests(), [])
        # A plain base URL with a path still works.
        code, out, err = run_callctl(["profile", "set", "rest_url", "https://h:8443/base/path"], home=self.home)
        self.assertEqual(code, 0, err)


def unsigned_jwt(claims_json: str) -> str:
    """A JWT with these claims (raw JSON text, so numbers past int64 stay as written)."""
    def part(text: str) -> str:
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
    return ".".join((part('{"alg":"HS256","typ":"JWT"}'), part(claims_json), "c2lnbmF0dXJl"))


class ExpiryTest(unittest.TestCase):
    ABSURD = ("1e300", "9223372036854775807", "18446744073709551615", "9223372036854775808", "1.8e19",
              '"9223372036854775807"', '"99999999999999999999"')

    def setUp(self):
        self.expires_in = "3600"  # raw JSON text, as the server sends it
        self.server = TokenEndpoint(lambda: '{"access_token":"opaque-token-1","token_type":"bearer",'
                                            '"refresh_token":"rt_1","expires_in":%s}' % self.expires_in)
        self.addCleanup(self.server.close)

    def callctl(self, home, *args, env=None):
        code, out, err = run_callctl(list(args), env={"CALLCTL_TOKEN_URL": self.server.url, **(env or {})}, home=home)
        self.assertEqual(code, 0, err)
        return out

    def test_an_absurd_lifetime_is_shown_as_such(self):
        for expires_in in self.ABSURD:
            with self.subTest(expires_in=expires_in), TempHome() as home:
                self.expires_in = expires_in
                out = self.callctl(home, "-o", "table", "token", "create", "--scope", "virtual-number", "--save")
                self.assertNotIn("expired", out)
                self.assertIn(f"more than 100 years ({INT64_MAX})", out)
                stored = json.loads((home.config_dir / "credentials.json").read_text())["profiles"]["default"]
                self.assertEqual(stored["expires_at"], INT64_MAX)  # saturated, never wrapped into the past
                shown = json.loads(self.callctl(home, "-o", "json", "token", "show"))
                self.assertEqual((shown["expired"], shown["expires_at"]), (False, str(INT64_MAX)))
                self.assertGreater(shown["expires_in"], 100 * 365 * 86400)
                self.assertEqual(shown["credentials"][0]["expired"], False)
                table = self.callctl(home, "-o", "table", "token", "show")
                self.assertNotIn("expired", table)
                self.assertIn("more than 100 years", table)

    def test_a_past_beyond_int64_is_expired_not_future(self):
        with TempHome() as home:
            self.expires_in = "-9223372036854775808"
            out = self.callctl(home, "-o", "table", "token", "create", "--scope", "virtual-number", "--save")
            self.assertIn("expired more than 100 years ago", out)
            shown = json.loads(self.callctl(home, "-o", "json", "token", "show"))
            self.assertEqual(shown["expired"], True)
            self.assertLess(shown["expires_in"], 0)

    def test_a_jwt_exp_claim_past_int64(self):
        for exp in ("1e300", "18446744073709551615", "9223372036854775807"):
            with self.subTest(exp=exp), TempHome() as home:
                token = unsigned_jwt('{"sub":"app","exp":%s}' % exp)
                shown = json.loads(self.callctl(home, "-o", "json", "token", "show", env={"CALLCTL_TOKEN": token}))
                self.assertEqual((shown["expired"], shown["expires_at"]), (False, str(INT64_MAX)))
                self.assertEqual(shown["expiry_source"], "jwt exp claim (not verified)")
                table = self.callctl(home, "-o", "table", "token", "show", env={"CALLCTL_TOKEN": token})
                self.assertNotIn("expired", table)
                self.assertNotIn("1969", table)


if __name__ == "__main__":
    unittest.main()
