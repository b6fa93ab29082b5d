"""The README's main job, scripts/demo, runs the whole call flow and the delivery loop against the sandbox
and succeeds.

It uses the binaries under test (CALLCTL_BIN / CALLCTL_SANDBOX_BIN), so it builds nothing.
"""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CALLCTL_BIN, SANDBOX_BIN, SOURCE_DIR, clean_env  # noqa: E402


class DemoTest(unittest.TestCase):
    def test_demo_walks_the_whole_flow(self):
        env = clean_env(env={"CALLCTL_BIN": CALLCTL_BIN, "CALLCTL_SANDBOX_BIN": SANDBOX_BIN})
        done = subprocess.run(["bash", str(SOURCE_DIR / "scripts" / "demo")], capture_output=True, text=True,
                              timeout=120, env=env, stdin=subprocess.DEVNULL)
        self.assertEqual(done.returncode, 0, done.stdout[-3000:] + done.stderr[-3000:])
        self.assertEqual(done.stderr, "", "the demo prints no warnings or errors")
        out = done.stdout
        # Each step shows the command and its result, in order.
        expected_in_order = [
            "$ callctl token create --scope virtual-number --save", "Saved:",
            "$ callctl token show", "signature NOT verified",
            "$ callctl e911", "Validated",
            "$ callctl call-log", "Status:      Ended",
            "$ callctl decode-push push.json --key-file push.key", "Video:      decrypted",
            "$ callctl answer --from-push push.json", "call answered: dev_42",
            "$ callctl open-door --device dev_42", "door opened: dev_42",
            "$ callctl hangup --device dev_42", "call ended: dev_42",
            "$ callctl token revoke", "revoked",
            # The delivery loop: webhooks -> listen -> the phones' push services; replay; the smoke flow.
            "$ callctl listen", "--relay devices.json", "callctl: listening on http://127.0.0.1:",
            '"vendor":"kaleyra","vendor_event":"on_call_incoming"', '"signature":"verified","signature_scheme":"kaleyra-v1"',
            '"relay":["usr_999 fcm 200","usr_999 apns 200"]',
            '"vendor":"webex","vendor_event":"telephony_push:updated"', '"signature":"verified","signature_scheme":"webex"',
            '"path":"/v1/projects/callctl-sandbox/messages:send","status":200', '"path":"/3/device/', '"status":200',
            "$ callctl send-webhook hooks.jsonl",
            '"signature_scheme":"kaleyra-v1"', '"signature_scheme":"webex"',
            "$ callctl run scripts/flows/smoke.yaml", "smoke: 10 passed, 0 failed, 0 skipped",
            '<testsuite name="smoke" tests="10" failures="0"',
        ]
        position = 0
        for text in expected_in_order:
            found = out.find(text, position)
            self.assertNotEqual(found, -1, f"{text!r} missing (or out of order) in:\n{out}")
            position = found + len(text)
        # The replay follows the record, whose order the sandbox's sender threads decide.
        replay = out[out.find("$ callctl send-webhook"):]
        replay = replay[:replay.find("\n$ ")]
        self.assertEqual(sorted(line.split()[3:5] for line in replay.splitlines()[2:]),
                         [["kaleyra-v1", "ok"], ["webex", "ok"]], replay)
        self.assertEqual([line.split()[5] for line in replay.splitlines()[2:]], ["200", "200"], replay)


if __name__ == "__main__":
    unittest.main()
