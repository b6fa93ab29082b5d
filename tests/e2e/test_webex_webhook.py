"""webex-webhook create|list|delete against the sandbox's fake Webex webhooks API: the exact bodies and
headers in the request log, the echoed secret masked, paging through Link rel="next", Webex-shaped
errors with their trackingId (401/403 exit 5, 404 exit 6, 5xx exit 7), retries of GET and DELETE but
not of the create, no token, --dry-run without secrets, and the table."""

import json
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Sandbox, SandboxTestCase, run_callctl  # noqa: E402

ADMIN = "webex-sandbox-admin-token"
USER = "webex-sandbox-user-token"
SECRET = "s3cret-webhook-key"


class WebexWebhookTest(SandboxTestCase):
    def setUp(self):
        super().setUp()
        self.tmp = Path(tempfile.mkdtemp(prefix="callctl-webex-"))
        self.secret_file = self.tmp / "secret"
        self.secret_file.write_text(SECRET + "\n")
        self.token_file = self.tmp / "token"
        self.token_file.write_text(ADMIN + "\n")
        for webhook in self.api("GET", "/v1/webhooks")[1]["items"]:
            self.api("DELETE", "/v1/webhooks/" + webhook["id"])
        self.sb.clear_requests()

    def tearDown(self):
        for path in self.tmp.iterdir():
            path.unlink()
        self.tmp.rmdir()
        super().tearDown()

    def api(self, method, path, body=None, token=ADMIN):
        status, _, data = self.sb.request(method, path, body, headers={"Authorization": f"Bearer {token}"})
        return status, (json.loads(data) if data else None)

    def webex(self, *args, token: str | None = ADMIN, sandbox=None, output="json"):
        env = {"CALLCTL_WEBEX_URL": (sandbox or self.sb).http}
        if token is not None:
            env["CALLCTL_WEBEX_TOKEN"] = token
        return run_callctl(["webex-webhook", *args, "-o", output], env=env, home=self.home)

    def test_create_sends_the_documented_body_and_masks_the_echoed_secret(self):
        code, out, err = run_callctl(["webex-webhook", "create", "--target-url", "https://example.com/hook",
                                      "--secret-file", str(self.secret_file), "--webex-token-file", str(self.token_file),
                                      "--webex-url", self.sb.http], home=self.home)
        self.assertEqual((code, err), (0, ""))
        webhook = json.loads(out)
        self.assertEqual(webhook["secret"], "***")
        self.assertNotIn(SECRET, out)
        self.assertEqual((webhook["name"], webhook["targetUrl"], webhook["resource"], webhook["event"], webhook["ownedBy"],
                          webhook["status"]),
                         ("callctl telephony_push", "https://example.com/hook", "telephony_push", "updated", "org", "active"))
        [request] = self.sb.requests()
        self.assertEqual((request["method"], request["path"]), ("POST", "/v1/webhooks"))
        self.assertEqual(request["body"], '{"name":"callctl telephony_push","targetUrl":"https://example.com/hook",'
                                          '"resource":"telephony_push","event":"updated","secret":"' + SECRET +
                                          '","ownedBy":"org"}')
        self.assertEqual(request["headers"]["authorization"], f"Bearer {ADMIN}")
        self.assertEqual(request["headers"]["content-type"], "application/json")
        self.assertEqual(request["headers"]["accept"], "application/json")
        # The sandbox kept it, with its secret.
        status, stored = self.api("GET", "/v1/webhooks/" + webhook["id"])
        self.assertEqual((status, stored["secret"]), (200, SECRET))

    def test_create_options_quiet_and_environment_secret(self):
        code, out, err = run_callctl(["webex-webhook", "create", "--target-url", "http://127.0.0.1:9/in", "--name", "QA firehose",
                                      "-q"], env={"CALLCTL_WEBEX_URL": self.sb.http, "CALLCTL_WEBEX_TOKEN": ADMIN,
                                                  "CALLCTL_WEBEX_SECRET": "from-env"}, home=self.home)
        self.assertEqual((code, err), (0, ""))
        webhook_id = out.strip()
        status, stored = self.api("GET", "/v1/webhooks/" + webhook_id)
        self.assertEqual((stored["name"], stored["secret"]), ("QA firehose", "from-env"))
        # No secret at all: created, with a warning.
        code, out, err = self.webex("create", "--target-url", "http://127.0.0.1:9/in")
        self.assertEqual(code, 0)
        self.assertNotIn("secret", json.loads(out))
        self.assertEqual(len(err.splitlines()), 1)
        self.assertTrue(err.startswith("callctl: warning: no --secret-file"))

    def test_list_follows_every_page(self):
        with Sandbox(extra_args=["--webex-page-size", "2"]) as small:
            ids = []
            for n in range(5):
                status, _, data = small.request("POST", "/v1/webhooks", {
                    "name": f"w{n}", "targetUrl": f"https://example.com/{n}", "resource": "telephony_push",
                    "event": "updated", "ownedBy": "org", "secret": f"secret{n}"}, headers={"Authorization": f"Bearer {ADMIN}"})
                self.assertEqual(status, 200)
                ids.append(json.loads(data)["id"])
            small.clear_requests()
            code, out, err = self.webex("list", sandbox=small)
            self.assertEqual((code, err), (0, ""))
            listed = json.loads(out)
            self.assertEqual([w["id"] for w in listed], ids)
            self.assertEqual({w["secret"] for w in listed}, {"***"})
            requests = small.requests()
            self.assertEqual([r["target"] for r in requests][0], "/v1/webhooks")
            self.assertEqual(len(requests), 3)
            for request in requests:
                self.assertEqual((request["method"], request["path"]), ("GET", "/v1/webhooks"))
                self.assertEqual(request["headers"]["authorization"], f"Bearer {ADMIN}")
            self.assertEqual([r["query"].get("max") for r in requests], [None, "2", "2"])

            code, out, _ = self.webex("list", sandbox=small, output="ndjson")
            self.assertEqual([json.loads(line)["name"] for line in out.splitlines()], ["w0", "w1", "w2", "w3", "w4"])
            code, out, _ = self.webex("list", sandbox=small, output="table")
            lines = out.splitlines()
            self.assertEqual(lines[0].split(), ["ID", "NAME", "RESOURCE", "EVENT", "STATUS", "TARGET", "URL", "CREATED"])
            self.assertEqual(len(lines), 6)
            self.assertTrue(lines[1].startswith(ids[0] + " "))

    def test_delete_and_a_missing_one(self):
        _, webhook = self.api("POST", "/v1/webhooks", {"name": "x", "targetUrl": "https://e.com/", "resource": "telephony_push",
                                                        "event": "updated", "ownedBy": "org"})
        self.sb.clear_requests()
        code, out, err = self.webex("delete", webhook["id"])
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(json.loads(out), {"id": webhook["id"], "deleted": True})
        [request] = self.sb.requests()
        self.assertEqual((request["method"], request["path"]), ("DELETE", "/v1/webhooks/" + webhook["id"]))
        code, out, err = self.webex("delete", webhook["id"])
        self.assertEqual((code, out), (6, ""))
        self.assertRegex(err, r"^callctl: error: delete the Webex webhook \S+: HTTP 404: The requested resource could "
                              r"not be found\. \(trackingId ROUTER_[0-9A-F-]+\)\n$")

    def test_authentication_failures_are_exit_5(self):
        code, out, err = self.webex("list", token="not-a-token")
        self.assertEqual((code, out), (5, ""))
        self.assertIn("HTTP 401: The request requires a valid access token", err.splitlines()[0])
        self.assertIn("trackingId ROUTER_", err.splitlines()[0])
        code, _, err = self.webex("create", "--target-url", "https://e.com/", token=USER)
        self.assertEqual(code, 5)
        self.assertIn("HTTP 403", err)
        self.assertEqual(self.api("GET", "/v1/webhooks")[1]["items"], [])
        self.sb.clear_requests()
        code, out, err = self.webex("list", token=None)
        self.assertEqual((code, out), (5, ""))
        self.assertEqual(err.splitlines()[0], "callctl: error: no Webex access token")
        self.assertEqual(self.sb.requests(), [])

    def test_server_errors_retries_and_usage(self):
        self.sb.set_faults({"fail_next": {"count": 1, "status": 503}})
        code, out, _ = self.webex("list")
        self.assertEqual((code, json.loads(out)), (0, []))
        self.assertEqual(len(self.sb.requests()), 2)  # GET is retried
        self.sb.clear_requests()
        self.sb.set_faults({"fail_next": {"count": 1, "status": 503}})
        code, _, err = self.webex("create", "--target-url", "https://e.com/")
        self.assertEqual(code, 7)  # a create is not: it may have been made
        self.assertEqual(len(self.sb.requests()), 1)
        self.assertEqual(self.api("GET", "/v1/webhooks")[1]["items"], [])
        for args, needle in ((["create"], "--target-url is required"), (["create", "--target-url", "nope"], "--target-url must be"),
                             (["delete"], "ID is required"), ([], "A subcommand is required")):
            with self.subTest(args=args):
                code, _, err = self.webex(*args)
                self.assertEqual(code, 2)
                self.assertIn(needle, err)

    def test_dry_run_prints_references_not_secrets(self):
        code, out, err = run_callctl(["webex-webhook", "create", "--target-url", "https://e.com/", "--secret-file",
                                      str(self.secret_file), "--dry-run"], env={"CALLCTL_WEBEX_TOKEN": ADMIN}, home=self.home)
        self.assertEqual((code, err), (0, ""))
        [line] = out.splitlines()
        self.assertTrue(line.startswith("curl -sS -X POST 'https://webexapis.com/v1/webhooks'"), line)
        self.assertIn('"Authorization: Bearer $CALLCTL_WEBEX_TOKEN"', line)
        self.assertIn("$CALLCTL_WEBEX_SECRET", line)
        self.assertNotIn(ADMIN, line)
        self.assertNotIn(SECRET, line)
        code, out, _ = run_callctl(["webex-webhook", "list", "--dry-run"], home=self.home)
        self.assertEqual(code, 0)
        self.assertIn("$CALLCTL_WEBEX_TOKEN", out)


if __name__ == "__main__":
    unittest.main()
