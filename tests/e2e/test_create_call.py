"""create-call against the sandbox: the exact body on the wire for each flag combination,
-q for scripts, validation before any request, and no replay of a createCall that failed."""

import json
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import SandboxTestCase, run_callctl  # noqa: E402

USER_AGENT = "callctl/0.1.0"


class CreateCallTest(SandboxTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.token = cls.sb.access_token()

    def callctl(self, *args, input=None):
        env = {"CALLCTL_REST_URL": self.sb.http, "CALLCTL_TOKEN": self.token}
        return run_callctl(list(args), env=env, input=input)

    def create_requests(self):
        return [r for r in self.sb.requests() if r["path"] == "/rtc/createCall"]

    def sent_body(self, *args, input=None):
        """Runs create-call with `args`; returns the one createCall request's raw body."""
        code, out, err = self.callctl("-o", "json", "create-call", *args, input=input)
        self.assertEqual(code, 0, err)
        log = json.loads(out)
        self.assertIn("callId", log)
        requests = self.create_requests()
        self.assertEqual(len(requests), 1)
        request = requests[0]
        self.assertEqual(request["method"], "POST")
        self.assertEqual(request["headers"]["authorization"], "Bearer " + self.token)
        self.assertEqual(request["headers"]["user-agent"], USER_AGENT)
        self.assertEqual(request["headers"]["content-type"], "application/json")
        self.assertEqual(request["status"], 200)
        return request["body"]

    def test_defaults_for_one_invitee(self):
        self.assertEqual(
            self.sent_body("--title", "Test Call", "--invite", "tester:8"),
            '{"callTitle":"Test Call","callReason":"STANDARD","callType":"MESH",'
            '"invitedContacts":[{"userId":"tester","userDbId":8}],"invitedTeams":[],'
            '"joinAnonymousAllowed":false,"informOthersDirectly":true,"plannedDateTime":null}')

    def test_two_invitees_default_to_sfu(self):
        self.assertEqual(
            self.sent_body("--title", "Team sync", "--invite", "tester:8", "--invite", "expert"),
            '{"callTitle":"Team sync","callReason":"STANDARD","callType":"SFU",'
            '"invitedContacts":[{"userId":"tester","userDbId":8},{"userId":"expert"}],"invitedTeams":[],'
            '"joinAnonymousAllowed":false,"informOthersDirectly":true,"plannedDateTime":null}')

    def test_explicit_type_wins(self):
        body = json.loads(self.sent_body("--title", "T", "--invite", "a:1", "--invite", "b:2", "--type", "mesh"))
        self.assertEqual(body["callType"], "MESH")
        self.sb.clear_requests()
        body = json.loads(self.sent_body("--title", "T", "--invite", "a:1", "--type", "SFU"))
        self.assertEqual(body["callType"], "SFU")

    def test_every_flag(self):
        self.assertEqual(
            self.sent_body("--title", "Broker call", "--invite", "tester:8", "--team", "5", "--team", "ops",
                           "--type", "sfu", "--reason", "service-request", "--anonymous", "--no-notify",
                           "--creator", "12", "--planned", "2030-01-31T09:30:00Z"),
            '{"callTitle":"Broker call","callReason":"SERVICE_REQUEST","callType":"SFU",'
            '"invitedContacts":[{"userId":"tester","userDbId":8}],"invitedTeams":[{"id":5},{"id":"ops"}],'
            '"joinAnonymousAllowed":true,"informOthersDirectly":false,"creatorUser":12,'
            '"plannedDateTime":"2030-01-31T09:30:00Z"}')

    def test_wire_spelling_of_enums(self):
        body = json.loads(self.sent_body("--title", "T", "--invite", "a", "--reason", "SERVICE_REQUEST", "--type", "Mesh"))
        self.assertEqual((body["callReason"], body["callType"]), ("SERVICE_REQUEST", "MESH"))

    def test_invite_file_keeps_every_field(self):
        contacts = [{"displayName": "Tester", "domain": "ubimax", "email": "tester@example.com",
                     "phoneNumber": "", "userDbId": 8, "userId": "tester", "custom": {"a": [1, 2]}}]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "invitees.json"
            path.write_text(json.dumps(contacts, indent=2))
            body = self.sent_body("--title", "T", "--invite", "first:1", "--invite-file", str(path))
        self.assertEqual(
            body,
            '{"callTitle":"T","callReason":"STANDARD","callType":"SFU","invitedContacts":['
            '{"userId":"first","userDbId":1},'
            '{"displayName":"Tester","domain":"ubimax","email":"tester@example.com","phoneNumber":"",'
            '"userDbId":8,"userId":"tester","custom":{"a":[1,2]}}],"invitedTeams":[],'
            '"joinAnonymousAllowed":false,"informOthersDirectly":true,"plannedDateTime":null}')

    def test_invite_file_from_stdin(self):
        body = json.loads(self.sent_body("--title", "T", "--invite-file", "-",
                                         input='[{"userId":"x","userDbId":3,"email":"x@example.com"}]'))
        self.assertEqual(body["invitedContacts"], [{"userId": "x", "userDbId": 3, "email": "x@example.com"}])
        self.assertEqual(body["callType"], "MESH")

    def test_quiet_prints_just_the_call_id(self):
        code, out, err = self.callctl("-q", "create-call", "--title", "Q", "--invite", "tester:8")
        self.assertEqual(code, 0, err)
        call_id = out.strip()
        self.assertEqual(out, call_id + "\n")
        self.assertEqual(err, "")
        log = self.sb.admin("GET", f"/_sandbox/calls/{call_id}")
        self.assertEqual(log["callId"], call_id)
        self.assertEqual(log["callTitle"], "Q")

    def test_output_is_the_servers_call_log(self):
        code, out, err = self.callctl("-o", "json", "create-call", "--title", "T", "--invite", "tester:8")
        self.assertEqual(code, 0, err)
        log = json.loads(out)
        self.assertEqual(log["callStatus"], "Planned")
        self.assertEqual(log["serverRegion"], "sandbox-1")  # a field callctl does not know, kept

    def test_bad_flags_send_nothing(self):
        cases = [
            (["--title", "T", "--invite", "a", "--planned", "tomorrow"], 2, "ISO-8601"),
            (["--title", "T", "--invite", "a", "--planned", "2030-02-30T10:00:00Z"], 2, "ISO-8601"),
            (["--title", "T", "--invite", "tester:eight"], 2, "database id"),
            (["--title", "T", "--invite", "a", "--type", "p2p"], 2, "mesh|sfu"),
            (["--title", "T", "--invite", "a", "--reason", "urgent"], 2, "standard|service-request"),
            (["--title", "T"], 2, "invite"),
            (["--invite", "a"], 2, "title"),
            (["--title", "T", "--invite-file", "/nonexistent/invitees.json"], 3, "invitees.json"),
        ]
        for args, expected, words in cases:
            with self.subTest(args=args):
                code, out, err = self.callctl("create-call", *args)
                self.assertEqual(code, expected, err)
                self.assertIn(words, err)
                self.assertTrue(err.startswith("callctl: error: "), err)
                self.assertEqual(out, "")
        self.assertEqual(self.create_requests(), [])

    def test_malformed_invite_file_is_bad_input(self):
        code, _, err = self.callctl("create-call", "--title", "T", "--invite-file", "-", input='{"userId":"a"}')
        self.assertEqual(code, 3, err)
        self.assertIn("array", err)
        self.assertEqual(self.create_requests(), [])

    def test_server_error_is_not_replayed(self):
        self.sb.set_faults({"status_for": {"/rtc/createCall": 500}})
        code, out, err = self.callctl("create-call", "--title", "T", "--invite", "tester:8")
        self.assertEqual(code, 7, err)
        self.assertEqual(out, "")
        self.assertEqual(len(self.create_requests()), 1)

    def test_503_without_retry_after_is_not_replayed(self):
        self.sb.set_faults({"fail_next": {"count": 1, "status": 503}})
        code, _, err = self.callctl("create-call", "--title", "T", "--invite", "tester:8")
        self.assertEqual(code, 7, err)
        self.assertEqual(len(self.create_requests()), 1)

    def test_bad_token_is_auth_error(self):
        code, _, err = run_callctl(["create-call", "--title", "T", "--invite", "a"],
                                   env={"CALLCTL_REST_URL": self.sb.http, "CALLCTL_TOKEN": "not-a-token"})
        self.assertEqual(code, 5, err)

    def test_table_report(self):
        code, out, err = run_callctl(["-o", "table", "create-call", "--title", "Report", "--invite", "tester:8"],
                                     env={"CALLCTL_REST_URL": self.sb.http, "CALLCTL_TOKEN": self.token,
                                          "COLUMNS": "100"})
        self.assertEqual((code, err), (0, ""))
        # The report shows the CallLog the server answered: compare it, field by field, with that call's
        # log as the server keeps it.
        log = self.call_log(out)
        creator = log["creatorContact"]["userId"]
        [event] = log["callEvents"]
        self.assertEqual(out, (
            f"Title:       Report\n"
            f"Call ID:     {log['callId']}\n"
            f"ID:          {log['id']}\n"
            f"Status:      {log['callStatus']}\n"
            f"Type:        MESH\n"
            f"Reason:      STANDARD\n"
            f"Creator:     {creator}\n"
            f"Created:     {log['createdAt']}\n"
            f"Planned:     -\n"
            f"Invitees:    tester\n"
            f"Joined now:  0\n"
            f"\n"
            f"TIME                      TYPE     WHO\n"
            f"{event['timestamp']}  Created  {creator}\n"))
        self.assertEqual(log["callStatus"], "Planned")
        self.assertEqual(creator, "+12125550101")

    def call_log(self, report: str) -> dict:
        """The log of the call a table report names, as `call-log -o json` fetches it."""
        [call_id] = [line.split()[-1] for line in report.splitlines() if line.startswith("Call ID:")]
        code, out, err = self.callctl("-o", "json", "call-log", call_id)
        self.assertEqual(code, 0, err)
        return json.loads(out)

if __name__ == "__main__":
    unittest.main()
