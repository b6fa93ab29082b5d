"""decode-push --stream, byte for byte and under hostile input.

Golden: data/push_stream_corpus.ndjson (written by gen_push_stream_corpus.py, the same bytes each time)
decoded by release 0.1's binary, before the stream had a fast path, gave data/push_stream_golden.ndjson
and .stderr; today's binary must print exactly those bytes and that exit code. The corpus mixes the
lines the fast path takes with every shape it must leave to the general path, so a drift on either
side shows here. To regenerate after an intended change of output, run the generator, then the old
binary (`git stash`; build; run the command in test_matches_golden), and say why in the commit.

Hostile (callctl(1), decode-push): JSON nested 100,000 deep as a payload, inside an encrypted field and
inside the audio JWT, as a --stream line; a --stream line of 40 MiB; each becomes an error (exit 3
for input) or a warning, never a crash, and in --stream the lines after it are still decoded, with
memory bounded by the line limit, not by the line.
"""

import base64
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import UNDER_SANITIZER, CALLCTL_BIN, check_sanitizer_report, clean_env, run_callctl  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
KEY_HEX = "".join(f"{n:02x}" for n in range(32))  # gen_push_stream_corpus.py's key
DEEP = 100_000


def seal(plaintext: bytes, key_hex: str = KEY_HEX) -> str:
    iv = hashlib.sha256(plaintext[:64]).digest()[:16]
    sealed = subprocess.run(["openssl", "enc", "-aes-256-cbc", "-K", key_hex, "-iv", iv.hex()], input=plaintext,
                            capture_output=True, check=True, timeout=30).stdout
    return base64.b64encode(iv + sealed).decode()


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class PushStreamTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.key_file = Path(self._tmp.name) / "push.key"
        self.key_file.write_text(KEY_HEX + "\n")
        self.video = '{"url":"https://intercom.example/v","username":"door","password":"pw"}'
        self.good = ('{"type":"Call.Incoming","iotDeviceId":"dev_1","callId":"c1","video":"' +
                     seal(self.video.encode()) + '"}')

    def tearDown(self):
        self._tmp.cleanup()

    def decode(self, *args, input: bytes):
        return run_callctl(["decode-push", *args, "--key-file", str(self.key_file)], input=input, timeout=120)

    def test_matches_golden(self):
        corpus = (DATA / "push_stream_corpus.ndjson").read_bytes()
        proc = subprocess.run([CALLCTL_BIN, "decode-push", "--stream", "--key-file", str(self.key_file)],
                              input=corpus, capture_output=True, env=clean_env(), timeout=60)
        check_sanitizer_report(proc.stderr.decode(errors="replace"))
        expected = (DATA / "push_stream_golden.ndjson").read_bytes()
        got, want = proc.stdout.split(b"\n"), expected.split(b"\n")
        for number, (ours, golden) in enumerate(zip(got, want), 1):
            self.assertEqual(ours, golden, f"output line {number} differs")
        self.assertEqual(len(got), len(want))
        self.assertEqual(proc.stderr, (DATA / "push_stream_golden.stderr").read_bytes())
        self.assertEqual(proc.returncode, 3)  # the worst seen: bad input ranks above a wrong key

    def deep_payloads(self):
        arrays = "[" * DEEP + "]" * DEEP
        objects = '{"a":' * DEEP + "1" + "}" * DEEP
        yield "arrays", arrays
        yield "objects", objects
        yield "a member", '{"type":"Call.StopIncoming","iotDeviceId":"d","x":' + arrays + "}"
        yield "wrapped", '{"message":{"data":' + objects + "}}"
        yield "embedded text", '{"message":{"data":{"k":' + json.dumps(arrays) + "}}}"

    def test_deep_payload_is_bad_input(self):
        for name, payload in self.deep_payloads():
            with self.subTest(name):
                code, out, err = self.decode(input=payload.encode())
                self.assertEqual(code, 3, err)
                self.assertEqual(out, "")
                self.assertEqual(len(err.splitlines()), 1, err)
                self.assertTrue(err.startswith("callctl: error: "), err)

    def test_deep_encrypted_field_is_bad_input(self):
        for name, plaintext in (("arrays", "[" * DEEP + "]" * DEEP), ("objects", '{"a":' * DEEP + "1" + "}" * DEEP)):
            with self.subTest(name):
                push = '{"type":"Call.Incoming","iotDeviceId":"d","video":"' + seal(plaintext.encode()) + '"}'
                code, out, err = self.decode(input=push.encode())
                self.assertEqual((code, out), (3, ""), err)
                self.assertEqual(err, "callctl: error: video decrypts to JSON nested deeper than 256 levels\n")

    def test_deep_jwt_is_a_warning(self):
        for name, claims in (("arrays", '{"a":' + "[" * DEEP + "]" * DEEP + "}"),
                             ("objects", '{"a":' * DEEP + "1" + "}" * DEEP)):
            with self.subTest(name):
                token = b64url(b'{"alg":"HS256"}') + "." + b64url(claims.encode()) + ".c2ln"
                audio = '{"roomName":"r","jsonWebToken":"' + token + '"}'
                push = '{"type":"Call.Incoming","iotDeviceId":"d","audio":"' + seal(audio.encode()) + '"}'
                for args in ((), ("--stream",)):
                    code, out, err = self.decode(*args, input=push.encode())
                    self.assertEqual(code, 0, err)
                    self.assertEqual(json.loads(out)["audio"], json.loads(audio))
                    self.assertIn("audio.jsonWebToken is not a decodable JWT", err)

    def test_stream_goes_on_after_deep_lines(self):
        lines = [self.good]
        for _, payload in self.deep_payloads():
            lines += [payload, self.good]
        code, out, err = self.decode("--stream", input=("\n".join(lines) + "\n").encode())
        self.assertEqual(code, 3, err)
        results = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(len(results), len(lines))
        for number, result in enumerate(results, 1):
            if number % 2:
                self.assertEqual(result["video"], json.loads(self.video), number)
            else:
                self.assertEqual(result["exit_code"], 3, result)
                self.assertEqual(result["line"], number)

    def run_for_peak_rss(self, args, chunks):
        """Runs callctl with `chunks` piped to its stdin as they are made; (exit code, stdout, peak RSS in KiB)."""
        probe = ("import resource, subprocess, sys\n"
                 "r = subprocess.run(sys.argv[1:], stdin=sys.stdin, stdout=subprocess.PIPE)\n"
                 "sys.stderr.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) + '\\n')\n"
                 "sys.stdout.buffer.write(r.stdout); sys.exit(r.returncode)\n")
        proc = subprocess.Popen([sys.executable, "-c", probe, CALLCTL_BIN, *args], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
        try:
            for chunk in chunks:
                proc.stdin.write(chunk)
            proc.stdin.close()
            out = proc.stdout.read()
            err = proc.stderr.read().decode()
            proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            proc.stderr.close()
        return proc.returncode, out.decode(), int(err.strip().splitlines()[-1])

    def test_stream_long_lines_become_error_objects(self):
        mib = b"x" * (1 << 20)
        good = self.good.encode() + b"\n"

        def chunks(sizes_mib):
            yield good
            for size in sizes_mib:
                for _ in range(size):
                    yield mib
                yield b"\n" + good
            yield good.rstrip(b"\n")  # the last line without its newline

        # 40 MiB, exactly 16 MiB (allowed, but not JSON), 17 MiB and a long
        # last line; every good line between them is still decoded.
        code, out, rss_kib = self.run_for_peak_rss(["decode-push", "--stream", "--key-file", str(self.key_file)],
                                                   chunks([40, 16, 17]))
        self.assertEqual(code, 3)
        results = [json.loads(line) for line in out.splitlines()]
        self.assertEqual([r.get("line") for r in results], [None, 2, None, 4, None, 6, None, None])
        self.assertEqual(results[1], {"error": "line is longer than 16 MiB", "exit_code": 3, "line": 2})
        self.assertTrue(results[3]["error"].startswith("push payload is not JSON"), results[3])
        self.assertEqual(results[5]["error"], "line is longer than 16 MiB")
        for good_result in (results[0], results[2], results[4], results[6], results[7]):
            self.assertEqual(good_result["video"], json.loads(self.video))
        # Bounded by the line limit (a 16 MiB line read in a buffer that
        # doubles), not by the 40 MiB line.
        if not UNDER_SANITIZER:
            self.assertLess(rss_kib, 80 * 1024)

        code, out, _ = self.run_for_peak_rss(["decode-push", "--stream", "--key-file", str(self.key_file)],
                                             iter([good, mib * 20]))
        self.assertEqual(code, 3)
        self.assertEqual([json.loads(line).get("line") for line in out.splitlines()], [None, 2])


if __name__ == "__main__":
    unittest.main()
