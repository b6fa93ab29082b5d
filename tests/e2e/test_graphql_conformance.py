"""callctl's GraphQL parser against graphql-core, document by document.

The sandbox executes callctl's documents with callctl's own parser, so a parser
bug would hide itself: both would agree on the wrong thing. Here the same
documents go through callctl's parser (tests/tools/graphql_verdict.cpp) and
through Debian's python3-graphql-core 2.3.2 (graphql.parse + graphql.validate,
tests/e2e/graphql_core_verdict.py), and the verdicts must agree: accepted or
refused, operation names and kinds, declared variables, their types and
required-ness, the variables used, the fragments. Accepted documents'
minified forms must be accepted by graphql-core with the same declarations.

Where the two disagree on purpose, the difference is listed in DIFFERENCES
(callctl follows the GraphQL spec of October 2021; graphql-core 2.x follows
graphql-js 14, before it), each recognised by what both sides said and each
pinned by a hand-made case. Documents: the fuzz corpus, the hand-made cases
below, and variants of them with deterministic random edits.
"""

import json
import os
import random
import subprocess
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import SOURCE_DIR  # noqa: E402

VERDICT_BIN = os.environ.get("CALLCTL_GRAPHQL_VERDICT_BIN", "callctl-graphql-verdict")
# Debian's interpreter, where python3-graphql-core is installed (scripts/bootstrap --test):
# the python3 running this test may be another one, without it or with graphql-core 3.
GRAPHQL_CORE_PYTHON = os.environ.get("CALLCTL_GRAPHQL_CORE_PYTHON", "/usr/bin/python3")
CORE_DRIVER = Path(__file__).resolve().parent / "graphql_core_verdict.py"
CORPUS = SOURCE_DIR / "tests" / "fuzz" / "corpus" / "fuzz_graphql"
TIMEOUT = 120

SET_STATE = ("mutation SetIoTDeviceState($iotDeviceId: ID!, $stateInput: [IotDeviceStateInput!]!) {\n"
             "  iotDeviceSetTargetState(id: $iotDeviceId, targetState: $stateInput) { __typename name }\n}\n")
ANSWER = ("mutation AnswerIncomingCall($iotDeviceId: ID!) {\n"
          "  answerIncomingCall(iotDeviceId: $iotDeviceId) { __typename }\n}\n")

# Where callctl and graphql-core 2.3.2 differ on purpose. Each entry: what it
# is, and how to recognise it from the document (bytes) and the two verdicts.
DIFFERENCES = {
    "block-string": (
        '"""block strings""" are GraphQL since June 2018; graphql-core 2 reads them as several "" strings',
        lambda doc, c, g: b'"""' in doc),
    "null-literal": (
        "the null literal is GraphQL since October 2016; graphql-core 2 refuses it",
        lambda doc, c, g: c["accepted"] and not g["accepted"] and 'Unexpected Name "null"' in g["message"]),
    "braced-unicode-escape": (
        "\\u{1F600} escapes are October 2021 GraphQL; graphql-core 2 refuses them",
        lambda doc, c, g: c["accepted"] and not g["accepted"] and "Invalid character escape sequence: \\u{" in g["message"]),
    "lone-surrogate": (
        "a \\uD83D escape without its trailing half is not a character (2021); graphql-core 2 takes it",
        lambda doc, c, g: not c["accepted"] and g["accepted"] and c["message"] == "Invalid Unicode escape sequence"),
    "control-character": (
        "2021 allows any Unicode scalar value in strings and comments; graphql-core 2 refuses controls there",
        lambda doc, c, g: c["accepted"] and not g["accepted"] and "Invalid character" in g["message"]
        and "escape" not in g["message"]),
    "number-then-name": (
        "2021 forbids a name or '.' right after a number (12abc is not 12 and abc); graphql-core 2 splits it",
        lambda doc, c, g: not c["accepted"] and g["accepted"] and c["message"].startswith("Invalid number, unexpected")),
    "variable-directives": (
        "directives on variable definitions are 2021 GraphQL; graphql-core 2 refuses them",
        lambda doc, c, g: c["accepted"] and not g["accepted"] and "Expected $, found @" in g["message"]),
    "nesting": (
        "callctl refuses documents nested more than 256 levels (hostile input); graphql-core stops at Python's "
        "recursion limit, about 250 nested lists",
        lambda doc, c, g: g.get("rule") == "recursion" or "nested too deep" in c.get("message", "")),
}

# (name, document, callctl accepts?, difference expected or None). The
# expectation guards against both parsers being wrong the same way.
HAND_MADE = [
    ("set-state", SET_STATE, True, None),
    ("answer", ANSWER, True, None),
    ("set-state, Apollo's printed form", SET_STATE.replace("{ __typename name }", "{\n    __typename\n    name\n  }"),
     True, None),
    ("anonymous query shorthand", "{ a b { c } }", True, None),
    ("anonymous mutation with variables", "mutation ($id: ID!) { a(id: $id) }", True, None),
    ("several operations", "query A { a } mutation B($x: Int = 1) { b(x: $x) } subscription C { c }", True, None),
    ("two anonymous operations", "{ a } { b }", False, None),
    ("anonymous among named", "query A { a } { b }", False, None),
    ("duplicate operation names", "query A { a } mutation A { b }", False, None),
    ("comments everywhere", "# head\nquery # after keyword\n Q # name\n ( # vars\n $a # v\n : # c\n Int # t\n ) "
                            "{ # sel\n a # f\n ( # args\n x # n\n : $a # v\n ) }\n# tail", True, None),
    ("a comment swallowing a brace", "query Q { a # }\n", False, None),
    ("commas anywhere", ",,query,Q,(,$a:Int,,$b:Int,),{,a,(,x:$a,y:$b,),,b,},,", True, None),
    ("commas in lists and objects", "query Q { a(x: [1,,2,], y: {k: 1,, l: 2,}) }", True, None),
    ("block string with quotes and escapes", 'query Q { a(x: """ a "quoted" \\""" and \\n stays """) }', True,
     "block-string"),
    ("block string, indented lines", 'query Q {\n  a(x: """\n    one\n      two\n\n    three\n  """)\n}', True,
     "block-string"),
    ("block string unterminated", 'query Q { a(x: """ never closed ) }', False, None),
    ("block string with CRLF", 'query Q {\r\n a(x: """\r\n  x\r\n  """)\r\n}', True, "block-string"),
    ("string escapes", r'query Q { a(x: "\" \\ \/ \b \f \n \r \t \u0041 \u00e9 \uFFFF") }', True, None),
    ("unknown escape", r'query Q { a(x: "\q") }', False, None),
    ("short unicode escape", r'query Q { a(x: "\u12") }', False, None),
    ("surrogate pair", r'query Q { a(x: "\uD83D\uDE00") }', True, None),
    ("lone leading surrogate", r'query Q { a(x: "\uD83D") }', False, "lone-surrogate"),
    ("lone trailing surrogate", r'query Q { a(x: "\uDE00x") }', False, "lone-surrogate"),
    ("braced unicode escape", r'query Q { a(x: "\u{1F600}") }', True, "braced-unicode-escape"),
    ("braced escape past U+10FFFF", r'query Q { a(x: "\u{110000}") }', False, None),
    ("UTF-8 in strings and comments", 'query Q { a(x: "é 😀 €") } # é', True, None),
    ("non-ASCII name", "query Q { é }", False, None),
    ("byte order mark first", "\ufeffquery Q { a }", True, None),
    ("byte order mark between tokens", "query Q {\ufeff a \ufeff}", True, None),
    ("control character in a string", 'query Q { a(x: "\x01") }', True, "control-character"),
    ("control character in a comment", "query Q { a } # \x07", True, "control-character"),
    ("control character outside", "query Q { a \x01 }", False, None),
    ("newline in a string", 'query Q { a(x: "two\nlines") }', False, None),
    ("fragments, inline fragments, spreads", "query Q { ...F ... on T { b ...G } ... { c } }\n"
                                              "fragment F on T { a } fragment G on T { d }", True, None),
    ("fragment used only by another operation", "query A { ...F } query B { b } fragment F on T { a }", True, None),
    ("unused fragment", "query Q { a } fragment F on T { b }", False, None),
    ("unknown fragment", "query Q { ...Nope }", False, None),
    ("fragment cycle", "query Q { ...A } fragment A on T { ...B } fragment B on T { ...A }", False, None),
    ("fragment named on", "query Q { ...on } fragment on on T { a }", False, None),
    ("duplicate fragments", "query Q { ...F } fragment F on T { a } fragment F on T { b }", False, None),
    ("fragment without type condition", "query Q { ...F } fragment F { a }", False, None),
    ("variables through fragments", "query Q($id: ID!, $n: Int) { ...F } fragment F on T { node(id: $id) { ...G } }\n"
                                    "fragment G on T { first(n: $n) }", True, None),
    ("undefined variable", "query Q { a(x: $nope) }", False, None),
    ("undefined variable in a fragment", "query Q { ...F } fragment F on T { a(x: $nope) }", False, None),
    ("unused variable", "query Q($unused: Int) { a }", False, None),
    ("variable used in one operation only", "query A($v: Int) { a(x: $v) } query B($v: Int) { b }", False, None),
    ("duplicate variable", "query Q($a: Int, $a: Int) { f(x: $a) }", False, None),
    ("variable in a default", "query Q($a: Int = $b, $b: Int) { f(x: $a, y: $b) }", False, None),
    ("default values", 'query Q($a: Int = 1, $b: [String!]! = ["x"], $c: In = {k: [1.5, E], s: "s"}, '
                       '$d: Boolean! = true, $e: ID = "x") { f(a: $a, b: $b, c: $c, d: $d, e: $e) }', True, None),
    ("null literals", "query Q($e: ID = null) { f(a: null, b: [null], c: {k: null}, e: $e) }", True, "null-literal"),
    ("required and optional", "query Q($a: ID!, $b: ID, $c: [ID!]!, $d: [ID]!, $e: ID! = 1) "
                              "{ f(a: $a, b: $b, c: $c, d: $d, e: $e) }", True, None),
    ("nested list types", "query Q($a: [[[Int!]!]]!) { f(a: $a) }", True, None),
    ("nested list values", "query Q { f(a: [[[1], [2, [3]]], [], [[[]]]]) }", True, None),
    ("nested objects", "query Q { f(a: {b: {c: {d: [{e: 1}]}}}) }", True, None),
    ("duplicate argument", "query Q { f(a: 1, a: 2) }", False, None),
    ("duplicate directive argument", "query Q { f @d(a: 1, a: 2) }", False, None),
    ("duplicate input field", "query Q { f(a: {k: 1, k: 2}) }", False, None),
    ("directives everywhere", "query Q($a: Boolean = true) @op { f @include(if: $a) @x(y: [1]) { ...F @skip(if: false) "
                              "... on T @d { g } } } fragment F on T @frag { h }", True, None),
    ("directive on a variable definition", "query Q($a: Int @deprecated) { f(a: $a) }", True, "variable-directives"),
    ("variable inside a variable's directive", "query Q($a: Int @d(x: $a)) { f(a: $a) }", False, None),
    ("aliases", "query Q { x: a y: a(b: 1) z: c { w: d } }", True, None),
    ("numbers", "query Q { f(a: 0, b: -0, c: 12, d: -3.25e+10, e: 1E5, f: 0.5) }", True, None),
    ("leading zero", "query Q { f(a: 01) }", False, None),
    ("number then name", "query Q { f(a: [12abc]) }", False, "number-then-name"),
    ("number then dot", "query Q { f(a: [1.5.6]) }", False, None),
    ("empty selection set", "query Q { }", False, None),
    ("empty arguments", "query Q { f() }", False, None),
    ("empty variables", "query Q() { f }", False, None),
    ("empty document", "", False, None),
    ("only a comment", "# nothing here", False, None),
    ("type definition", "type Query { a: Int }", False, None),
    ("schema definition", "schema { query: Query }", False, None),
    ("executable and type definitions", "query Q { a } type T { b: Int }", False, None),
    ("booleans and enum values", "query Q { f(a: true, b: false, c: TRUE, d: nulls, e: on) }", True, None),
    ("a lone dot", "query Q { a . b }", False, None),
    ("spread of nothing", "query Q { ... }", False, None),
    ("keywords as names", "query query { query(query: query) { mutation fragment on } }", True, None),
    ("lists nested 100 deep", "query Q { f(a: " + "[" * 100 + "]" * 100 + ") }", True, None),
    ("selections nested 100 deep", "query Q { " + "a { " * 100 + "b" + " }" * 100 + " }", True, None),
    ("selections nested 200 deep", "query Q { " + "a { " * 200 + "b" + " }" * 200 + " }", True, "nesting"),
    ("lists nested 252 deep", "query Q { f(a: " + "[" * 252 + "]" * 252 + ") }", True, "nesting"),
    ("lists nested 300 deep", "query Q { f(a: " + "[" * 300 + "]" * 300 + ") }", False, None),
    ("lists nested 100,000 deep", "query Q { f(a: " + "[" * 100000 + "]" * 100000 + ") }", False, None),
]


def frame(documents):
    out = bytearray()
    for doc in documents:
        raw = doc if isinstance(doc, bytes) else doc.encode("utf-8")
        out += b"%d\n" % len(raw) + raw
    return bytes(out)


def run_driver(command, documents):
    proc = subprocess.run(command, input=frame(documents), capture_output=True, timeout=TIMEOUT)
    if proc.returncode != 0:
        raise AssertionError(f"{command[0]} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}")
    lines = proc.stdout.decode("utf-8").splitlines()
    if len(lines) != len(documents):
        raise AssertionError(f"{command} answered {len(lines)} verdicts for {len(documents)} documents")
    return [json.loads(line) for line in lines]


def callctl_verdicts(documents):
    return run_driver([VERDICT_BIN], documents)


def core_verdicts(documents):
    return run_driver([GRAPHQL_CORE_PYTHON, "-B", str(CORE_DRIVER)], documents)


def shape(verdict):
    """What both sides must agree on about an accepted document."""
    return ([(op["kind"], op["name"], [(v["name"], v["type"], v["required"]) for v in op["variables"]],
              sorted(op["used"])) for op in verdict["operations"]],
            verdict["fragments"])


def difference_of(doc, c, g):
    raw = doc if isinstance(doc, bytes) else doc.encode("utf-8")
    for name, (_, recognise) in DIFFERENCES.items():
        if recognise(raw, c, g):
            return name
    return None


def agree(c, g):
    return c["accepted"] == g["accepted"] and (not c["accepted"] or shape(c) == shape(g))


def variants(documents, count, seed=20240611):
    """Deterministic random edits of `documents`: characters dropped,
    inserted, duplicated or swapped, from GraphQL's own alphabet."""
    alphabet = list('{}()[]$!:=@.,"#\n \t\\u') + ["...", '"""', "on", "$a", "1", "-", "e", "é", "\ufeff", "\x01"]
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        text = rng.choice(documents)
        for _ in range(rng.randint(1, 2)):
            if not text:
                break
            i = rng.randrange(len(text))
            edit = rng.randrange(4)
            if edit == 0:
                text = text[:i] + text[i + 1:]
            elif edit == 1:
                text = text[:i] + rng.choice(alphabet) + text[i:]
            elif edit == 2:
                j = min(len(text), i + rng.randint(1, 8))
                text = text[:j] + text[i:j] + text[j:]
            else:
                j = rng.randrange(len(text))
                a, b = sorted((i, j))
                if a != b:
                    text = text[:a] + text[b] + text[a + 1:b] + text[a] + text[b + 1:]
        out.append(text)
    return out


class GraphqlConformanceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        version = subprocess.run([GRAPHQL_CORE_PYTHON, "-B", str(CORE_DRIVER), "--version"],
                                 capture_output=True, text=True, timeout=TIMEOUT)
        if version.returncode != 0:
            raise AssertionError(f"{GRAPHQL_CORE_PYTHON} cannot import graphql (install python3-graphql-core: "
                                 f"scripts/bootstrap --test): {version.stderr}")
        cls.core_version = version.stdout.strip()

    def test_it_is_graphql_core_2_3(self):
        self.assertTrue(self.core_version.startswith("2.3."), self.core_version)

    def test_hand_made_cases(self):
        docs = [doc for _, doc, _, _ in HAND_MADE]
        for (name, doc, accepted, expected_difference), c, g in zip(HAND_MADE, callctl_verdicts(docs), core_verdicts(docs)):
            with self.subTest(name):
                self.assertEqual(c["accepted"], accepted, c)
                if expected_difference is None:
                    self.assertTrue(agree(c, g), f"callctl {c}\ngraphql-core {g}")
                else:
                    self.assertFalse(agree(c, g), f"no longer differs: {g}")
                    self.assertEqual(difference_of(doc, c, g), expected_difference, f"callctl {c}\ngraphql-core {g}")

    def test_every_difference_is_pinned_by_a_hand_made_case(self):
        self.assertEqual({d for _, _, _, d in HAND_MADE if d}, set(DIFFERENCES))

    def test_fuzz_corpus_and_variants(self):
        corpus = [p.read_bytes() for p in sorted(CORPUS.iterdir()) if p.is_file()]
        self.assertGreaterEqual(len(corpus), 3)
        # Variants of valid documents: one or two edits away from valid, where parsers disagree most.
        texts = [raw.decode("utf-8", errors="replace") for raw in corpus] + [doc for _, doc, ok, _ in HAND_MADE if ok]
        docs = corpus + variants(texts, 3000)
        disagreements = []
        counts = {"agree": 0, "accepted": 0, "not UTF-8": 0}
        for doc, c, g in zip(docs, callctl_verdicts(docs), core_verdicts(docs)):
            if agree(c, g):
                counts["agree"] += 1
                counts["accepted"] += c["accepted"]
            elif g.get("rule") == "utf-8":
                self.assertFalse(c["accepted"], f"callctl accepted a document that is not UTF-8: {doc!r}")
                counts["not UTF-8"] += 1
            elif (difference := difference_of(doc, c, g)) is None:
                disagreements.append(f"{doc!r}\n  callctl {c}\n  graphql-core {g}")
            else:
                counts[difference] = counts.get(difference, 0) + 1
        self.assertEqual(disagreements, [], f"{len(disagreements)} unexplained disagreements")
        # The variants must exercise both verdicts, or this test proves little.
        print(f"\n{len(docs)} documents: {counts}", file=sys.stderr)
        self.assertGreater(counts["accepted"], 300, counts)
        self.assertGreater(counts["agree"] - counts["accepted"], 1000, counts)

    def test_documents_that_are_not_utf8_are_refused_by_both(self):
        docs = [b'query Q { a(x: "\xff") }', b"query Q { a } # \xc3\x28", b'query Q { a(x: "\xed\xa0\x80") }',
                b'query Q { a(x: "\xc0\xaf") }', b"query Q { a(x: \"\xf4\x90\x80\x80\") }"]
        for doc, c, g in zip(docs, callctl_verdicts(docs), core_verdicts(docs)):
            with self.subTest(doc):
                self.assertFalse(c["accepted"])
                self.assertTrue(c["message"].startswith("Invalid UTF-8"), c)
                self.assertEqual(g["rule"], "utf-8")

    def test_minified_documents_mean_the_same_to_graphql_core(self):
        docs = [doc for _, doc, accepted, difference in HAND_MADE if accepted and difference is None]
        verdicts = callctl_verdicts(docs)
        minified = [c["minified"] for c in verdicts]
        self.assertNotIn(None, minified)
        for doc, original, again in zip(docs, core_verdicts(docs), core_verdicts(minified)):
            with self.subTest(doc):
                self.assertTrue(again["accepted"], again)
                self.assertEqual(shape(again), shape(original))

    def test_the_intercom_documents_fit_the_intercom_schema(self):
        # The built-in documents and their minified forms, as callctl sends them.
        docs = [SET_STATE, ANSWER]
        docs += [c["minified"] for c in callctl_verdicts(docs)]
        for doc, g in zip(docs, core_verdicts(docs)):
            with self.subTest(doc):
                self.assertTrue(g["accepted"], g)
                self.assertEqual(g["schema_errors"], [])
        # ... and the schema says no where the sandbox does.
        wrong = ["mutation M($id: ID!) { doorbell(id: $id) { name } }",
                 "mutation M($id: ID!) { answerIncomingCall(iotDeviceId: $id) }",
                 "mutation M($id: ID!) { iotDeviceSetTargetState(id: $id) { name } }"]
        for doc, g in zip(wrong, core_verdicts(wrong)):
            with self.subTest(doc):
                self.assertTrue(g["accepted"], g)
                self.assertNotEqual(g["schema_errors"], [])


if __name__ == "__main__":
    unittest.main()
