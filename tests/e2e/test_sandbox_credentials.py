"""callctl-sandbox's credential backends on their own, driven with urllib: the intercom OAuth
endpoint (login, exchange, external token; Doorkeeper-style errors; rotation; admin expiry and
revocation) and which tokens its GraphQL accepts; Kaleyra's SDK credentials and users."""

import base64
import json
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import SandboxTestCase  # noqa: E402

CLIENT = "callctl-sandbox-client"
USER, PASSWORD = "resident@example.com", "sandbox-password"
KEY = "ak_sandbox_callctl"
HANGUP = ("mutation SetIoTDeviceState($iotDeviceId: ID!, $stateInput: [IotDeviceStateInput!]!) {\n"
          "  iotDeviceSetTargetState(id: $iotDeviceId, targetState: $stateInput) { __typename name }\n}\n")
INVALID_GRANT = {"error": "invalid_grant",
                 "error_description": "The provided authorization grant is invalid, expired, revoked, does not match "
                                      "the redirection URI used in the authorization request, or was issued to "
                                      "another client."}


def login_body(password=PASSWORD, client=CLIENT, username=USER):
    return {"client_id": client, "grant_type": "password", "username": username, "password": password, "scope": "me"}


def jwt_claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class IntercomOAuthTest(SandboxTestCase):
    def oauth(self, kind, body):
        return self.sb.json_request("POST", f"/oauth/token?type={kind}", body)

    def graphql(self, token):
        status, data = self.sb.json_request(
            "POST", "/graphql",
            {"operationName": "SetIoTDeviceState", "query": HANGUP,
             "variables": {"iotDeviceId": "dev_42", "stateInput": [{"action": "call", "value": "false"}]}},
            headers={"Authorization": "Bearer " + token})
        return status, data

    def test_login_answer_is_doorkeepers(self):
        before = int(time.time())
        status, data = self.oauth("login", login_body())
        self.assertEqual(status, 200, data)
        self.assertEqual(sorted(data), ["access_token", "created_at", "expires_in", "refresh_token", "scope",
                                        "token_type"])
        self.assertEqual((data["token_type"], data["scope"], data["expires_in"]), ("Bearer", "me", 604800))
        self.assertRegex(data["access_token"], r"^[0-9a-f]{64}$")
        self.assertNotEqual(data["access_token"], data["refresh_token"])
        self.assertTrue(before <= data["created_at"] <= int(time.time()))
        self.assertEqual(self.graphql(data["access_token"])[0], 200)
        entry = self.sb.requests()[0]
        self.assertEqual((entry["path"], entry["query"], entry["status"]), ("/oauth/token", {"type": "login"}, 200))

    def test_wrong_password_is_401_invalid_grant(self):
        status, headers, raw = self.sb.request("POST", "/oauth/token?type=login", login_body("wrong"))
        self.assertEqual(status, 401)
        self.assertEqual(json.loads(raw), INVALID_GRANT)
        self.assertIn('error="invalid_grant"', headers["WWW-Authenticate"])
        self.assertEqual(self.oauth("login", login_body(username="nobody@example.com"))[1], INVALID_GRANT)

    def test_wrong_client_is_401_invalid_client(self):
        for body in (login_body(client="other"), {k: v for k, v in login_body().items() if k != "client_id"}):
            status, data = self.oauth("login", body)
            self.assertEqual(status, 401)
            self.assertEqual(data["error"], "invalid_client")

    def test_malformed_requests_are_400(self):
        cases = [
            ("login", {**login_body(), "grant_type": "client_credentials"}, "unsupported_grant_type"),
            ("login", {**login_body(), "scope": "admin"}, "invalid_scope"),
            ("login", {k: v for k, v in login_body().items() if k != "password"}, "invalid_request"),
            ("login", [1], "invalid_request"),
            ("exchange", {"client_id": CLIENT, "grant_type": "refresh_token"}, "invalid_request"),
            ("nonsense", login_body(), "invalid_request"),
        ]
        for kind, body, error in cases:
            with self.subTest(kind=kind, body=body):
                status, data = self.oauth(kind, body)
                self.assertEqual((status, data["error"]), (400, error))
                self.assertTrue(data["error_description"])
        status, _, raw = self.sb.request("POST", "/oauth/token?type=login", raw=b"{not json")
        self.assertEqual((status, json.loads(raw)["error"]), (400, "invalid_request"))
        self.assertEqual(self.sb.json_request("POST", "/oauth/token", login_body())[0], 400)  # no type
        self.assertEqual(self.sb.request("GET", "/oauth/token?type=login")[0], 405)

    def test_exchange_rotates_both_tokens(self):
        first = self.oauth("login", login_body())[1]
        status, second = self.oauth("exchange", {"client_id": CLIENT, "grant_type": "refresh_token",
                                                 "refresh_token": first["refresh_token"]})
        self.assertEqual(status, 200, second)
        self.assertNotEqual(second["access_token"], first["access_token"])
        self.assertNotEqual(second["refresh_token"], first["refresh_token"])
        # The old pair is spent: its access token is refused, its refresh token too.
        self.assertEqual(self.graphql(first["access_token"]), (401, {"error": "unauthorized",
                                                                    "message": "access token has been revoked"}))
        self.assertEqual(self.graphql(second["access_token"])[0], 200)
        again = self.oauth("exchange", {"client_id": CLIENT, "grant_type": "refresh_token",
                                        "refresh_token": first["refresh_token"]})
        self.assertEqual(again, (401, INVALID_GRANT))
        tokens = self.sb.admin("GET", "/_sandbox/intercom/tokens")
        self.assertEqual(tokens[second["access_token"]]["via"], "exchange")
        self.assertEqual(tokens[second["access_token"]]["username"], USER)
        self.assertTrue(tokens[first["access_token"]]["revoked"])

    def test_external_token_exchange(self):
        external = self.sb.access_token()
        status, data = self.oauth("token", {"client_id": CLIENT, "grant_type": "password", "scope": "me",
                                            "external_authentication_token": external})
        self.assertEqual(status, 200, data)
        self.assertEqual(self.graphql(data["access_token"])[0], 200)
        refused = self.oauth("token", {"client_id": CLIENT, "grant_type": "password", "scope": "me",
                                       "external_authentication_token": "not-issued-here"})
        self.assertEqual(refused, (401, INVALID_GRANT))

    def test_graphql_accepts_only_tokens_the_sandbox_issued(self):
        self.assertEqual(self.graphql(self.sb.access_token())[0], 200)  # the token endpoint's
        self.assertEqual(self.graphql(self.oauth("login", login_body())[1]["access_token"])[0], 200)
        self.assertEqual(self.graphql("0" * 64), (401, {"error": "unauthorized", "message": "unknown access token"}))
        # Kaleyra's SDK tokens are JWTs signed with the same secret, but they are not intercom logins.
        _, kaleyra = self.sb.json_request("POST", "/v2/sdk/credentials", {"user_id": "usr_123", "expires_in": 600},
                                          headers={"apikey": KEY})
        self.assertEqual(self.graphql(kaleyra["access_token"])[0], 401)

    def test_admin_expire_keeps_the_refresh_token(self):
        login = self.oauth("login", login_body())[1]
        self.assertEqual(self.sb.admin("POST", "/_sandbox/intercom/tokens/expire",
                                       {"access_token": login["access_token"], "expires_in": 0}), {"expired": 1})
        self.assertEqual(self.graphql(login["access_token"]), (401, {"error": "unauthorized",
                                                                    "message": "access token has expired"}))
        status, renewed = self.oauth("exchange", {"client_id": CLIENT, "grant_type": "refresh_token",
                                                  "refresh_token": login["refresh_token"]})
        self.assertEqual(status, 200)
        self.assertEqual(self.graphql(renewed["access_token"])[0], 200)

    def test_admin_revoke_kills_both(self):
        login = self.oauth("login", login_body())[1]
        self.assertGreaterEqual(self.sb.admin("POST", "/_sandbox/intercom/tokens/revoke", {})["revoked"], 1)
        self.assertEqual(self.graphql(login["access_token"])[0], 401)
        self.assertEqual(self.oauth("exchange", {"client_id": CLIENT, "grant_type": "refresh_token",
                                                 "refresh_token": login["refresh_token"]})[0], 401)

    def test_admin_settings_and_users(self):
        try:
            self.assertEqual(self.sb.admin("POST", "/_sandbox/intercom/settings", {"token_ttl": 3600}),
                             {"client_id": CLIENT, "token_ttl": 3600})
            self.sb.admin("POST", "/_sandbox/intercom/users", {"username": "second", "password": "pa ss\"word"})
            status, data = self.oauth("login", login_body("pa ss\"word", username="second"))
            self.assertEqual((status, data["expires_in"]), (200, 3600))
        finally:
            self.sb.admin("POST", "/_sandbox/intercom/settings", {"token_ttl": 604800})
        self.assertEqual(self.sb.admin("POST", "/_sandbox/intercom/tokens/expire", {"access_token": "x", "expires_in": 1}),
                         {"expired": 0})


class KaleyraTest(SandboxTestCase):
    def credentials(self, body, key=KEY):
        headers = {} if key is None else {"apikey": key}
        return self.sb.json_request("POST", "/v2/sdk/credentials", body, headers=headers)

    def test_sdk_credentials(self):
        before = time.time()
        status, data = self.credentials({"user_id": "usr_123", "expires_in": 600})
        self.assertEqual(status, 200, data)
        self.assertEqual(sorted(data), ["access_token", "expires_at", "user_id"])
        self.assertEqual(data["user_id"], "usr_123")
        self.assertRegex(data["expires_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        expires = time.mktime(time.strptime(data["expires_at"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
        self.assertAlmostEqual(expires, before + 600, delta=5)
        claims = jwt_claims(data["access_token"])
        self.assertEqual((claims["user"], claims["exp"] - claims["iat"]), ("usr_123", 600))
        entry = self.sb.requests()[0]
        self.assertEqual(entry["headers"]["apikey"], KEY)

    def test_api_key_is_checked(self):
        self.assertEqual(self.credentials({"user_id": "usr_123"}, key="wrong"),
                         (401, {"error": "unauthorized", "message": "invalid apikey"}))
        self.assertEqual(self.credentials({"user_id": "usr_123"}, key=None)[0], 401)
        self.assertEqual(self.sb.json_request("GET", "/v2/users")[0], 401)

    def test_expires_in_bounds(self):
        for seconds, status in ((359, 400), (360, 200), (86400, 200), (86401, 400), ("600", 400)):
            with self.subTest(seconds=seconds):
                self.assertEqual(self.credentials({"user_id": "usr_999", "expires_in": seconds})[0], status)
        self.assertEqual(self.credentials({"user_id": "usr_999"})[0], 200)  # 3600 by default

    def test_bad_bodies(self):
        self.assertEqual(self.credentials({"expires_in": 600})[0], 400)
        self.assertEqual(self.credentials({"user_id": "usr_nobody", "expires_in": 600}),
                         (404, {"error": "not_found", "message": "no user with id usr_nobody"}))

    def test_users(self):
        self.assertEqual(self.sb.json_request("GET", "/v2/users", headers={"apikey": KEY}),
                         (200, {"users": [{"user_id": "usr_123"}, {"user_id": "usr_999"}], "offset": 0, "limit": 100,
                                "count": 2}))
        self.assertEqual(self.sb.json_request("GET", "/v2/users?offset=1&limit=1", headers={"apikey": KEY})[1]["users"],
                         [{"user_id": "usr_999"}])
        self.assertEqual(self.sb.json_request("GET", "/v2/users?limit=0", headers={"apikey": KEY})[0], 400)


if __name__ == "__main__":
    unittest.main()
