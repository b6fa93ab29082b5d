"""Several callctl processes changing one config directory at once (issue 19, class 3), counted in
rounds: each round starts its processes together and checks that every entry each one wrote is there
afterwards, and that no profile was left with a refresh token the sandbox already spent.

- 4 profiles saving tokens at once (`token create --save`), 100 rounds;
- 4 `profile set` into 4 profiles of one config.json at once, 30 rounds;
- refresh vs save, 20 rounds: two commands find profile a's stored token expired and refresh it while
  two others save tokens into profiles b and c. The sandbox rotates refresh tokens (a used one is
  "unknown, used or revoked"), so the refresh must happen once, under the store's lock, and the second
  command must use the pair the first stored instead of spending the old refresh token again.

Each test prints its count ("rounds that kept every entry: N/M") to stderr before asserting, so the
same file measures any binary: CALLCTL_BIN=/path/to/old/callctl python3 test_store_concurrency.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CALLCTL_BIN, UNDER_SANITIZER, SandboxTestCase, TempHome, check_sanitizer_report, clean_env  # noqa: E402

# A quarter of the rounds under ASan (all of them took 92 s of CI's sanitizer stage, the last test
# to finish): the counts that measure the store are the release build's; the sanitizer run looks
# for memory errors, which a few rounds find as well as many.
_SHARE = 4 if UNDER_SANITIZER else 1
SAVE_ROUNDS = int(os.environ.get("CALLCTL_SAVE_ROUNDS", str(100 // _SHARE)))
PROFILE_SET_ROUNDS = int(os.environ.get("CALLCTL_PROFILE_SET_ROUNDS", str(30 // _SHARE)))
REFRESH_ROUNDS = int(os.environ.get("CALLCTL_REFRESH_ROUNDS", str(20 // _SHARE)))
AT_ONCE = 4
PROCESS_TIMEOUT = 60  # seconds, per process


def run_together(home: TempHome, argvs: list[list[str]]) -> list[tuple[int, str, str]]:
    """Starts every command before waiting for any; returns (returncode, stdout, stderr) of each."""
    procs = [subprocess.Popen([CALLCTL_BIN, *argv], env=clean_env(home), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for argv in argvs]
    results = []
    for proc in procs:
        try:
            out, err = proc.communicate(timeout=PROCESS_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate(timeout=10)
        check_sanitizer_report(err)
        results.append((proc.returncode, out, err))
    return results


def count_rounds(test: unittest.TestCase, what: str, rounds: int, one_round) -> None:
    """Runs `one_round(round_, home)` in a fresh home `rounds` times; it returns None when every entry
    was kept, else what went wrong. Prints the count, then asserts that every round kept everything."""
    failures = []
    for round_ in range(rounds):
        with TempHome() as home:
            problem = one_round(round_, home)
        if problem is not None:
            failures.append(f"round {round_}: {problem}")
    sys.stderr.write(f"\n{what}: rounds that kept every entry: {rounds - len(failures)}/{rounds}\n")
    for failure in failures[:3]:
        sys.stderr.write(f"  e.g. {failure}\n")
    test.assertEqual(failures, [], f"{len(failures)} of {rounds} rounds lost something")


class StoreConcurrencyTest(SandboxTestCase):
    def test_4_profiles_saving_tokens_at_once_lose_nothing(self):
        profiles = [f"p{i}" for i in range(AT_ONCE)]

        def one_round(round_, home):
            home.write_config({"profiles": {p: {"token_url": self.sb.http} for p in profiles}})
            results = run_together(home, [["--profile", p, "token", "create", "--scope", "virtual-number",
                                            "--save", "-o", "json", "--reveal"] for p in profiles])
            issued = {p: json.loads(out)["access_token"] for p, (rc, out, _) in zip(profiles, results) if rc == 0}
            path = home.config_dir / "credentials.json"
            stored = json.loads(path.read_text())["profiles"] if path.exists() else {}
            got = {p: stored.get(p, {}).get("access_token") for p in profiles}
            if len(issued) == AT_ONCE and got == issued:
                return None
            return f"exits {[r[0] for r in results]}, stored {sorted(p for p in got if got[p])} of {profiles}"

        count_rounds(self, "4 profiles saving tokens at once", SAVE_ROUNDS, one_round)

    def test_4_profile_sets_at_once_lose_nothing(self):
        profiles = [f"q{i}" for i in range(AT_ONCE)]

        def one_round(round_, home):
            home.write_config({"current_profile": "q0", "profiles": {}})
            results = run_together(home, [["--profile", p, "profile", "set", "rest_url", f"http://127.0.0.1:1/{p}"]
                                          for p in profiles])
            config = json.loads((home.config_dir / "config.json").read_text())
            got = {p: config["profiles"].get(p, {}).get("rest_url") for p in profiles}
            want = {p: f"http://127.0.0.1:1/{p}" for p in profiles}
            if all(rc == 0 for rc, _, _ in results) and got == want and config.get("current_profile") == "q0":
                return None
            return f"exits {[r[0] for r in results]}, kept {sorted(p for p in got if got[p])} of {profiles}"

        count_rounds(self, "4 profile sets at once", PROFILE_SET_ROUNDS, one_round)

    def refreshes_of(self, refresh_token: str) -> int:
        return sum(1 for r in self.sb.requests()
                   if r["path"] == "/tokens" and r["method"] == "POST" and refresh_token in json.dumps(r.get("body")))

    def test_refresh_vs_save_refreshes_once_and_leaves_every_profile_alive(self):
        call_id = self.sb.admin("POST", "/_sandbox/calls", {"count": 1, "frozen": True})["callIds"][0]

        def one_round(round_, home):
            url = self.sb.http
            home.write_config({"profiles": {p: {"token_url": url, "rest_url": url} for p in "abc"}})
            issued = self.sb.token()
            now = int(time.time())
            path = home.config_dir / "credentials.json"
            path.write_text(json.dumps({"profiles": {"a": {
                "access_token": issued["access_token"], "refresh_token": issued["refresh_token"],
                "scope": "VIRTUAL_NUMBER", "token_type": "bearer", "obtained_at": now - 3600,
                "expires_at": now - 60, "token_url": url}}}))
            path.chmod(0o600)
            self.sb.clear_requests()
            results = run_together(home, [
                ["--profile", "a", "call-log", call_id, "-o", "json"],
                ["--profile", "b", "token", "create", "--scope", "virtual-number", "--save"],
                ["--profile", "a", "call-log", call_id, "-o", "json"],
                ["--profile", "c", "token", "create", "--scope", "virtual-number", "--save"],
            ])
            spent = self.refreshes_of(issued["refresh_token"])
            stored = json.loads(path.read_text())["profiles"]
            # Alive: the refresh token profile a holds now is one the sandbox still takes.
            rc, _, err = run_together(home, [["--profile", "a", "token", "refresh"]])[0]
            problems = []
            if [r[0] for r in results] != [0, 0, 0, 0]:
                problems.append(f"exits {[r[0] for r in results]}: {[r[2].strip() for r in results if r[0] != 0][:1]}")
            if sorted(stored) != ["a", "b", "c"]:
                problems.append(f"stored profiles {sorted(stored)}")
            if spent != 1:
                problems.append(f"the old refresh token sent {spent} times")
            if rc != 0:
                problems.append(f"profile a dead: {err.strip()}")
            return "; ".join(problems) if problems else None

        count_rounds(self, "refresh vs save", REFRESH_ROUNDS, one_round)


if __name__ == "__main__":
    unittest.main()
