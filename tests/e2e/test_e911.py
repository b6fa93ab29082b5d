"""e911 against the sandbox: the exact body, address validation before any request (every problem
named, exit 3), address files with flag overrides, account-id refusal, and the server's own words."""

import json
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import SandboxTestCase, run_callctl  # noqa: E402

USER_AGENT = "callctl/0.1.0"
FIELDS = {"first_name": "Ada", "last_name": "Lovelace", "house_number": "12", "street": "Main St",
          "city": "Springfield", "state": "IL", "zip": "62701"}


def flags(**overrides):
    values = {**FIELDS, **overrides}
    args = []
    for key, value in values.items():
        if value is not None:
            args += ["--" + key.replace("_", "-"), value]
    return args


class E911Test(SandboxTestCase):
    sandbox_tls = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.token = cls.sb.access_token("VIRTUAL_NUMBER")

    def callctl(self, *args, token=None, input=None, url=None):
        env = {"CALLCTL_TOKEN_URL": url or self.sb.http}
        if token is not False:
            env["CALLCTL_TOKEN"] = token or self.token
        return run_callctl(list(args), env=env, input=input, home=self.home)

    def ok(self, *args, **kwargs):
        code, out, err = self.callctl(*args, **kwargs)
        self.assertEqual(code, 0, err)
        return out

    def e911_requests(self):
        return [r for r in self.sb.requests() if r["path"] == "/e911ids"]

    def test_the_exact_body_and_the_whole_response(self):
        out = self.ok("-o", "json", "e911", *flags(unit="Apt 4", state="il"))
        response = json.loads(out)
        self.assertEqual(response["e911Locations"]["status"], "Validated")
        self.assertTrue(response["e911Locations"]["addressIdentifier"].startswith("e911_"))
        [entry] = self.e911_requests()
        self.assertEqual(entry["method"], "POST")
        self.assertEqual(entry["headers"]["content-type"], "application/json")
        self.assertEqual(entry["headers"]["user-agent"], USER_AGENT)
        self.assertNotIn("authorization", entry["headers"])  # the token travels in the body
        # the vendor sample's key order: token, address (its fields in address order), is_confirmed
        self.assertEqual(entry["body"],
                         f'{{"token":"{self.token}","address":{{"first_name":"Ada","last_name":"Lovelace",'
                         '"house_number":"12","street":"Main St","unit":"Apt 4","city":"Springfield","state":"IL",'
                         '"zip":"62701"},"is_confirmed":false}')

    def test_every_optional_field_as_flags_in_its_place(self):
        self.ok("e911", *flags(), "--house-number-extension", "1/2", "--street-name-suffix", "AVE", "--street-dir", "N",
                "--street-dir-suffix", "SW", "--unit", "Apt 4", "--address-additional", "Building 4",
                "--comments", "Gate code 1234")
        [entry] = self.e911_requests()
        self.assertEqual(entry["status"], 200)
        self.assertEqual(entry["body"],
                         f'{{"token":"{self.token}","address":{{"first_name":"Ada","last_name":"Lovelace",'
                         '"house_number":"12","house_number_extension":"1/2","street":"Main St",'
                         '"street_name_suffix":"AVE","street_dir":"N","street_dir_suffix":"SW","unit":"Apt 4",'
                         '"city":"Springfield","state":"IL","zip":"62701","address_additional":"Building 4",'
                         '"comments":"Gate code 1234"},"is_confirmed":false}')

    def test_optional_fields_in_the_address_file_and_flags_over_them(self):
        path = self.home.path / "address.json"
        path.write_text(json.dumps({**FIELDS, "street-dir": "N", "comments": "from the file", "address_additional": "",
                                    "is_confirmed": "true"}))
        self.ok("e911", "--address-file", str(path), "--comments", "from a flag")
        body = json.loads(self.e911_requests()[0]["body"])
        self.assertEqual(body["address"]["street_dir"], "N")
        self.assertEqual(body["address"]["comments"], "from a flag")
        self.assertNotIn("address_additional", body["address"])  # empty: not sent
        self.assertIs(body["is_confirmed"], True)

    def test_the_three_dhs_error_shapes_give_the_same_error_line(self):
        for shape, message in (("", "unknown token"), ("node", "unknown token"), ("restify", "unknown token"),
                               ("php", "PHP DHS E911 Request Error: unknown token")):
            with self.subTest(shape=shape):
                self.sb.set_faults({"dhs_error_shape": shape})
                code, out, err = self.callctl("e911", *flags(), token="never-issued")
                self.assertEqual((code, out), (5, ""))
                self.assertEqual(err.splitlines()[0], f"callctl: error: create an E911 id: HTTP 401: {message}")
                self.assertEqual(len(err.splitlines()), 2)
                self.assertTrue(err.splitlines()[1].startswith("callctl: hint: "))

    def test_confirmed_unit_default_and_zip_plus_4(self):
        self.ok("e911", *flags(zip="62701-1234"), "--confirmed")
        body = json.loads(self.e911_requests()[0]["body"])
        self.assertIs(body["is_confirmed"], True)
        self.assertEqual(body["address"]["unit"], "")
        self.assertEqual(body["address"]["zip"], "62701-1234")

    def test_quiet_prints_only_the_address_identifier_and_the_table_its_status(self):
        out = self.ok("-q", "e911", *flags())
        self.assertRegex(out, r"^e911_[0-9a-f]+\n$")
        out = self.ok("-o", "table", "e911", *flags())
        self.assertIn("e911_", out)
        self.assertIn("Validated", out)
        self.assertIn("never", out)

    def test_each_validation_error_is_named_and_nothing_is_sent(self):
        cases = [(field, {field: None}, f"{field} is required") for field in FIELDS]
        cases += [(field, {field: "  "}, f"{field} is required") for field in ("first_name", "city")]
        cases += [("state", {"state": bad}, "state must be two letters") for bad in ("Illinois", "I", "1L")]
        cases += [("zip", {"zip": bad}, "zip must be 5 digits or ZIP+4") for bad in ("6270", "62701-12", "6270A", "62701 1234")]
        for name, overrides, message in cases:
            with self.subTest(overrides=overrides):
                code, out, err = self.callctl("e911", *flags(**overrides))
                self.assertEqual(code, 3, err)
                self.assertEqual(out, "")
                self.assertIn(message, err)
                self.assertEqual(err.count("callctl: error:"), 1)
        self.assertEqual(self.e911_requests(), [])

    def test_every_problem_in_one_error(self):
        code, _, err = self.callctl("e911", "--state", "Cal", "--zip", "1", token=False)
        self.assertEqual(code, 3)  # validation comes before any token lookup
        first_line = err.splitlines()[0]
        for message in ["first_name is required", "last_name is required", "house_number is required",
                        "street is required", "city is required", "state must be two letters", "zip must be 5 digits"]:
            self.assertIn(message, first_line)

    def test_address_file_with_flag_overrides(self):
        path = self.home.path / "address.json"
        path.write_text(json.dumps({**FIELDS, "unit": "2", "is_confirmed": True}))
        self.ok("e911", "--address-file", str(path), "--city", "Chicago")
        body = json.loads(self.e911_requests()[0]["body"])
        self.assertEqual(body["address"], {**FIELDS, "unit": "2", "city": "Chicago"})
        self.assertIs(body["is_confirmed"], True)
        self.sb.clear_requests()
        self.ok("e911", "--address-file", "-", input=json.dumps(FIELDS))
        self.assertEqual(json.loads(self.e911_requests()[0]["body"])["address"], {**FIELDS, "unit": ""})

    def test_bad_address_files_are_exit_3(self):
        path = self.home.path / "address.json"
        for text, message in [("{not json", "not valid JSON"), ('{"frist_name":"Ada"}', "unknown key 'frist_name'"),
                              ('["x"]', "must be a JSON object"), ('{"zip":62701}', "zip must be a string")]:
            with self.subTest(text=text):
                path.write_text(text)
                code, _, err = self.callctl("e911", "--address-file", str(path))
                self.assertEqual(code, 3, err)
                self.assertIn(message, err)
        code, _, err = self.callctl("e911", "--address-file", str(self.home.path / "missing.json"))
        self.assertEqual(code, 3, err)
        self.assertEqual(self.e911_requests(), [])

    def test_a_stored_account_id_token_is_refused_before_sending(self):
        self.assertEqual(run_callctl(["token", "create", "--scope", "account-id", "--save"], home=self.home,
                                     env={"CALLCTL_TOKEN_URL": self.sb.http})[0], 0)
        self.sb.clear_requests()
        code, _, err = self.callctl("e911", *flags(), token=False)
        self.assertEqual(code, 5)
        self.assertIn("account-id token", err)
        self.assertIn("--scope virtual-number", err)
        self.assertEqual(self.e911_requests(), [])

    def test_the_servers_messages_reach_the_user(self):
        # An explicit account-id token is not checked locally: the server's 403 says why.
        code, _, err = self.callctl("e911", *flags(), token=self.sb.access_token("ACCOUNT_ID"))
        self.assertEqual(code, 5)
        self.assertIn("HTTP 403: E911 ids are only for MOBILE_NUMBER and VIRTUAL_NUMBER users", err)
        self.sb.set_faults({"status_for": {"/e911ids": 400}})
        code, _, err = self.callctl("e911", *flags())
        self.assertEqual(code, 6)
        self.assertIn("HTTP 400: callctl-sandbox: injected 400", err)

    def test_no_token_is_exit_5(self):
        code, _, err = self.callctl("e911", *flags(), token=False)
        self.assertEqual(code, 5)
        self.assertIn("no token", err)

    def test_over_https_with_cacert(self):
        out = self.ok("-q", "--cacert", self.sb.cacert, "e911", *flags(), url=self.sb.https)
        self.assertTrue(out.startswith("e911_"))

    def test_dry_run_hides_the_token(self):
        out = self.ok("--dry-run", "e911", *flags())
        self.assertIn("/e911ids", out)
        self.assertIn("$CALLCTL_TOKEN", out)
        self.assertNotIn(self.token, out)
        self.assertEqual(self.e911_requests(), [])


if __name__ == "__main__":
    unittest.main()
