"""Where callctl keeps config.json and credentials.json, and how it treats what it finds there (issue
19, class 12): with HOME unset nothing is written into the current directory (exit 3, nothing sent);
a relative XDG_CONFIG_HOME is ignored, as the XDG Base Directory spec says; a symlinked config.json or
credentials.json is written through to its target (the link stays); temp files a killed save left
(".credentials.json.XXXXXX", full tokens inside) go on the next save; a credentials.json its group or
others can read gets a warning."""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from harness import CALLCTL_BIN, SandboxTestCase, TempHome, check_sanitizer_report, clean_env  # noqa: E402
import subprocess  # noqa: E402

NO_HOME = ("callctl: error: nowhere to keep callctl's files: HOME is unset or not an absolute path, "
           "and so is XDG_CONFIG_HOME")


def run_in(cwd: Path, argv: list[str], env: dict, timeout: float = 30) -> tuple[int, str, str]:
    """callctl in `cwd` with exactly `env` (no HOME unless given)."""
    proc = subprocess.run([CALLCTL_BIN, *argv], cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=timeout)
    check_sanitizer_report(proc.stderr)
    return proc.returncode, proc.stdout, proc.stderr


class ConfigDirTest(SandboxTestCase):
    def setUp(self):
        super().setUp()
        self.tmp = tempfile.TemporaryDirectory(prefix="callctl-cwd-")
        self.addCleanup(self.tmp.cleanup)
        self.cwd = Path(self.tmp.name)
        base = clean_env()
        self.bare_env = {k: v for k, v in base.items() if k not in ("HOME", "XDG_CONFIG_HOME")}

    def assert_cwd_empty(self, what: str) -> None:
        self.assertEqual(sorted(p.name for p in self.cwd.iterdir()), [], f"{what}: nothing in the current directory")

    def test_home_unset_writes_nothing_anywhere_and_is_exit_3(self):
        for label, env in (("HOME unset", self.bare_env), ("HOME empty", {**self.bare_env, "HOME": ""}),
                           ("HOME relative", {**self.bare_env, "HOME": "."}),
                           ("both relative", {**self.bare_env, "HOME": "h", "XDG_CONFIG_HOME": "x"})):
            for argv in (["profile", "set", "rest_url", self.sb.http], ["profile", "use", "--create", "qa"],
                         ["--token-url", self.sb.http, "token", "create", "--scope", "virtual-number", "--save"]):
                with self.subTest(env=label, argv=argv):
                    self.sb.clear_requests()
                    rc, out, err = run_in(self.cwd, argv, env)
                    self.assertEqual((rc, out), (3, ""), err)
                    self.assertEqual(err.splitlines()[0], NO_HOME)
                    self.assertEqual(self.sb.requests(), [], "no token issued only to be lost")
                    self.assert_cwd_empty(label)
        # Commands that store nothing still work without a home.
        rc, out, err = run_in(self.cwd, ["--token-url", self.sb.http, "token", "create", "--scope", "virtual-number",
                                         "-o", "json"], self.bare_env)
        self.assertEqual(rc, 0, err)
        self.assertIn("access_token", json.loads(out))
        self.assert_cwd_empty("token create without --save")

    def test_a_relative_xdg_config_home_is_ignored(self):
        with TempHome() as home:
            env = {**self.bare_env, "HOME": str(home.path), "XDG_CONFIG_HOME": "relative"}
            rc, _, err = run_in(self.cwd, ["profile", "set", "rest_url", self.sb.http], env)
            self.assertEqual(rc, 0, err)
            self.assert_cwd_empty("relative XDG_CONFIG_HOME")
            config = json.loads((home.path / ".config" / "callctl" / "config.json").read_text())
            self.assertEqual(config["profiles"]["default"]["rest_url"], self.sb.http)
            rc, out, err = run_in(self.cwd, ["profile", "show", "-o", "json"], env)
            self.assertEqual(rc, 0, err)
            self.assertEqual(json.loads(out)["config_file"], str(home.path / ".config" / "callctl" / "config.json"))

    def test_symlinked_config_and_credentials_are_written_through(self):
        dotfiles = self.home.path / "dotfiles"
        dotfiles.mkdir()
        self.home.config_dir.mkdir(parents=True)
        (dotfiles / "config.json").write_text(json.dumps({"profiles": {"default": {"token_url": self.sb.http}}}))
        (dotfiles / "credentials.json").write_text("{}")
        (dotfiles / "credentials.json").chmod(0o600)
        (self.home.config_dir / "config.json").symlink_to("../../dotfiles/config.json")  # relative, as stow makes
        (self.home.config_dir / "credentials.json").symlink_to(dotfiles / "credentials.json")
        env = {**self.bare_env, **self.home.env()}
        for argv in (["profile", "set", "rest_url", self.sb.http],
                     ["token", "create", "--scope", "virtual-number", "--save"],
                     ["profile", "unset", "rest_url"]):
            rc, _, err = run_in(self.cwd, argv, env)
            self.assertEqual(rc, 0, f"{argv}: {err}")
        for name in ("config.json", "credentials.json"):
            self.assertTrue((self.home.config_dir / name).is_symlink(), f"{name} is still a link")
        config = json.loads((dotfiles / "config.json").read_text())
        self.assertEqual(config["profiles"]["default"], {"token_url": self.sb.http})
        stored = json.loads((dotfiles / "credentials.json").read_text())
        self.assertIn("access_token", stored["profiles"]["default"])
        self.assertEqual(stat.S_IMODE((dotfiles / "credentials.json").stat().st_mode), 0o600)
        leftovers = sorted(p.name for p in dotfiles.iterdir())
        self.assertEqual(leftovers, [".config.json.lock", ".credentials.json.lock", "config.json", "credentials.json"])

    def test_stale_temp_files_go_on_the_next_save(self):
        self.home.write_config({"profiles": {"default": {"token_url": self.sb.http}}})
        stale = [".credentials.json.Ab3dE9", ".credentials.json.zzzzzz", ".config.json.Q1w2E3"]
        kept = ["notes.txt", ".credentials.json.keep", ".credentials.json.bak123x"]
        for name in stale + kept:
            (self.home.config_dir / name).write_text('{"profiles": {"default": {"access_token": "leaked"}}}')
        env = {**self.bare_env, **self.home.env()}
        rc, _, err = run_in(self.cwd, ["token", "create", "--scope", "virtual-number", "--save"], env)
        self.assertEqual(rc, 0, err)
        rc, _, err = run_in(self.cwd, ["profile", "set", "rest_url", self.sb.http], env)
        self.assertEqual(rc, 0, err)
        names = sorted(p.name for p in self.home.config_dir.iterdir())
        for name in stale:
            self.assertNotIn(name, names)
        for name in kept:
            self.assertIn(name, names)

    def test_credentials_readable_by_others_get_a_warning(self):
        self.home.write_config({"profiles": {"default": {"token_url": self.sb.http}}})
        env = {**self.bare_env, **self.home.env()}
        rc, _, err = run_in(self.cwd, ["token", "create", "--scope", "virtual-number", "--save"], env)
        self.assertEqual((rc, err), (0, ""))
        path = self.home.config_dir / "credentials.json"
        for mode, who in ((0o644, "others"), (0o640, "its group"), (0o604, "others")):
            with self.subTest(mode=oct(mode)):
                path.chmod(mode)
                rc, out, err = run_in(self.cwd, ["token", "show", "-o", "json"], env)
                self.assertEqual(rc, 0, err)
                self.assertEqual(err.splitlines(), [f"callctl: warning: {path} can be read by {who} (mode {mode:04o}): "
                                                    f"it holds tokens; `chmod 600 {path}`"])
        path.chmod(0o600)
        rc, _, err = run_in(self.cwd, ["token", "show", "-o", "json"], env)
        self.assertEqual((rc, err), (0, ""))


if __name__ == "__main__":
    unittest.main()
