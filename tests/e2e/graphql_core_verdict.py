"""graphql-core's verdict on GraphQL documents, for test_graphql_conformance.py.

Runs under the interpreter that has Debian's python3-graphql-core (2.3.2):
/usr/bin/python3, whatever python3 runs the tests. Reads documents framed as
"<byte count>\\n<bytes>" from stdin and writes one JSON line per document,
the same shape callctl-graphql-verdict writes:
  {"accepted": true, "operations": [{"kind", "name", "variables": [{"name", "type", "required"}],
   "used": [...]}], "fragments": [...], "schema_errors": [...]}
  {"accepted": false, "message": "...", "rule": "syntax" | <rule name>}
`accepted` is graphql.parse plus the validation rules that need no schema
(the ones callctl applies); "schema_errors" is graphql.validate with every
rule against the intercom schema below. `--version` prints graphql-core's version.
"""

import json
import sys

import graphql
from graphql import build_ast_schema, parse, print_ast, validate
from graphql.error import GraphQLSyntaxError
from graphql.language import ast
from graphql.utils.type_info import TypeInfo
from graphql.validation import rules
from graphql.validation.validation import ValidationContext

# The intercom API as the sandbox serves it (callctl(1), "answer"). The
# vendor's Query type is not known and the sandbox serves no query field; a
# schema needs one, hence the placeholder.
INTERCOM_SCHEMA = """
schema { query: Query mutation: Mutation }
type Query { sandboxPlaceholder: Boolean }
type Mutation {
  iotDeviceSetTargetState(id: ID!, targetState: [IotDeviceStateInput!]!): IotDevice
  answerIncomingCall(iotDeviceId: ID!): AnswerIncomingCallPayload
}
type IotDevice { id: ID! name: String }
type AnswerIncomingCallPayload { sandboxPlaceholder: Boolean }
input IotDeviceStateInput { action: String! value: String! }
"""

# The rules of the spec's §5 that need no schema: what callctl's parser checks.
SCHEMA_FREE_RULES = [getattr(rules, name) for name in (
    "UniqueOperationNames", "LoneAnonymousOperation", "UniqueFragmentNames", "KnownFragmentNames",
    "NoUnusedFragments", "NoFragmentCycles", "UniqueVariableNames", "NoUndefinedVariables",
    "NoUnusedVariables", "UniqueArgumentNames", "UniqueInputFieldNames")]

SCHEMA = build_ast_schema(parse(INTERCOM_SCHEMA))


def declarations(document):
    context = ValidationContext(SCHEMA, document, TypeInfo(SCHEMA))
    operations, fragments = [], []
    for definition in document.definitions:
        if isinstance(definition, ast.FragmentDefinition):
            fragments.append(definition.name.value)
            continue
        used = []
        for usage in context.get_recursive_variable_usages(definition):
            if usage.node.name.value not in used:
                used.append(usage.node.name.value)
        operations.append({
            "kind": definition.operation,
            "name": definition.name.value if definition.name else "",
            "variables": [{"name": v.variable.name.value, "type": print_ast(v.type),
                           "required": isinstance(v.type, ast.NonNullType) and v.default_value is None}
                          for v in definition.variable_definitions or []],
            "used": used,
        })
    return operations, fragments


def verdict(raw):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return {"accepted": False, "message": f"not UTF-8: {e}", "rule": "utf-8"}
    try:
        document = parse(text)
    except GraphQLSyntaxError as e:
        return {"accepted": False, "message": str(e).splitlines()[0], "rule": "syntax"}
    except RecursionError:
        return {"accepted": False, "message": "RecursionError", "rule": "recursion"}
    # Spec §5.1.1 Executable Definitions: graphql-core 2.3.2 has no such rule
    # (it parses type definitions too), so it is applied here.
    for definition in document.definitions:
        if not isinstance(definition, (ast.OperationDefinition, ast.FragmentDefinition)):
            return {"accepted": False, "message": f"not executable: {type(definition).__name__}",
                    "rule": "ExecutableDefinitions"}
    try:
        for rule in SCHEMA_FREE_RULES:
            errors = validate(SCHEMA, document, [rule])
            if errors:
                return {"accepted": False, "message": errors[0].message, "rule": rule.__name__}
        operations, fragments = declarations(document)
        schema_errors = [e.message for e in validate(SCHEMA, document)]
    except RecursionError:
        return {"accepted": False, "message": "RecursionError", "rule": "recursion"}
    return {"accepted": True, "operations": operations, "fragments": fragments, "schema_errors": schema_errors}


def main():
    if sys.argv[1:] == ["--version"]:
        print(graphql.__version__)
        return
    stdin = sys.stdin.buffer
    out = sys.stdout
    while True:
        header = stdin.readline()
        if not header:
            break
        raw = stdin.read(int(header))
        out.write(json.dumps(verdict(raw)) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
