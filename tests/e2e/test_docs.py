"""Docs and completions stay in step with the binary.

The binary's own model (`callctl __cli-model`) is the truth: every subcommand and long option must
appear in the man page and the README's command table must name every top-level command; the
completion scripts in completions/ must equal what `callctl completion SHELL` prints; and the
completions must work in real shells (bash via the completion function, zsh with compadd captured,
fish via `complete -C`).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from harness import CALLCTL_BIN, SOURCE_DIR, TempHome, assert_man_page_lint_clean, run_callctl  # noqa: E402

MAN_PAGE = SOURCE_DIR / "man" / "callctl.1"
COMPLETIONS = SOURCE_DIR / "completions"
SHELL_FILES = {"bash": "callctl.bash", "zsh": "_callctl", "fish": "callctl.fish"}


def cli_model() -> list[dict]:
    rc, out, err = run_callctl(["__cli-model"])
    assert rc == 0, err
    return json.loads(out)


def man_text() -> str:
    # roff escapes dashes as \-; compare in plain text.
    return MAN_PAGE.read_text().replace("\\-", "-").replace("\\&", "")


class DocsTest(unittest.TestCase):
    def test_man_page_names_every_subcommand_and_long_option(self):
        text = man_text()
        missing = []
        for command in cli_model():
            for word in command["path"].split():
                if not re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text):
                    missing.append(f"command {command['path']!r}")
            for option in command["options"]:
                for name in option["names"]:
                    if name.startswith("--") and name != "--help" and name not in text:
                        missing.append(f"{command['path'] or 'callctl'} {name}")
                for choice in option["choices"]:
                    if choice not in text:
                        missing.append(f"{command['path']} {option['names'][-1]} value {choice}")
        self.assertEqual(sorted(set(missing)), [], "the man page lacks these")

    def test_man_page_lists_every_exit_code(self):
        text = man_text()
        section = text[text.index(".SH EXIT STATUS"):text.index(".SH ENVIRONMENT")]
        for code in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 130, 141, 143):
            self.assertIn(f".B {code}\n", section)

    def test_man_page_is_lint_clean(self):
        assert_man_page_lint_clean(self, MAN_PAGE)

    def test_readme_table_names_every_top_level_command(self):
        readme = (SOURCE_DIR / "README.md").read_text()
        root = next(c for c in cli_model() if c["path"] == "")
        for name in root["subcommands"]:
            self.assertIn(f"`{name}", readme, f"README lacks {name}")

    def test_completion_files_match_the_binary(self):
        for shell, filename in SHELL_FILES.items():
            rc, out, err = run_callctl(["completion", shell])
            self.assertEqual(rc, 0, err)
            committed = (COMPLETIONS / filename).read_text()
            self.assertEqual(committed, out, f"completions/{filename} is stale: run scripts/gen-completions")


class CompletionTest(unittest.TestCase):
    """The scripts as shells run them, with `callctl` on PATH."""

    @classmethod
    def setUpClass(cls):
        cls.home = TempHome()
        cls.bin_dir = Path(tempfile.mkdtemp(prefix="callctl-bin-"))
        (cls.bin_dir / "callctl").symlink_to(Path(CALLCTL_BIN).resolve())
        # A profile, so that --profile completes to something.
        rc, _, err = run_callctl(["--profile", "staging", "profile", "set", "token_url", "http://x"], home=cls.home)
        assert rc == 0, err
        cls.env = {**os.environ, **cls.home.env(), "PATH": f"{cls.bin_dir}:{os.environ['PATH']}"}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.bin_dir, ignore_errors=True)
        cls.home.cleanup()

    def bash(self, line: str) -> list[str]:
        words = line.split(" ")
        script = (f"source {COMPLETIONS / SHELL_FILES['bash']}\n"
                  f"COMP_WORDS=({' '.join(repr(w) if w else repr('') for w in words)})\n"
                  f"COMP_CWORD={len(words) - 1}\n_callctl\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n")
        done = subprocess.run(["bash", "--norc", "-c", script], capture_output=True, text=True, timeout=30,
                              env=self.env)
        self.assertEqual(done.returncode, 0, done.stderr)
        return [w for w in done.stdout.splitlines() if w]

    def zsh(self, line: str) -> list[str]:
        # compadd is zsh's completion builtin; outside the completion system we capture its words.
        words = line.split(" ")
        # Like the real compadd, keep only the words that start with the word being completed ($PREFIX).
        script = ("compadd() { while [[ $1 == -* && $1 != -- ]]; do shift; done; [[ $1 == -- ]] && shift; "
                  "local w; for w in \"$@\"; do [[ $w == ${PREFIX}* ]] && print -- $w; done; }\n"
                  "_files() { print -- '<files>'; }\n"
                  f"source {COMPLETIONS / SHELL_FILES['zsh']}\n"
                  f"words=({' '.join(repr(w) for w in words)})\nCURRENT={len(words)}\nPREFIX={words[-1]!r}\n_callctl; true\n")
        done = subprocess.run(["zsh", "-f", "-c", script], capture_output=True, text=True, timeout=30, env=self.env)
        self.assertEqual(done.returncode, 0, done.stderr)
        return [w for w in done.stdout.splitlines() if w]

    def fish(self, line: str) -> list[str]:
        script = f"source {COMPLETIONS / SHELL_FILES['fish']}; complete -C{line!r}"
        done = subprocess.run(["fish", "--no-config", "-c", script], capture_output=True, text=True, timeout=30,
                              env=self.env)
        self.assertEqual(done.returncode, 0, done.stderr)
        return [w.split("\t")[0] for w in done.stdout.splitlines() if w]

    def shells(self):
        for shell in ("bash", "zsh", "fish"):
            if shutil.which(shell) is None:
                self.skipTest(f"{shell} is not installed (scripts/bootstrap --test installs it)")
        return {"bash": self.bash, "zsh": self.zsh, "fish": self.fish}

    def test_subcommand_prefix(self):
        for shell, complete in self.shells().items():
            with self.subTest(shell=shell):
                self.assertEqual(complete("callctl cr"), ["create-call"])

    def test_wait_for_states(self):
        for shell, complete in self.shells().items():
            with self.subTest(shell=shell):
                self.assertEqual(sorted(complete("callctl call-log --wait-for ")), ["ended", "planned", "started"])

    def test_decode_push_vendors(self):
        for shell, complete in self.shells().items():
            with self.subTest(shell=shell):
                self.assertEqual(sorted(complete("callctl decode-push --vendor ")),
                                 ["auto", "intercom", "kaleyra", "webex"])

    def test_nested_subcommands_after_global_options(self):
        for shell, complete in self.shells().items():
            with self.subTest(shell=shell):
                self.assertEqual(complete("callctl -o json token re"), ["refresh", "revoke"])

    def test_enum_option_of_a_nested_command(self):
        for shell, complete in self.shells().items():
            with self.subTest(shell=shell):
                self.assertEqual(sorted(complete("callctl token create --scope ")),
                                 ["account-id", "e911", "mobile-number", "virtual-number"])

    def test_profile_names_are_asked_at_tab_time(self):
        for shell, complete in self.shells().items():
            with self.subTest(shell=shell):
                self.assertEqual(complete("callctl --profile st"), ["staging"])

    def test_options_of_a_command(self):
        for shell, complete in self.shells().items():
            with self.subTest(shell=shell):
                found = complete("callctl create-call --inv")
                self.assertIn("--invite", found)
                self.assertIn("--invite-file", found)


if __name__ == "__main__":
    unittest.main()
