"""Faults on the wire: timeouts, bodies cut short, JSON cut short, redirects to other hosts,
keep-alive reuse, 429 storms.

The sandbox injects latency, 429/5xx with Retry-After and truncated bodies. What it cannot
answer (a complete-length body that is not JSON, a redirect, a count of TCP connections) comes
from loopback_http.LoopbackServer, on 127.0.0.1 like everything else.
"""

from __future__ import annotations

import json
import os
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import Sandbox, SandboxTestCase, run_callctl  # noqa: E402
from loopback_http import LoopbackServer  # noqa: E402


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("callctl: error:")]


def call_log_answer(handler) -> tuple[int, dict, bytes]:
    """A well-formed CallLog for /rtc/getCallLogById?callId=ID."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(handler.path).query)
    call_id = query.get("callId", ["?"])[0]
    log = {"id": 1, "callId": call_id, "callTitle": "t", "callStatus": "Planned", "callType": "mesh",
           "createdAt": "2024-01-01T00:00:00Z", "invitedContacts": [], "callEvents": []}
    return 200, {"Content-Type": "application/json"}, json.dumps(log).encode()


class FaultsTest(SandboxTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.token = cls.sb.access_token()

    def callctl(self, *args, env=None, timeout=60):
        return run_callctl(list(args), env=env, timeout=timeout, home=self.home)

    def rest_env(self, url=None, token=None):
        return {"CALLCTL_REST_URL": url or self.sb.http, "CALLCTL_TOKEN": token or self.token}

    def calls(self, count):
        return self.sb.admin("POST", "/_sandbox/calls", {"count": count, "frozen": True})["callIds"]

    # ---- latency past --timeout (a sandbox of their own: the slow answers are logged seconds
    # later, and would land in the next test's request log)
    def test_latency_past_the_timeout_is_exit_4_after_bounded_retries(self):
        # Default --retries 2: three attempts of 0.5 s plus two backoffs (≤ 0.25 s and ≤ 0.5 s).
        with Sandbox(extra_args=["--latency-ms", "3000"]) as slow:
            started = time.monotonic()
            rc, out, err = self.callctl("--token-url", slow.http, "--timeout", "0.5", "token", "config")
            elapsed = time.monotonic() - started
        self.assertEqual(rc, 4, err)
        self.assertEqual(out, "")
        self.assertIn("timed out", err)
        self.assertEqual(len(error_lines(err)), 1, err)
        self.assertLess(elapsed, 3.0, "three 0.5 s attempts and two short backoffs, never the 3 s latency")
        self.assertGreaterEqual(elapsed, 1.5, "every attempt waited for its full timeout")

    def test_a_batch_past_the_timeout_fails_every_id_with_exit_4_in_bounded_time(self):
        ids = [f"call-{i}" for i in range(6)]
        with Sandbox(extra_args=["--latency-ms", "3000"]) as slow:
            token = slow.access_token()  # admin-free but slow: 3 s, once
            started = time.monotonic()
            rc, out, err = self.callctl("--timeout", "0.5", "--retries", "0", "-o", "ndjson", "call-log", *ids,
                                        "--parallel", "8", env=self.rest_env(slow.http, token))
            elapsed = time.monotonic() - started
        self.assertEqual(rc, 4, err)
        self.assertLess(elapsed, 2.0, "six requests in parallel, each cut at 0.5 s")
        # ndjson keeps one line per id: an error object in place of each log.
        lines = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(sorted(line["callId"] for line in lines), sorted(ids))
        self.assertTrue(all(line["error"]["code"] == 4 for line in lines), out)
        self.assertIn("timed out", err)

    # ---- connection dropped mid-body
    def test_a_body_cut_short_once_is_retried_for_a_get(self):
        [call_id] = self.calls(1)
        self.sb.set_faults({"truncate_next": 1})
        rc, out, err = self.callctl("-o", "json", "call-log", call_id, env=self.rest_env())
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["callId"], call_id)
        self.assertEqual([r.get("truncated", False) for r in self.sb.requests()], [True, False])

    def test_a_body_cut_short_on_every_attempt_is_exit_4(self):
        # curl reports CURLE_PARTIAL_FILE (18): a receive failure. GETs are replayed, so
        # --retries 2 makes three attempts, then exit 4 (network), never a half-parsed body.
        [call_id] = self.calls(1)
        self.sb.set_faults({"truncate_body_nth": [1, 2, 3]})
        rc, out, err = self.callctl("call-log", call_id, env=self.rest_env())
        self.assertEqual(rc, 4, err)
        self.assertEqual(out, "")
        self.assertEqual(len(error_lines(err)), 1, err)
        self.assertEqual(len(self.sb.requests()), 3)
        self.assertTrue(all(r.get("truncated") for r in self.sb.requests()))

    def test_a_post_cut_short_is_not_replayed(self):
        # POST /tokens may have been processed (a token issued): no replay, exit 4.
        self.sb.set_faults({"truncate_next": 1})
        rc, out, err = self.callctl("--token-url", self.sb.http, "token", "create", "--scope", "virtual-number")
        self.assertEqual(rc, 4, err)
        self.assertEqual(out, "")
        self.assertEqual(len(self.sb.requests()), 1)

    # ---- complete-length bodies that are not JSON
    def test_a_2xx_json_body_cut_short_with_a_correct_length_is_exit_7(self):
        cut = b'{"id": 1, "callId": "x", "callStat'
        with LoopbackServer(lambda h: (200, {"Content-Type": "application/json"}, cut)) as server:
            rc, out, err = self.callctl("call-log", "x", env=self.rest_env(server.url))
            self.assertEqual(rc, 7, err)
            self.assertEqual(out, "")
            self.assertIn("not a JSON object", err)
            self.assertEqual(len(server.requests), 1, "a complete answer is not retried")
            rc, out, err = self.callctl("--token-url", server.url, "token", "config")
            self.assertEqual(rc, 7, err)
            self.assertIn("not valid JSON", err)

    # ---- redirects
    def test_a_redirect_to_another_host_is_not_followed_and_the_token_stays_home(self):
        with LoopbackServer(lambda h: (200, {}, b"{}")) as elsewhere:
            target = f"{elsewhere.url}/rtc/getCallLogById?callId=x"
            with LoopbackServer(lambda h: (301, {"Location": target}, b"")) as server:
                rc, out, err = self.callctl("-v", "call-log", "x", env=self.rest_env(server.url))
                self.assertEqual(rc, 6, err)
                self.assertEqual(out, "")
                self.assertIn("HTTP 301", err)
                self.assertIn(f"callctl: hint: the server redirects to {target}", err)
                self.assertNotIn(self.token, err)
                [request] = server.requests
                self.assertEqual(request["headers"]["authorization"], f"Bearer {self.token}")
            self.assertEqual(elsewhere.connections, 0, "nothing, and so no token, reached the other port")
            self.assertEqual(elsewhere.requests, [])

    def test_a_redirected_token_request_is_not_followed_either(self):
        with LoopbackServer(lambda h: (200, {}, b"{}")) as elsewhere:
            with LoopbackServer(lambda h: (308, {"Location": elsewhere.url + "/tokens"}, b"")) as server:
                rc, _, err = self.callctl("--token-url", server.url, "token", "create", "--scope", "virtual-number")
                self.assertEqual(rc, 6, err)
                self.assertIn("redirects to", err)
            self.assertEqual(elsewhere.connections, 0)

    # ---- keep-alive
    def test_100_call_logs_reuse_one_connection(self):
        ids = [f"call-{i}" for i in range(100)]
        with LoopbackServer(call_log_answer) as server:
            rc, out, err = self.callctl("-o", "ndjson", "call-log", *ids, "--parallel", "1",
                                        env=self.rest_env(server.url))
            self.assertEqual(rc, 0, err)
            self.assertEqual(sorted(json.loads(line)["callId"] for line in out.splitlines()), sorted(ids))
            self.assertEqual(len(server.requests), 100)
            self.assertEqual(server.connections, 1, "HTTP/1.1 keep-alive: one TCP connection for 100 requests")

    def test_a_parallel_batch_opens_at_most_parallel_connections(self):
        ids = [f"call-{i}" for i in range(100)]
        with LoopbackServer(call_log_answer) as server:
            rc, out, err = self.callctl("-o", "ndjson", "call-log", *ids, "--parallel", "4",
                                        env=self.rest_env(server.url))
            self.assertEqual(rc, 0, err)
            self.assertEqual(len(out.splitlines()), 100)
            self.assertEqual(len(server.requests), 100)
            self.assertLessEqual(server.connections, 4)

    # ---- 429 storms
    def test_a_429_storm_with_retry_after_0_is_ridden_out(self):
        self.sb.set_faults({"fail_next": {"count": 3, "status": 429, "retry_after": "0"}})
        rc, _, err = self.callctl("--token-url", self.sb.http, "--retries", "3", "token", "config")
        self.assertEqual(rc, 0, err)
        self.assertEqual([r["status"] for r in self.sb.requests()], [429, 429, 429, 200])

    def test_retry_after_seconds_are_waited_each_time(self):
        self.sb.set_faults({"fail_next": {"count": 2, "status": 429, "retry_after": "1"}})
        started = time.monotonic()
        rc, _, err = self.callctl("--token-url", self.sb.http, "--retries", "2", "token", "config")
        self.assertEqual(rc, 0, err)
        self.assertGreaterEqual(time.monotonic() - started, 1.9, "two Retry-After: 1 waits")
        self.assertEqual([r["status"] for r in self.sb.requests()], [429, 429, 200])

    def test_a_429_that_outlasts_the_retries_is_exit_6(self):
        # cli.md: 429 is "other HTTP 4xx" -> 6, once the retries are spent.
        self.sb.set_faults({"fail_next": {"count": 10, "status": 429, "retry_after": "0"}})
        rc, out, err = self.callctl("--token-url", self.sb.http, "--retries", "2", "token", "config")
        self.assertEqual(rc, 6, err)
        self.assertEqual(out, "")
        self.assertIn("429", err)
        self.assertEqual(len(error_lines(err)), 1, err)
        self.assertEqual(len(self.sb.requests()), 3)

    def test_a_batch_rides_out_a_429_storm(self):
        ids = self.calls(20)
        self.sb.clear_requests()
        # Six 429s land on whichever requests arrive first; no request can see more than six.
        self.sb.set_faults({"fail_next": {"count": 6, "status": 429, "retry_after": "0"}})
        rc, out, err = self.callctl("-o", "ndjson", "call-log", *ids, "--parallel", "4", "--retries", "6",
                                    env=self.rest_env())
        self.assertEqual(rc, 0, err)
        self.assertEqual(sorted(json.loads(line)["callId"] for line in out.splitlines()), sorted(ids))
        statuses = [r["status"] for r in self.sb.requests()]
        self.assertEqual(statuses.count(429), 6)
        self.assertEqual(statuses.count(200), 20)

    def test_post_tokens_is_replayed_on_429_only_with_retry_after(self):
        # cli.md: POST /tokens is retried on 429/503 *with* Retry-After (surely unprocessed)...
        self.sb.set_faults({"fail_next": {"count": 2, "status": 429, "retry_after": "0"}})
        rc, _, err = self.callctl("--token-url", self.sb.http, "token", "create", "--scope", "virtual-number")
        self.assertEqual(rc, 0, err)
        self.assertEqual([r["status"] for r in self.sb.requests()], [429, 429, 200])
        # ...and not without it.
        self.sb.set_faults({"fail_next": {"count": 2, "status": 429}})
        self.sb.clear_requests()
        rc, _, err = self.callctl("--token-url", self.sb.http, "token", "create", "--scope", "virtual-number")
        self.assertEqual(rc, 6, err)
        self.assertEqual(len(self.sb.requests()), 1)


if __name__ == "__main__":
    unittest.main()
