"""--jq on the JSON of several commands against the sandbox: raw strings and compact JSON, one
result per line, token config, call-log with one id (the object) and with many (each element, in
the order asked for json, as it arrives for ndjson), decode-push and its --stream, answer, kaleyra-token, -q,
-o table; a bad expression is exit 2 with jq's message and nothing sent; a runtime error exit 3."""

import json
import os
import subprocess
import sys
import threading
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import CALLCTL_BIN, SandboxTestCase, clean_env, run_callctl  # noqa: E402

COMPILE_ERROR = ("callctl: error: --jq: syntax error, unexpected $end (Unix shell quoting issues?) "
                 "at <top-level>, line 1: .[\n"
                 "callctl: hint: --jq takes jq 1.6 syntax, e.g. --jq '.callStatus'; quote it for the shell\n")


class JqTest(SandboxTestCase):
    sandbox_options = {"push_key_hex": "ab" * 32}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.token = cls.sb.access_token()

    def env(self, **extra):
        return {"CALLCTL_TOKEN_URL": self.sb.http, "CALLCTL_REST_URL": self.sb.http,
                "CALLCTL_GRAPHQL_URL": self.sb.url("/graphql"), "CALLCTL_TOKEN": self.token, **extra}

    def callctl(self, *args, input=None, **env):
        return run_callctl(list(args), env=self.env(**env), input=input, home=self.home)

    def calls(self, count):
        return self.sb.admin("POST", "/_sandbox/calls", {"count": count, "frozen": True})["callIds"]

    # ---- token config: one document
    def test_token_config_strings_raw_others_compact(self):
        code, out, err = self.callctl("token", "config", "--jq", ".info.scope_map[\"E911\"], .virtual_numbers_pool")
        self.assertEqual((code, err), (0, ""))
        status, config = self.sb.json_request("GET", "/config")
        self.assertEqual(out, "EMERGENCYSERVICES\n" + json.dumps(config["virtual_numbers_pool"], separators=(",", ":")) + "\n")

    def test_jq_before_the_subcommand_too(self):
        code, out, err = self.callctl("--jq", ".ewebrtc_domain", "token", "config")
        self.assertEqual((code, out, err), (0, "sandbox.ewebrtc.example\n", ""))

    def test_output_of_jq_matches_the_jq_program(self):
        code, plain, _ = self.callctl("-o", "json", "token", "config")
        self.assertEqual(code, 0)
        for expression in (".", ".info", "keys", "[.. | numbers]", ".info.scope_map | to_entries[] | .value"):
            with self.subTest(expression=expression):
                code, out, err = self.callctl("token", "config", "--jq", expression)
                self.assertEqual((code, err), (0, ""))
                jq = subprocess.run(["jq", "-r", "-c", expression], input=plain, capture_output=True, text=True,
                                    timeout=30)
                self.assertEqual(out, jq.stdout)

    def test_a_table_in_the_environment_gives_way_but_an_explicit_table_is_refused(self):
        code, out, err = self.callctl("token", "config", "--jq", ".ewebrtc_domain", CALLCTL_OUTPUT="table")
        self.assertEqual((code, out, err), (0, "sandbox.ewebrtc.example\n", ""))
        self.sb.clear_requests()
        code, out, err = self.callctl("-o", "table", "token", "config", "--jq", ".ewebrtc_domain")
        self.assertEqual(code, 2)
        self.assertEqual(out, "")
        self.assertEqual(err, "callctl: error: --jq prints JSON; it cannot be combined with -o table\n"
                              "callctl: hint: drop -o table, or drop --jq\n")
        self.assertEqual(self.sb.requests(), [])

    # ---- call-log
    def test_call_log_one_id_filters_the_object_itself(self):
        [call_id] = self.calls(1)
        code, out, err = self.callctl("call-log", call_id, "--jq", ".callStatus")
        self.assertEqual((code, out, err), (0, "Planned\n", ""))
        code, out, err = self.callctl("call-log", call_id, "--jq", "[.callId, .callStatus]")
        self.assertEqual((code, out), (0, json.dumps([call_id, "Planned"], separators=(",", ":")) + "\n"))

    def test_call_log_many_ids_json_each_element_in_the_order_asked(self):
        ids = self.calls(30)
        ids.reverse()
        code, out, err = self.callctl("call-log", *ids, "--jq", ".callId, .callStatus")
        self.assertEqual((code, err), (0, ""))
        expected = "".join(f"{call_id}\nPlanned\n" for call_id in ids)
        self.assertEqual(out, expected)

    def test_call_log_many_ids_ndjson_a_line_each_as_they_arrive(self):
        ids = self.calls(30)
        code, out, err = self.callctl("-o", "ndjson", "call-log", *ids, "--jq", "{callId}")
        self.assertEqual((code, err), (0, ""))
        lines = out.splitlines()
        self.assertEqual(sorted(json.loads(line)["callId"] for line in lines), sorted(ids))

    def test_call_log_ndjson_stays_streaming(self):
        """The first result is on stdout while later requests are still in flight: --jq does not
        collect the stream first."""
        ids = self.calls(4)
        self.sb.set_faults({"latency_ms": 400})
        proc = subprocess.Popen([CALLCTL_BIN, "-o", "ndjson", "call-log", *ids, "--parallel", "1", "--jq", ".callId"],
                                env=clean_env(self.home, self.env()), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        try:
            first = []
            reader = threading.Thread(target=lambda: first.append(proc.stdout.readline()), daemon=True)
            reader.start()
            reader.join(30)
            self.assertEqual(first, [ids[0] + "\n"])
            # Three more answers, 400 ms each, are still to come.
            self.assertIsNone(proc.poll())
            rest, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=10)
        self.assertEqual((proc.returncode, err), (0, ""))
        self.assertEqual(rest, "".join(call_id + "\n" for call_id in ids[1:]))

    def test_call_log_a_failed_id_is_filtered_like_the_others(self):
        [good] = self.calls(1)
        code, out, err = self.callctl("call-log", good, "nosuch", "--jq", ".callStatus // .error.code")
        self.assertEqual(code, 6)
        self.assertEqual(out, "Planned\n6\n")
        self.assertEqual(err, "callctl: warning: call nosuch: HTTP 404: no call with id nosuch\n")

    # ---- errors
    def test_compile_error_is_exit_2_and_nothing_is_sent(self):
        [call_id] = self.calls(1)
        for args in (["call-log", call_id], ["token", "create", "--scope", "virtual-number"],
                     ["create-call", "--title", "t", "--invite", "alice:8"], ["answer", "--device", "dev_42"]):
            with self.subTest(command=args[0]):
                code, out, err = self.callctl(*args, "--jq", ".[")
                self.assertEqual((code, out, err), (2, "", COMPILE_ERROR))
        self.assertEqual(self.sb.requests(), [])

    def test_compile_error_under_dry_run_too(self):
        code, out, err = self.callctl("--dry-run", "token", "config", "--jq", "nosuchfn(1)")
        self.assertEqual((code, out), (2, ""))
        self.assertEqual(err.splitlines()[0],
                         "callctl: error: --jq: nosuchfn/1 is not defined at <top-level>, line 1: nosuchfn(1)")

    def test_dry_run_prints_the_curl_line_not_a_filtered_result(self):
        code, out, err = self.callctl("--dry-run", "token", "config", "--jq", ".ewebrtc_domain")
        self.assertEqual((code, err), (0, ""))
        self.assertTrue(out.startswith("curl "), out)
        self.assertEqual(self.sb.requests(), [])

    def test_libjq_is_loaded_only_for_a_filter(self):
        # libjq (and libonig, libm) is opened when a filter is compiled, not mapped at every start
        # (jq_library.cpp). glibc's LD_DEBUG=files names every object the loader opens.
        [call_id] = self.calls(1)
        for args, loaded in ((["call-log", call_id], False), (["call-log", call_id, "--jq", ".callId"], True),
                             (["--version"], False)):
            with self.subTest(args=args):
                code, out, err = self.callctl(*args, LD_DEBUG="files")
                self.assertEqual(code, 0, err)
                opened = [line for line in err.splitlines() if "file=libjq.so.1" in line]
                self.assertEqual(bool(opened), loaded, err[-2000:])
                if loaded:
                    self.assertEqual(out, call_id + "\n")

    def test_runtime_error_is_exit_3_with_nothing_on_stdout(self):
        code, out, err = self.callctl("token", "config", "--jq", ".ewebrtc_domain, .virtual_numbers_pool.x")
        self.assertEqual((code, out), (3, ""))
        self.assertEqual(err, 'callctl: error: --jq: Cannot index array with string "x"\n')
        code, out, err = self.callctl("token", "config", "--jq", 'error("no \\u001b[31mcolour")')
        self.assertEqual((code, out), (3, ""))
        self.assertEqual(err, "callctl: error: --jq: no \\u001b[31mcolour\n")

    def test_runtime_errors_over_many_ids_are_counted_and_the_rest_still_print(self):
        ids = self.calls(3)
        code, out, err = self.callctl("call-log", *ids, "--jq", 'if .callId == "%s" then .callStatus else error("odd") end' % ids[1])
        self.assertEqual(code, 3)
        self.assertEqual(out, "Planned\n")
        self.assertEqual(err, "callctl: error: --jq: odd (1 more value failed too)\n")

    # ---- other commands
    def test_quiet_gives_way_to_the_filter(self):
        code, out, err = self.callctl("-q", "create-call", "--title", "Jq", "--invite", "alice:8", "--jq", ".callStatus")
        self.assertEqual((code, out, err), (0, "Planned\n", ""))
        code, out, err = self.callctl("-q", "token", "create", "--scope", "virtual-number", "--jq", ".token_type")
        self.assertEqual((code, out, err), (0, "bearer\n", ""))

    def test_answer_prints_the_filtered_data(self):
        code, out, err = self.callctl("answer", "--device", "dev_42", "--jq", ".answerIncomingCall.__typename")
        self.assertEqual((code, out, err), (0, "AnswerIncomingCallPayload\n", ""))

    def push(self, wrap="none"):
        status, body = self.sb.json_request("POST", "/_sandbox/push/incoming", {"iotDeviceId": "dev_42", "wrap": wrap})
        self.assertEqual(status, 200)
        return json.dumps(body)

    def test_decode_push_one_payload(self):
        code, out, err = self.callctl("decode-push", "--jq", ".event, .device", input=self.push(),
                                      CALLCTL_PUSH_KEY="ab" * 32)
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out.splitlines()[0], "call.incoming")

    def test_decode_push_stream_filters_each_line_errors_included(self):
        lines = [self.push(), self.push("fcm-v1"), "not json", self.push("fcm-legacy")]
        code, out, err = self.callctl("decode-push", "--stream", "--jq", "[.line, .event][] | select(. != null)",
                                      input="\n".join(lines) + "\n", CALLCTL_PUSH_KEY="ab" * 32)
        self.assertEqual(code, 3, err)
        self.assertEqual(out, "call.incoming\ncall.incoming\n3\ncall.incoming\n")

    def test_encode_push_compact_payload_filtered(self):
        code, out, err = self.callctl("encode-push", "--type", "stop", "--device", "dev_7", "--jq", ".",
                                      CALLCTL_PUSH_KEY="ab" * 32)
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(json.loads(out), {"type": "Call.StopIncoming", "iotDeviceId": "dev_7"})


    def test_kaleyra_token_and_ndjson_of_one_document(self):
        env = {"CALLCTL_KALEYRA_URL": self.sb.http, "CALLCTL_KALEYRA_API_KEY": "ak_sandbox_callctl"}
        for output in ("json", "ndjson"):
            with self.subTest(output=output):
                code, out, err = self.callctl("kaleyra-token", "--user-id", "usr_123", "-o", output,
                                              "--jq", ".user_id, (.access_token | split(\".\") | length)", **env)
                self.assertEqual((code, out, err), (0, "usr_123\n3\n", ""))
        self.assertEqual([r["body"] for r in self.sb.requests()], ['{"user_id":"usr_123","expires_in":3600}'] * 2)


if __name__ == "__main__":
    unittest.main()
