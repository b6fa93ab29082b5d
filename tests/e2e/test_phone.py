"""phone clean / caller-info: the SDK's examples (protocols.md §1), stdin, output formats; offline."""

import json
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import run_callctl  # noqa: E402


def callctl(*args, input=None):
    # No URLs configured at all: these commands must never need the network.
    return run_callctl(list(args), input=input)


class PhoneTest(unittest.TestCase):
    def test_clean_examples(self):
        code, out, err = callctl("-o", "json", "phone", "clean", "+1 (123) 123 1234", "1800CALFEDX", "911", "*69", "#89",
                                 "411", "611", "alice@example.com")
        self.assertEqual(code, 0, err)
        self.assertEqual([row["number"] for row in json.loads(out)],
                         ["11231231234", "18002253339", "911", "*69", "#89", "411", "611", "alice@example.com"])
        self.assertEqual(json.loads(out)[0], {"input": "+1 (123) 123 1234", "number": "11231231234"})

    def test_clean_reads_stdin_lines_and_quiet_prints_numbers_only(self):
        code, out, err = callctl("-q", "phone", "clean", input="1800CALFEDX\n\n  +1 (555) 010-9999  \n")
        self.assertEqual(code, 0, err)
        self.assertEqual(out, "18002253339\n15550109999\n")

    def test_clean_table_and_ndjson(self):
        code, out, _ = callctl("-o", "table", "phone", "clean", "1800CALFEDX")
        self.assertEqual(code, 0)
        self.assertIn("DIALABLE", out)
        self.assertIn("18002253339", out)
        code, out, _ = callctl("-o", "ndjson", "phone", "clean", "1", "2")
        self.assertEqual(out.splitlines(), ['{"input":"1","number":"1"}', '{"input":"2","number":"2"}'])

    def test_clean_without_digits_is_reported(self):
        code, out, err = callctl("-o", "json", "phone", "clean", "()-", "123")
        self.assertEqual(code, 3)
        self.assertEqual(len(json.loads(out)), 2)
        self.assertIn("no digits", err)

    def test_caller_info_example_keeps_the_sdk_key_order(self):
        code, out, err = callctl("-o", "json", "phone", "caller-info", "sip:+1111@icmn.api.att.com;k=v")
        self.assertEqual(code, 0, err)
        self.assertEqual(out.strip(), '[{"uri":"sip:+1111@icmn.api.att.com;k=v","protocol":"sip","callerId":"+1111",'
                                      '"domain":"icmn.api.att.com","k":"v"}]')

    def test_caller_info_port_parameters_and_table(self):
        code, out, err = callctl("-o", "json", "phone", "caller-info", "sips:bob@example.com:5061;transport=tls;lr")
        self.assertEqual(code, 0, err)
        [info] = json.loads(out)
        self.assertEqual(info["port"], 5061)
        self.assertEqual(info["domain"], "example.com")
        self.assertEqual(info["transport"], "tls")
        self.assertEqual(info["lr"], "")
        code, out, _ = callctl("-o", "table", "phone", "caller-info", "sip:+1111@icmn.api.att.com;k=v")
        for part in ("PROTOCOL", "sip", "+1111", "icmn.api.att.com", "k=v"):
            self.assertIn(part, out)

    def test_caller_info_stdin_and_a_bad_line(self):
        code, out, err = callctl("-o", "json", "phone", "caller-info", input="sip:a@h:99999\ntel:+1555\n")
        self.assertEqual(code, 3)
        rows = json.loads(out)
        self.assertIn("error", rows[0])
        self.assertEqual(rows[1]["protocol"], "tel")
        self.assertIn("port", err)

    def test_no_input_is_a_usage_error(self):
        code, _, err = callctl("phone", "clean", input="")
        self.assertEqual(code, 2)
        self.assertIn("no numbers", err)


if __name__ == "__main__":
    unittest.main()
