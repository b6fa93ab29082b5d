"""callctl run FLOW against the sandbox: a passing flow (with the exact requests its steps sent),
a failing expectation and the skipped steps after it, a retry that passes on the third try, a
timeout, malformed files with their line numbers (and nothing run), --var and ${env.X}, stdin,
ndjson and --jq per step, the JUnit report (parsed with xml.etree), SIGTERM mid-step, and the
shipped smoke flow (scripts/flows/smoke.yaml) end to end."""

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import CALLCTL_BIN, SOURCE_DIR, SandboxTestCase, clean_env, run_callctl  # noqa: E402

SMOKE = SOURCE_DIR / "scripts" / "flows" / "smoke.yaml"
RESULT_KEYS = ["name", "ok", "skipped", "exit", "time_s", "attempts", "message", "stderr"]


class RunTest(SandboxTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.TemporaryDirectory(prefix="callctl-run-")
        cls.dir = Path(cls.tmp.name)
        cls.addClassCleanup(cls.tmp.cleanup)

    def env(self, **extra):
        return {"CALLCTL_TOKEN_URL": self.sb.http, "CALLCTL_REST_URL": self.sb.http,
                "CALLCTL_GRAPHQL_URL": self.sb.url("/graphql"), **extra}

    def flow(self, text, name="flow.yaml"):
        path = self.dir / name
        path.write_text(text)
        return str(path)

    def run_flow(self, text, *args, timeout=120, **env):
        path = self.flow(text)
        code, out, err = run_callctl(["run", path, *args], env=self.env(**env), home=self.home, timeout=timeout)
        return path, code, out, err

    def results(self, out):
        steps = json.loads(out)
        for step in steps:
            self.assertEqual(list(step), RESULT_KEYS)
        return steps

    def junit(self, path):
        root = ET.parse(path).getroot()
        self.assertEqual(root.tag, "testsuite")
        cases = [(case.get("name"), [child.tag for child in case], case.get("classname")) for case in root]
        return root.attrib, cases

    # ---- passing
    def test_a_passing_flow_and_the_requests_its_steps_sent(self):
        _, code, out, err = self.run_flow("""name: pass
vars: {title: "Flow \\"one\\""}
steps:
  - name: token
    run: token create --scope virtual-number
    save: {token: .access_token}
  - name: create
    run: create-call --title "${title}" --invite alice:8
    env: {CALLCTL_TOKEN: "${token}"}
    expect: {jq: ['.callStatus == "Planned"', '.callTitle == "Flow \\"one\\""']}
    save: {call: .callId}
  - name: log
    run: [call-log, "${call}"]
    env: {CALLCTL_TOKEN: "${token}"}
    expect: {exit: 0, stdout_contains: "${call}", jq: .callId}
  - name: missing call is exit 6
    run: call-log no-such-call
    env: {CALLCTL_TOKEN: "${token}"}
    expect: {exit: 6, stderr_contains: "HTTP 404"}
""")
        self.assertEqual((code, err), (0, ""))
        steps = self.results(out)
        self.assertEqual([(s["name"], s["ok"], s["skipped"], s["exit"], s["attempts"], s["message"]) for s in steps],
                         [("token", True, False, 0, 1, ""), ("create", True, False, 0, 1, ""),
                          ("log", True, False, 0, 1, ""), ("missing call is exit 6", True, False, 6, 1, "")])
        self.assertIn("no call with id no-such-call", steps[3]["stderr"])
        requests = self.sb.requests()
        self.assertEqual([(r["method"], r["path"]) for r in requests],
                         [("POST", "/tokens"), ("POST", "/rtc/createCall"), ("GET", "/rtc/getCallLogById"),
                          ("GET", "/rtc/getCallLogById")])
        self.assertEqual(json.loads(requests[0]["body"]), {"app_scope": "VIRTUAL_NUMBER"})
        self.assertEqual(json.loads(requests[1]["body"])["callTitle"], 'Flow "one"')
        self.assertTrue(requests[1]["headers"]["authorization"].startswith("Bearer ey"))
        # The saved callId is the one the sandbox made.
        saved = requests[2]["query"]["callId"]
        self.assertEqual(self.sb.admin("GET", f"/_sandbox/calls/{saved}")["callTitle"], 'Flow "one"')
        self.assertEqual(requests[3]["query"], {"callId": "no-such-call"})

    def test_steps_print_json_whatever_output_the_callers_shell_chose(self):
        # CALLCTL_OUTPUT=table reaches `run` itself (its report is a table); its steps still print JSON for
        # expect.jq, unless a step's env asks otherwise.
        path, code, out, err = self.run_flow("""steps:
  - name: json
    run: token create --scope virtual-number
    expect: {jq: .access_token}
  - name: a table when the step asks
    run: token create --scope virtual-number
    env: {CALLCTL_OUTPUT: table}
    expect: {stdout_contains: "Access token:"}
""", CALLCTL_OUTPUT="table")
        self.assertEqual(code, 0, out + err)
        self.assertNotIn('"', out.splitlines()[0])  # run's own report is the table asked for

    def test_each_step_is_the_same_binary_with_the_environment_and_stdin(self):
        _, code, out, err = self.run_flow("""steps:
  - name: env
    run: decode-push --stream
    stdin: "${line}\\n"
    env: {CALLCTL_PUSH_KEY: "${env.KEY}"}
    expect: {jq: '.iot_device_id == "dev_${n}"'}
""", "--var", "n=7", "--var", 'line={"type":"Call.StopIncoming","iotDeviceId":"dev_7"}', KEY="ab" * 32)
        self.assertEqual((code, err), (0, ""), out)

    def test_an_inherited_ignored_sigchld_still_gives_each_step_its_exit_code(self):
        # A parent that ignores SIGCHLD passes that on across exec; run restores it, or the
        # kernel would reap each step and its exit code (6 here) would be lost.
        path = self.flow("""steps:
  - name: missing call is exit 6
    run: call-log no-such-call
    expect: {exit: 6}
""", "sigchld.yaml")
        env = clean_env(self.home, self.env(CALLCTL_TOKEN=self.sb.access_token()))
        proc = subprocess.run([CALLCTL_BIN, "run", path], env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=60,
                              preexec_fn=lambda: signal.signal(signal.SIGCHLD, signal.SIG_IGN))
        self.assertEqual((proc.returncode, proc.stderr), (0, ""), proc.stdout)
        [step] = self.results(proc.stdout)
        self.assertEqual((step["ok"], step["exit"]), (True, 6))

    # ---- failing
    FAILING = """name: fails
steps:
  - name: config
    run: token config
    expect: {jq: ['.ewebrtc_domain | length > 0', '.virtual_numbers_pool | length == 99']}
  - name: after one
    run: token config
  - name: after two
    run: token create --scope virtual-number
"""

    def test_a_failing_expectation_is_exit_11_and_the_rest_are_skipped(self):
        junit = self.dir / "reports" / "junit.xml"
        _, code, out, err = self.run_flow(self.FAILING, "--junit", str(junit))
        self.assertEqual(code, 11)
        self.assertEqual(err, "callctl: error: step 'config' failed: expect.jq '.virtual_numbers_pool | length == 99' "
                              "yielded false\n")
        steps = self.results(out)
        self.assertEqual([(s["name"], s["ok"], s["skipped"], s["exit"], s["message"]) for s in steps],
                         [("config", False, False, 0, "expect.jq '.virtual_numbers_pool | length == 99' yielded false"),
                          ("after one", False, True, None, "skipped: step 'config' failed"),
                          ("after two", False, True, None, "skipped: step 'config' failed")])
        self.assertEqual([r["path"] for r in self.sb.requests()], ["/config"])  # the skipped steps sent nothing

        attrs, cases = self.junit(junit)
        self.assertEqual({k: attrs[k] for k in ("name", "tests", "failures", "errors", "skipped")},
                         {"name": "fails", "tests": "3", "failures": "1", "errors": "0", "skipped": "2"})
        self.assertEqual(cases, [("config", ["failure"], "fails"), ("after one", ["skipped"], "fails"),
                                 ("after two", ["skipped"], "fails")])
        failure = ET.parse(junit).getroot().find("testcase/failure")
        self.assertEqual(failure.get("message"), "expect.jq '.virtual_numbers_pool | length == 99' yielded false")
        self.assertRegex(ET.parse(junit).getroot().get("time"), r"^\d+\.\d{3}$")
        self.assertEqual(oct(junit.stat().st_mode & 0o777), "0o644")
        self.assertEqual([p.name for p in junit.parent.iterdir()], ["junit.xml"])  # no temp file left

    def test_the_failure_in_junit_carries_the_step_stderr_escaped(self):
        junit = self.dir / "stderr.xml"
        _, code, out, err = self.run_flow("""name: "<esc> & co"
steps:
  - name: "bad <call>"
    run: ["call-log", "id\\u001b[31m<&>"]
""", "--junit", str(junit), CALLCTL_TOKEN=self.sb.access_token())
        self.assertEqual(code, 11, err)
        root = ET.parse(junit).getroot()
        self.assertEqual(root.get("name"), "<esc> & co")
        case = root.find("testcase")
        self.assertEqual((case.get("name"), case.get("classname")), ("bad <call>", "<esc> & co"))
        failure = case.find("failure")
        self.assertTrue(failure.get("message").startswith("exit 6, expected 0: call id"), failure.get("message"))
        self.assertIn("stderr:\ncallctl: error: call id", failure.text)
        self.assertNotIn("\x1b", junit.read_text())

    def test_exit_code_mismatch_names_both_and_the_error_line(self):
        _, code, out, err = self.run_flow("steps:\n  - name: gone\n    run: call-log nope\n",
                                          CALLCTL_TOKEN=self.sb.access_token())
        self.assertEqual(code, 11)
        self.assertEqual(err, "callctl: error: step 'gone' failed: exit 6, expected 0: call nope: HTTP 404: "
                              "no call with id nope\n")

    # ---- retry
    def test_a_retry_that_passes_on_the_third_try(self):
        # The sandbox advances a call one step per GET: Planned, Started (alice joined), Ended.
        _, code, out, err = self.run_flow("""steps:
  - name: create
    run: create-call --title Retry --invite alice:8
    save: {call: .callId}
  - name: ended eventually
    run: call-log ${call}
    expect: {jq: '.callStatus == "Ended"'}
    retry: {times: 5, interval: 0.05}
""", CALLCTL_TOKEN=self.sb.access_token())
        self.assertEqual((code, err), (0, ""))
        steps = self.results(out)
        self.assertEqual((steps[1]["ok"], steps[1]["attempts"]), (True, 3))
        self.assertEqual(len([r for r in self.sb.requests() if r["path"] == "/rtc/getCallLogById"]), 3)

    def test_a_retry_that_never_passes_says_how_often_it_tried(self):
        _, code, out, err = self.run_flow("""steps:
  - name: never
    run: token config
    expect: {jq: .nothing}
    retry: {times: 2, interval: 0}
""")
        self.assertEqual(code, 11)
        self.assertEqual(err, "callctl: error: step 'never' failed: expect.jq '.nothing' yielded null (on try 2 of 2)\n")
        self.assertEqual(len(self.sb.requests()), 2)

    # ---- timeout
    def test_a_step_past_its_timeout_is_killed_and_fails(self):
        [call] = self.sb.admin("POST", "/_sandbox/calls", {"count": 1, "frozen": True})["callIds"]
        junit = self.dir / "timeout.xml"
        start = time.monotonic()
        _, code, out, err = self.run_flow(f"""steps:
  - name: hangs
    run: call-log {call} --wait-for ended --interval 0.2 --wait-timeout 300
    timeout: 1
  - name: next
    run: token config
""", "--junit", str(junit), CALLCTL_TOKEN=self.sb.access_token())
        elapsed = time.monotonic() - start
        self.assertEqual(code, 11)
        self.assertEqual(err, "callctl: error: step 'hangs' failed: timed out after 1 s (killed)\n")
        steps = self.results(out)
        self.assertEqual((steps[0]["exit"], steps[0]["message"]), (143, "timed out after 1 s (killed)"))
        self.assertGreaterEqual(steps[0]["time_s"], 1.0)
        self.assertTrue(steps[1]["skipped"])
        self.assertLess(elapsed, 30)  # well before the step's own --wait-timeout
        _, cases = self.junit(junit)
        self.assertEqual(cases, [("hangs", ["failure"], "flow"), ("next", ["skipped"], "flow")])

    # ---- malformed
    def test_malformed_flows_are_exit_3_naming_file_and_line_and_nothing_runs(self):
        cases = {
            "steps:\n  - name: ok\n    run: token config\n  - name: bad\n    run: token config\n    expcet: {exit: 0}\n":
                "{path}:6: step 'bad': unknown key 'expcet' (known: name, run, env, stdin, expect, save, timeout "
                "and retry)",
            "steps:\n  - name: a\n    run: token config\n  - name: b\n    expect: {exit: 0}\n":
                "{path}:4: step 'b': `run` is missing (the callctl command line to run)",
            "steps:\n  - name: a\n    run: token config\n    timeout: soon\n":
                "{path}:4: step 'a': timeout (seconds) must be a number from 0.001 to 86400",
            "steps:\n  - name: a\n    run: token config\n  - name: b\n    run: call-log ${call}\n":
                "{path}:5: step 'b': run: unknown name ${call} (not a var, a --var, or a save of an earlier step)",
            "steps:\n  - name: a\n    run: token config\n    expect:\n      jq: '.['\n":
                "{path}:5: step 'a': expect.jq: syntax error, unexpected $end (Unix shell quoting issues?) at "
                "<top-level>, line 1: .[",
            "steps:\n  - name: a\n    run: token config\n  - [oops\n":
                "{path}:5: not valid YAML: end of sequence flow not found (column 1)",
        }
        for text, message in cases.items():
            with self.subTest(message=message):
                path, code, out, err = self.run_flow(text, "--junit", str(self.dir / "never.xml"))
                self.assertEqual((code, out), (3, ""))
                self.assertEqual(err.splitlines()[0], "callctl: error: " + message.replace("{path}", path))
        self.assertEqual(self.sb.requests(), [])
        self.assertFalse((self.dir / "never.xml").exists())

    def test_unknown_name_hint_and_var_syntax(self):
        path, code, out, err = self.run_flow("steps:\n  - run: call-log ${call}\n")
        self.assertEqual(err, f"callctl: error: {path}:2: step 1: run: unknown name ${{call}} (not a var, a --var, "
                              "or a save of an earlier step)\ncallctl: hint: give it a value with --var call=VALUE, "
                              "or define it under vars\n")
        path, code, out, err = self.run_flow("steps:\n  - run: token config\n", "--var", "bad-name=1")
        self.assertEqual(code, 2)
        self.assertEqual(err.splitlines()[0], "callctl: error: --var bad-name=1: give NAME=VALUE, NAME of letters, "
                                              "digits and _")
        code, out, err = run_callctl(["run", str(self.dir / "absent.yaml")], home=self.home)
        self.assertEqual(code, 3)
        self.assertIn("absent.yaml", err)

    def test_dry_run_checks_the_file_and_runs_nothing(self):
        _, code, out, err = self.run_flow(self.FAILING, "--dry-run")
        self.assertEqual((code, out, err), (0, "", ""))
        path, code, out, err = self.run_flow("steps:\n  - nme: x\n", "--dry-run")
        self.assertEqual((code, out), (3, ""))
        self.assertTrue(err.startswith(f"callctl: error: {path}:2: "), err)
        self.assertEqual(self.sb.requests(), [])

    # ---- output shapes
    def test_ndjson_a_line_per_step_and_jq_per_step(self):
        text = "steps:\n  - name: one\n    run: token config\n  - name: two\n    run: token config\n"
        _, code, out, err = self.run_flow(text, "-o", "ndjson")
        self.assertEqual((code, err), (0, ""))
        self.assertEqual([json.loads(line)["name"] for line in out.splitlines()], ["one", "two"])
        _, code, out, err = self.run_flow(text, "--jq", '"\\(.name) \\(.ok)"')
        self.assertEqual((code, out, err), (0, "one true\ntwo true\n", ""))

    def test_table_output_a_line_per_step(self):
        _, code, out, err = self.run_flow(self.FAILING, "-o", "table")
        self.assertEqual(code, 11)
        lines = out.splitlines()
        self.assertEqual(len(lines), 4, out)
        self.assertRegex(lines[0], r"^\u2717 config     \d+\.\d\d s  expect\.jq '\.virtual_numbers_pool \| length == 99' "
                                   r"yielded false$")
        self.assertEqual(lines[1:3], ["- after one  skipped", "- after two  skipped"])
        self.assertRegex(lines[3], r"^fails: 0 passed, 1 failed, 2 skipped in \d+\.\d\d s$")

    # ---- signals
    def stop_mid_step(self, sig, code, name):
        [call] = self.sb.admin("POST", "/_sandbox/calls", {"count": 1, "frozen": True})["callIds"]
        path = self.flow(f"""steps:
  - name: waits
    run: call-log {call} --wait-for ended --interval 0.1 --wait-timeout 300
  - name: never
    run: token config
""", f"{name}.yaml")
        junit = self.dir / f"{name}.xml"
        env = clean_env(self.home, self.env(CALLCTL_TOKEN=self.sb.access_token()))
        proc = subprocess.Popen([CALLCTL_BIN, "run", path, "--junit", str(junit)], env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 30
            while not any(r["path"] == "/rtc/getCallLogById" for r in self.sb.requests()):
                self.assertLess(time.monotonic(), deadline, "the step never started polling")
                time.sleep(0.02)
            proc.send_signal(sig)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=10)
        self.assertEqual(proc.returncode, code, err)
        word = "terminated" if sig == signal.SIGTERM else "interrupted"
        self.assertEqual(err, f"callctl: error: {word}: the flow stopped at step 'waits'\n")
        steps = self.results(out)
        self.assertEqual([(s["name"], s["ok"], s["skipped"], s["exit"], s["message"]) for s in steps],
                         [("waits", False, False, code, f"stopped by {name.upper()} (passed on to the step)"),
                          ("never", False, True, None, f"skipped: the run was stopped by {name.upper()}")])
        _, cases = self.junit(junit)
        self.assertEqual(cases, [("waits", ["failure"], name), ("never", ["skipped"], name)])
        # The step's process is gone with it: no callctl polling that call is left.
        for entry in Path("/proc").iterdir():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            self.assertNotIn(call.encode(), cmdline)

    def test_sigterm_stops_the_running_step_and_reports(self):
        self.stop_mid_step(signal.SIGTERM, 143, "sigterm")

    def test_sigint_stops_the_running_step_and_reports(self):
        self.stop_mid_step(signal.SIGINT, 130, "sigint")

    # ---- the shipped smoke flow
    def test_the_smoke_flow_against_the_sandbox(self):
        junit = self.dir / "smoke.xml"
        code, out, err = run_callctl(["run", str(SMOKE), "--var", f"base={self.sb.http}", "--junit", str(junit)],
                                     home=self.home, timeout=120)
        self.assertEqual((code, err), (0, ""), out)
        names = ["token", "e911", "create-call", "wait", "push", "decode-push", "answer", "open-door", "hangup",
                 "revoke"]
        self.assertEqual([(s["name"], s["ok"]) for s in self.results(out)], [(n, True) for n in names])
        attrs, cases = self.junit(junit)
        self.assertEqual({k: attrs[k] for k in ("name", "tests", "failures", "skipped")},
                         {"name": "smoke", "tests": "10", "failures": "0", "skipped": "0"})
        self.assertEqual([c[0] for c in cases], names)
        requests = [(r["method"], r["path"]) for r in self.sb.requests()]
        polls = requests.count(("GET", "/rtc/getCallLogById"))
        self.assertGreaterEqual(polls, 2)
        self.assertEqual(requests, [("POST", "/tokens"), ("POST", "/e911ids"), ("POST", "/rtc/createCall"),
                                    *[("GET", "/rtc/getCallLogById")] * polls, ("POST", "/graphql"),
                                    ("PUSH", "/_push/Call.StopIncoming"), ("POST", "/graphql"), ("POST", "/graphql"),
                                    ("DELETE", "/tokens")])
        token = json.loads(self.sb.requests()[0]["body"])
        self.assertEqual(token, {"app_scope": "VIRTUAL_NUMBER"})
        # No credentials were stored: the token lived in the flow.
        self.assertFalse((self.home.config_dir / "credentials.json").exists())

    def test_the_smoke_flow_needs_base(self):
        code, out, err = run_callctl(["run", str(SMOKE)], home=self.home)
        self.assertEqual(code, 3)
        self.assertRegex(err.splitlines()[0], r"smoke\.yaml:\d+: env\.CALLCTL_TOKEN_URL: unknown name \$\{base\}")
        self.assertEqual(err.splitlines()[1], "callctl: hint: give it a value with --var base=VALUE, or define it under vars")


if __name__ == "__main__":
    unittest.main()
