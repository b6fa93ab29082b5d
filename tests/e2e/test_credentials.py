"""The credential store shared by several processes and on a full disk: 8 concurrent `token create
--save` into 8 profiles of one store all land; 8 into one profile leave one whole, valid file; a write
the disk refuses (`ulimit -f`) is exit 12 with the old file intact and no temp file left."""

from __future__ import annotations

import json
import os
import resource
import signal
import stat
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CALLCTL_BIN, SandboxTestCase, check_sanitizer_report, clean_env, run_callctl  # noqa: E402

PROCESSES = 8


class CredentialStoreTest(SandboxTestCase):
    def setUp(self):
        super().setUp()
        self.home.write_config({"profiles": {f"p{i}": {"token_url": self.sb.http} for i in range(PROCESSES)}})
        self.path = self.home.config_dir / "credentials.json"

    def start_all(self, profiles: list[str]) -> list[tuple[int, str, str]]:
        procs = [subprocess.Popen([CALLCTL_BIN, "--profile", profile, "token", "create", "--scope", "virtual-number",
                                   "--save", "-o", "json", "--reveal"],
                                  env=clean_env(self.home), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for profile in profiles]
        results = []
        for proc in procs:
            out, err = proc.communicate(timeout=60)
            check_sanitizer_report(err)
            results.append((proc.returncode, out, err))
        return results

    def assert_only_the_store(self):
        # The lock file stays (removing it would let two processes lock two files), empty and private.
        self.assertEqual(sorted(p.name for p in self.home.config_dir.iterdir()),
                         [".credentials.json.lock", "config.json", "credentials.json"])
        lock = self.home.config_dir / ".credentials.json.lock"
        self.assertEqual((lock.stat().st_size, stat.S_IMODE(lock.stat().st_mode)), (0, 0o600))
        self.assertEqual(stat.S_IMODE(self.path.stat().st_mode), 0o600)

    def test_8_processes_into_8_profiles_all_land(self):
        profiles = [f"p{i}" for i in range(PROCESSES)]
        results = self.start_all(profiles)
        for code, _, err in results:
            self.assertEqual(code, 0, err)
        stored = json.loads(self.path.read_text())["profiles"]
        self.assertEqual(sorted(stored), profiles, "no save lost another's")
        for profile, (_, out, _) in zip(profiles, results):
            self.assertEqual(stored[profile]["access_token"], json.loads(out)["access_token"])
        self.assert_only_the_store()

    def test_8_processes_into_one_profile_leave_one_whole_file(self):
        results = self.start_all(["p0"] * PROCESSES)
        for code, _, err in results:
            self.assertEqual(code, 0, err)
        stored = json.loads(self.path.read_text())["profiles"]  # valid JSON, whole
        self.assertEqual(list(stored), ["p0"])
        issued = {json.loads(out)["access_token"] for _, out, _ in results}
        self.assertEqual(len(issued), PROCESSES)
        self.assertIn(stored["p0"]["access_token"], issued, "the last writer's token, complete")
        self.assert_only_the_store()
        rc, out, err = run_callctl(["--profile", "p0", "token", "show", "-o", "json"], home=self.home)
        self.assertEqual(rc, 0, err)

    def test_a_full_disk_keeps_the_old_file_and_exits_12(self):
        rc, _, err = run_callctl(["--profile", "p0", "token", "create", "--scope", "virtual-number", "--save"],
                                 home=self.home)
        self.assertEqual(rc, 0, err)
        before = self.path.read_bytes()
        limit = 512  # bytes: smaller than any stored token
        self.assertGreater(len(before), limit)

        def small_files():
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
            # Python ignores SIGXFSZ in its children's parent, not for them: leave it at its default, so
            # that it is callctl that must ignore it (else the kernel kills it and no error line appears).
            signal.signal(signal.SIGXFSZ, signal.SIG_DFL)

        proc = subprocess.run([CALLCTL_BIN, "--profile", "p1", "token", "create", "--scope", "virtual-number", "--save"],
                              env=clean_env(self.home), stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              timeout=60, preexec_fn=small_files)
        check_sanitizer_report(proc.stderr)
        self.assertEqual(proc.returncode, 12, proc.stderr)
        self.assertEqual(proc.stdout, "")
        lines = proc.stderr.splitlines()
        self.assertEqual(len(lines), 1, proc.stderr)
        self.assertTrue(lines[0].startswith(f"callctl: error: cannot write {self.path}"), proc.stderr)
        self.assertIn("File too large", lines[0])
        self.assertEqual(self.path.read_bytes(), before, "the old file, untouched")
        self.assert_only_the_store()


if __name__ == "__main__":
    unittest.main()
