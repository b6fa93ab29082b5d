"""call-log against the sandbox: one id, many ids concurrently (json order, ndjson completeness),
a bad id among good ones, retried 503s, URL-encoded ids, --wait-for and its timeout, tables."""

import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import CALLCTL_BIN, SandboxTestCase, TempHome, clean_env, run_callctl  # noqa: E402


class CallLogTest(SandboxTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.token = cls.sb.access_token()

    def env(self, **extra):
        return {"CALLCTL_REST_URL": self.sb.http, "CALLCTL_TOKEN": self.token, **extra}

    def callctl(self, *args, input=None, timeout=60, **env):
        return run_callctl(list(args), env=self.env(**env), input=input, timeout=timeout)

    def bulk(self, count=0, ids=None, frozen=True, title=None):
        body = {"count": count, "frozen": frozen}
        if ids is not None:
            body["callIds"] = ids
        if title is not None:
            body["callTitle"] = title
        return self.sb.admin("POST", "/_sandbox/calls", body)["callIds"]

    def log_requests(self):
        return [r for r in self.sb.requests() if r["path"] == "/rtc/getCallLogById"]

    # ---- one id
    def test_single_id_prints_the_object(self):
        [call_id] = self.bulk(1)
        code, out, err = self.callctl("-o", "json", "call-log", call_id)
        self.assertEqual(code, 0, err)
        log = json.loads(out)
        self.assertEqual(log["callId"], call_id)
        self.assertEqual(log["serverRegion"], "sandbox-1")  # unknown fields kept
        [request] = self.log_requests()
        self.assertEqual(request["method"], "GET")
        self.assertEqual(request["query"], {"callId": call_id})
        self.assertEqual(request["headers"]["authorization"], "Bearer " + self.token)
        self.assertEqual(request["headers"]["user-agent"], "callctl/0.1.0")

    def test_single_unknown_id_is_exit_6(self):
        code, out, err = self.callctl("-o", "json", "call-log", "no-such-call")
        self.assertEqual(code, 6, err)
        self.assertEqual(out, "")
        self.assertIn("404", err)

    def test_call_id_that_needs_url_encoding(self):
        odd = "odd id/with?&=#%+ü"
        self.bulk(ids=[odd])
        code, out, err = self.callctl("-o", "json", "call-log", odd)
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["callId"], odd)
        [request] = self.log_requests()
        self.assertEqual(request["query"], {"callId": odd})
        self.assertEqual(request["target"],
                         "/rtc/getCallLogById?callId=odd%20id%2Fwith%3F%26%3D%23%25%2B%C3%BC")

    # ---- many ids
    def test_200_ids_json_in_the_order_asked(self):
        ids = self.bulk(200)
        ids.reverse()  # not the sandbox's order
        code, out, err = self.callctl("-o", "json", "call-log", "--ids-from", "-", input="\n".join(ids) + "\n")
        self.assertEqual(code, 0, err)
        logs = json.loads(out)
        self.assertEqual([log["callId"] for log in logs], ids)
        self.assertEqual(len(self.log_requests()), 200)

    def test_200_ids_ndjson_all_present(self):
        ids = self.bulk(200)
        code, out, err = self.callctl("-o", "ndjson", "call-log", "--parallel", "16", *ids)
        self.assertEqual(code, 0, err)
        lines = out.splitlines()
        self.assertEqual(len(lines), 200)
        self.assertEqual(sorted(json.loads(line)["callId"] for line in lines), sorted(ids))

    def test_verbose_never_shows_the_token(self):
        ids = self.bulk(64)
        code, out, err = self.callctl("-v", "-o", "ndjson", "call-log", "--parallel", "8", *ids)
        self.assertEqual(code, 0, err)
        self.assertNotIn(self.token, err)
        self.assertEqual(len(out.splitlines()), 64)
        self.assertEqual(len(self.log_requests()), 64)

    def test_dry_run_prints_curl_and_sends_nothing(self):
        code, out, err = self.callctl("--dry-run", "call-log", "a", "b c")
        self.assertEqual(code, 0, err)
        lines = out.splitlines()
        self.assertEqual(len(lines), 2)
        self.assertIn("callId=b%20c", lines[1])
        self.assertIn("$CALLCTL_TOKEN", out)
        self.assertNotIn(self.token, out)
        self.assertEqual(self.log_requests(), [])

    def test_a_404_among_good_ones(self):
        good = self.bulk(3)
        ids = [good[0], "missing-call", good[1], good[2]]
        code, out, err = self.callctl("-o", "json", "call-log", *ids)
        self.assertEqual(code, 6, err)
        logs = json.loads(out)
        self.assertEqual([log["callId"] for log in logs], ids)
        self.assertEqual(logs[1]["error"]["code"], 6)
        self.assertIn("404", logs[1]["error"]["message"])
        self.assertNotIn("error", logs[0])
        self.assertIn("missing-call", err)

        code, out, err = self.callctl("-o", "ndjson", "call-log", *ids)
        self.assertEqual(code, 6, err)
        by_id = {obj["callId"]: obj for obj in map(json.loads, out.splitlines())}
        self.assertEqual(set(by_id), set(ids))
        self.assertEqual(by_id["missing-call"]["error"]["code"], 6)

    def test_503_twice_then_200(self):
        [call_id] = self.bulk(1)
        self.sb.set_faults({"fail_next": {"count": 2, "status": 503}})
        code, out, err = self.callctl("-o", "json", "call-log", call_id)
        self.assertEqual(code, 0, err)
        self.assertEqual(json.loads(out)["callId"], call_id)
        self.assertEqual([r["status"] for r in self.log_requests()], [503, 503, 200])

    def test_5xx_after_retries_is_exit_7(self):
        ids = self.bulk(2)
        self.sb.set_faults({"fail_next": {"count": 100, "status": 503}})
        code, out, err = self.callctl("-o", "json", "--retries", "2", "call-log", *ids)
        self.assertEqual(code, 7, err)
        logs = json.loads(out)
        self.assertEqual([log["callId"] for log in logs], ids)
        for log in logs:
            self.assertEqual(log["error"]["code"], 7)
            self.assertIn("3 attempts", log["error"]["message"])
        self.assertEqual(len(self.log_requests()), 6)  # each id: the first try and two retries

    def test_no_ids_is_a_usage_error(self):
        code, _, err = self.callctl("call-log", "--ids-from", "-", input="\n# nothing\n")
        self.assertEqual(code, 2, err)

    def test_a_401_on_a_stored_token_refreshes_once_and_refetches(self):
        ids = self.bulk(3)
        with TempHome() as home:
            env = {"CALLCTL_REST_URL": self.sb.http, "CALLCTL_TOKEN_URL": self.sb.http}
            code, _, err = run_callctl(["token", "create", "--scope", "virtual-number", "--save", "-q"], env=env, home=home)
            self.assertEqual(code, 0, err)
            path = home.config_dir / "credentials.json"
            data = json.loads(path.read_text())
            data["profiles"]["default"]["access_token"] = "rejected-by-the-server"
            path.write_text(json.dumps(data))
            self.sb.clear_requests()
            code, out, err = run_callctl(["-o", "json", "call-log", *ids], env=env, home=home)
            self.assertEqual(code, 0, err)
            self.assertEqual([log["callId"] for log in json.loads(out)], ids)
            seen = [(r["path"], r["status"]) for r in self.sb.requests()]
            self.assertEqual(seen[:3], [("/rtc/getCallLogById", 401)] * 3)
            self.assertEqual(seen[3], ("/tokens", 200))
            self.assertEqual(seen[4:], [("/rtc/getCallLogById", 200)] * 3)
            fresh = json.loads(path.read_text())["profiles"]["default"]["access_token"]
            self.assertTrue(all(r["headers"]["authorization"] == "Bearer " + fresh for r in self.sb.requests()[4:]))

    def test_a_401_on_an_explicit_token_is_exit_5_for_each(self):
        ids = self.bulk(2)
        code, out, err = run_callctl(["-o", "ndjson", "call-log", *ids],
                                     env={"CALLCTL_REST_URL": self.sb.http, "CALLCTL_TOKEN": "nope"})
        self.assertEqual(code, 5, err)
        self.assertEqual([json.loads(line)["error"]["code"] for line in out.splitlines()], [5, 5])
        self.assertEqual(len(self.log_requests()), 2)

    # ---- tables
    def test_table_report_for_one_call(self):
        [call_id] = self.bulk(1, ids=["report-call"], frozen=False, title="Weekly sync")
        for _ in range(2):  # Planned -> Started (one Join) -> one Leave
            self.sb.admin("POST", f"/_sandbox/calls/{call_id}/advance")
        log = self.sb.admin("GET", f"/_sandbox/calls/{call_id}")
        events = log["callEvents"]
        code, out, err = self.callctl("-o", "table", "call-log", call_id, COLUMNS="100")
        self.assertEqual(code, 0, err)
        t = [e["timestamp"] for e in events]
        expected = (
            "Title:       Weekly sync\n"
            "Call ID:     report-call\n"
            f"ID:          {log['id']}\n"
            "Status:      Ended\n"
            "Type:        MESH\n"
            "Reason:      STANDARD\n"
            "Creator:     bench\n"
            f"Created:     {log['createdAt']}\n"
            "Planned:     -\n"
            "Invitees:    Tester (tester)\n"
            "Joined now:  0\n"
            "\n"
            "TIME" + " " * (len(t[0]) - 2) + "TYPE     WHO\n"
            f"{t[0]}  Created  bench\n"
            f"{t[1]}  Join     Tester (tester)\n"
            f"{t[2]}  Leave    Tester (tester)\n")
        self.assertEqual(out, expected)

    def test_table_rows_for_several_calls(self):
        ids = self.bulk(2)
        code, out, err = self.callctl("-o", "table", "call-log", ids[0], "gone", ids[1], COLUMNS="200")
        self.assertEqual(code, 6, err)
        lines = out.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "CALL", "ID", "STATUS", "CREATOR", "INVITEES", "JOINED",
                                            "FIRST", "EVENT", "LAST", "EVENT"])
        self.assertEqual(len(lines), 4)
        self.assertIn(ids[0], lines[1])
        self.assertIn("Planned", lines[1])
        self.assertRegex(lines[2], r"^\s*-\s+gone\s+error: HTTP 404")
        self.assertIn(ids[1], lines[3])

    # ---- --wait-for
    def test_wait_for_ended_walks_a_call_through(self):
        code, out, err = self.callctl("-q", "create-call", "--title", "Walk", "--invite", "tester:8")
        self.assertEqual(code, 0, err)
        call_id = out.strip()
        code, out, err = self.callctl("-o", "json", "call-log", call_id, "--wait-for", "ended",
                                      "--interval", "0.05", "--wait-timeout", "20")
        self.assertEqual(code, 0, err)
        log = json.loads(out)
        self.assertEqual(log["callStatus"], "Ended")
        types = [e["type"] for e in log["callEvents"]]
        self.assertEqual(types, ["Created", "Join", "Leave"])
        seen = [r["status"] for r in self.log_requests()]
        self.assertEqual(seen, [200, 200, 200])  # Planned, Started, Ended

    def test_wait_for_started_over_several_calls(self):
        ids = self.bulk(5, frozen=False)
        code, out, err = self.callctl("-o", "ndjson", "call-log", *ids, "--wait-for", "started", "--interval", "0.05")
        self.assertEqual(code, 0, err)
        statuses = [json.loads(line)["callStatus"] for line in out.splitlines()]
        self.assertEqual(statuses, ["Started"] * 5)

    def test_wait_timeout_on_a_frozen_call_is_exit_10(self):
        [call_id] = self.bulk(1, frozen=True)
        start = time.monotonic()
        code, out, err = self.callctl("-o", "json", "call-log", call_id, "--wait-for", "ended",
                                      "--interval", "0.2", "--wait-timeout", "1")
        self.assertEqual(code, 10, err)
        self.assertLess(time.monotonic() - start, 10)
        self.assertIn("Planned", err)
        self.assertIn(call_id, err)
        self.assertEqual(json.loads(out)["callStatus"], "Planned")  # the last log seen is still printed
        self.assertGreaterEqual(len(self.log_requests()), 3)

    def test_wait_timeout_on_a_future_planned_call(self):
        code, out, err = self.callctl("-q", "create-call", "--title", "Later", "--invite", "tester:8",
                                      "--planned", "2099-01-01T00:00:00Z")
        self.assertEqual(code, 0, err)
        code, _, err = self.callctl("call-log", out.strip(), "--wait-for", "started", "--interval", "0.1",
                                    "--wait-timeout", "0.5")
        self.assertEqual(code, 10, err)
        self.assertIn("is Planned", err)

    def test_ctrl_c_stops_polling(self):
        [call_id] = self.bulk(1, frozen=True)
        with TempHome() as home:
            proc = subprocess.Popen([CALLCTL_BIN, "call-log", call_id, "--wait-for", "ended", "--interval", "0.1",
                                     "--wait-timeout", "60"], env=clean_env(home, self.env()),
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            # Interrupt once it polls (its handler is installed by then), however slow it starts.
            deadline = time.monotonic() + 20
            while not [r for r in self.log_requests() if r["query"].get("callId") == call_id]:
                self.assertLess(time.monotonic(), deadline, "call-log never polled")
                self.assertIsNone(proc.poll(), "call-log ended before it was interrupted")
                time.sleep(0.02)
            start = time.monotonic()
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=10)
            self.assertLess(time.monotonic() - start, 2)
            self.assertEqual(proc.returncode, 130, err)

    def test_bad_wait_target_is_usage(self):
        code, _, err = self.callctl("call-log", "x", "--wait-for", "over")
        self.assertEqual(code, 2, err)
        self.assertEqual(self.log_requests(), [])


if __name__ == "__main__":
    unittest.main()
