"""callctl-sandbox(1) stays in step with the sandbox.

The truth is the sandbox itself: its options are what `callctl-sandbox --help` lists (the usage line
spells every flag out), its routes are the paths its sources register with the router
(tests/sandbox/**: `router.route(...)` and `router.admin(...)`) plus the one the APNs backend's HTTP/2
server answers (backends/apns.cpp), its fault keys are what `GET /_sandbox/faults` describes, its
per-device fault keys the ones `POST /_sandbox/device-faults` names when it refuses an unknown one. Each must appear in man/callctl-sandbox.1, and everything the page
names must exist: a flag in SYNOPSIS or OPTIONS that --help lacks, or an admin route no source
registers, fails too.
"""

import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import SANDBOX_BIN, SOURCE_DIR, Sandbox, assert_man_page_lint_clean  # noqa: E402

MAN_PAGE = SOURCE_DIR / "man" / "callctl-sandbox.1"
SANDBOX_SOURCES = SOURCE_DIR / "tests" / "sandbox"

# Font macros whose arguments roff sets without spaces (alternating fonts) or with them.
JOINED_MACROS = {".BR", ".BI", ".RB", ".RI", ".IR", ".IB"}
SPACED_MACROS = {".B", ".I"}
# [--name METAVAR] or [--name], then "..." when repeatable.
USAGE_WORD = re.compile(r"\[(--[a-z][a-z0-9-]*)(?: ([^\]\s]+))?\](\.\.\.)?")
# router.route({"POST"}, exact("/graphql"), ...) / router_.admin({}, prefix("/_sandbox/calls/"), ...)
REGISTRATION = re.compile(r"\brouter_?\.(route|admin)\(\s*\{[^}]*\},\s*(exact|prefix)\(\"([^\"]+)\"\)")
# router.route({"GET"}, exact(std::string(collection)), ...) / prefix(std::string(collection) + "/"), where
# the file has `constexpr std::string_view collection = "/v1/webhooks";`
NAMED_REGISTRATION = re.compile(r"\brouter_?\.(route|admin)\(\s*\{[^}]*\},\s*(exact|prefix)\(std::string\((\w+)\)"
                                r"(?:\s*\+\s*\"([^\"]*)\")?\)")
PATH_CONSTANT = re.compile(r"constexpr std::string_view (\w+) = \"(/[^\"]*)\";")
ANY_REGISTRATION = re.compile(r"\brouter_?\.(?:route|admin)\(")
# APNs is served by its own HTTP/2 server, not the router: ApnsBackend::answer refuses other methods,
# then other paths than its prefix.
APNS_ROUTE = re.compile(r'request\.method != "([A-Z]+)"\) return refuse\("MethodNotAllowed"\);\s*'
                        r'constexpr std::string_view prefix = "(/[^"]+)";')


def roff_arguments(text: str) -> list[str]:
    """A macro's arguments as roff splits them: on spaces, "double quotes" group, "" inside is a quote."""
    words, word, quoted, i = [], "", False, 0
    while i < len(text):
        c = text[i]
        if quoted and c == '"' and text[i + 1:i + 2] == '"':
            word += '"'
            i += 1
        elif c == '"' and (quoted or not word):
            quoted = not quoted
            if not quoted:
                words.append(word)
                word = ""
        elif c == " " and not quoted:
            if word:
                words.append(word)
            word = ""
        else:
            word += c
        i += 1
    if word:
        words.append(word)
    return words


def roff_to_text(source: str) -> str:
    """The page as words, one roff line per line: font macros applied, escapes undone, comments gone."""
    lines = []
    for line in source.splitlines():
        if line.startswith('.\\"'):
            continue
        macro, _, rest = line.partition(" ")
        if macro in JOINED_MACROS or macro in SPACED_MACROS:
            words = roff_arguments(rest)
            line = ("" if macro in JOINED_MACROS else " ").join(words)
        lines.append(line)
    text = "\n".join(lines)
    for escape, plain in (("\\-", "-"), ("\\(dq", '"'), ("\\e", "\\"), ("\\&", ""), ("\\ ", " "),
                          ("\\fI", ""), ("\\fR", ""), ("\\fB", "")):
        text = text.replace(escape, plain)
    return text


def sections(source: str) -> dict[str, str]:
    """Each .SH section's text by name."""
    found = {}
    for chunk in re.split(r"^\.SH ", source, flags=re.MULTILINE)[1:]:
        name, _, body = chunk.partition("\n")
        found[name.strip().strip('"')] = roff_to_text(body)
    return found


def help_text() -> str:
    done = subprocess.run([SANDBOX_BIN, "--help"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def usage_words(text: str) -> list[tuple[str, str, bool]]:
    return [(name, metavar or "", bool(repeat)) for name, metavar, repeat in USAGE_WORD.findall(text)]


def registered_routes() -> dict[str, set[tuple[str, bool]]]:
    """{"route"|"admin": {(path, is_prefix)}} from the sandbox's sources."""
    routes: dict[str, set[tuple[str, bool]]] = {"route": set(), "admin": set()}
    for source in sorted(SANDBOX_SOURCES.rglob("*.cpp")):
        text = source.read_text()
        found = REGISTRATION.findall(text)
        constants = dict(PATH_CONSTANT.findall(text))
        for kind, pattern, name, suffix in NAMED_REGISTRATION.findall(text):
            assert name in constants, f"{source.name}: route path {name} is not a constant this test can read"
            found.append((kind, pattern, constants[name] + suffix))
        # Every registration is read, or this test says so (rather than silently skip a route).
        assert len(found) == len(ANY_REGISTRATION.findall(text)), f"{source.name}: a route registration this test cannot read"
        for kind, pattern, path in found:
            routes[kind].add((path, pattern == "prefix"))
    apns = APNS_ROUTE.findall((SANDBOX_SOURCES / "backends" / "apns.cpp").read_text())
    assert len(apns) == 1, "the APNs route is no longer where this test looks for it (backends/apns.cpp)"
    routes["route"].add((apns[0][1], True))
    return routes


def documented_paths(text: str, root: str) -> set[str]:
    """Every path the text names under `root`, as far as it goes (query strings cut off)."""
    return {m.rstrip(".,;:)") for m in re.findall(rf"(?<![\w/]){re.escape(root)}[A-Za-z0-9_./-]*", text)}


class SandboxManPageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.source = MAN_PAGE.read_text()
        cls.sections = sections(cls.source)
        cls.help = help_text()

    def test_synopsis_is_what_help_says(self):
        usage = self.help[self.help.index("Usage: "):]
        usage = usage[:usage.index("\n\n")]
        self.assertTrue(usage.startswith("Usage: callctl-sandbox "), usage)
        self.assertIn("callctl-sandbox --help", usage)
        from_help = usage_words(usage)
        self.assertGreater(len(from_help), 10, usage)
        self.assertEqual(usage_words(self.sections["SYNOPSIS"].replace("\n", " ")), from_help,
                         "SYNOPSIS and `callctl-sandbox --help` disagree (same flags, same order, same metavars)")

    def test_options_section_describes_every_flag_and_no_other(self):
        options = self.source.split(".SH OPTIONS")[1].split("\n.SH ")[0]
        documented = re.findall(r'^\.TP\n\.(?:BI|B|BR) (?:\\-h ", " )?\\-\\-([a-z][a-z0-9-]*)', options, flags=re.MULTILINE)
        from_help = [name[2:] for name, _, _ in usage_words(self.help)] + ["help"]
        self.assertEqual(sorted(documented), sorted(from_help))
        # CLI11's own list of options (after the usage line) names the same flags.
        listed = set(re.findall(r"^\s+(?:-h,)?(--[a-z][a-z0-9-]*)", self.help, flags=re.MULTILINE))
        self.assertEqual(sorted(listed), sorted("--" + name for name in from_help))

    def test_every_backend_route_is_documented_and_no_other(self):
        text = self.sections["BACKENDS"]
        routes = registered_routes()["route"]
        self.assertGreater(len(routes), 8)
        for path, is_prefix in sorted(routes):
            tail = "" if is_prefix else r"(?![\w/-])"  # a prefix route is named with what follows it
            self.assertTrue(re.search(rf"\b(GET|POST|DELETE|PUT|PATCH) {re.escape(path)}{tail}", text),
                            f"BACKENDS lacks {path}")
        exact = {path for path, is_prefix in routes if not is_prefix}
        prefixes = [path for path, is_prefix in routes if is_prefix]
        documented = {path.split("?")[0] for path in re.findall(r"\b(?:GET|POST|DELETE|PUT|PATCH) (/[^\s,]+)", text)}
        unknown = [path for path in documented
                   if path not in exact and not any(path.startswith(p) for p in prefixes)]
        self.assertEqual(sorted(unknown), [], "BACKENDS names routes the sandbox does not serve")

    def test_every_admin_route_is_documented_and_no_other(self):
        text = self.sections["ADMIN ROUTES"]
        admin = registered_routes()["admin"]
        self.assertGreater(len(admin), 10)
        for path, is_prefix in sorted(admin):
            tail = "" if is_prefix else r"(?![\w/-])"
            self.assertTrue(re.search(rf"(GET|POST|DELETE)[\w ,]* {re.escape(path)}{tail}", text),
                            f"ADMIN ROUTES lacks {path}")
        exact = {path for path, is_prefix in admin if not is_prefix}
        prefixes = [path for path, is_prefix in admin if is_prefix]
        unknown = [path for path in documented_paths("\n".join(self.sections.values()), "/_sandbox/")
                   if path not in exact and not any(path.startswith(p) for p in prefixes) and path != "/_sandbox/"]
        self.assertEqual(sorted(unknown), [], "the page names admin routes the sandbox does not serve")

    def test_every_fault_key_is_documented_and_no_other(self):
        with Sandbox() as sandbox:
            plan = sandbox.admin("GET", "/faults")
            self.assertEqual(sandbox.json_request("POST", "/_sandbox/faults", {"no_such_fault": 1})[0], 400)
        keys = set(plan) - {"requests_seen"}
        self.assertGreater(len(keys), 8)
        tags = set()
        faults = self.source.split(".SH FAULTS")[1].split("\n.SH ")[0].split("\n.SS Per-device faults\n")[0]
        for tag in re.findall(r"^\.TP\n(.*)$", faults, flags=re.MULTILINE):
            tags.update(w for w in re.split(r"[\s,\"]+", roff_to_text(tag)) if w and w not in {"B", "BR"})
        self.assertEqual(sorted(tags), sorted(keys))
        example = re.search(r"\.nf\n(.*?)\.fi", faults, flags=re.DOTALL).group(1)
        for key in keys:
            self.assertIn(f'"{key}"', example, f"the plan example lacks {key}")

    def test_every_device_fault_key_is_documented_and_no_other(self):
        with Sandbox() as sandbox:
            status, answer = sandbox.json_request("POST", "/_sandbox/device-faults", {"tok": {"no_such_key": 1}})[:2]
        self.assertEqual(status, 400, answer)
        known = re.search(r"\(known: ([a-z_, ]+)\)", json.dumps(answer))
        self.assertIsNotNone(known, answer)
        keys = set(known.group(1).split(", "))
        self.assertGreater(len(keys), 5)
        faults = self.source.split(".SH FAULTS")[1].split("\n.SH ")[0]
        self.assertIn("\n.SS Per-device faults\n", faults)
        per_device = faults.split("\n.SS Per-device faults\n")[1]
        tags = set(re.findall(r"^\.IP \\fB([a-z_]+)\\fR$", per_device, flags=re.MULTILINE))
        self.assertEqual(sorted(tags), sorted(keys))
        example = re.search(r"\.nf\n(.*?)\.fi", per_device, flags=re.DOTALL).group(1)
        for key in keys:
            self.assertIn(f'"{key}"', example, f"the device-fault example lacks {key}")

    def test_man_page_is_lint_clean(self):
        assert_man_page_lint_clean(self, MAN_PAGE)


if __name__ == "__main__":
    unittest.main()
