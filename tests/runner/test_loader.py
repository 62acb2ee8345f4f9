"""Loading scenario files: one bad file per class of mistake, each reported as file:line: $.path."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from mockscim.library import library_root
from mockscim.runner import ScenarioError
from mockscim.runner import load_scenario
from mockscim.runner import load_scenarios
from mockscim.runner import load_text
from mockscim.runner.loader import display_path
from mockscim.runner.model import Loop
from mockscim.runner.model import Save
from mockscim.runner.validation import scenario_schema

DATA = Path(__file__).resolve().parent / "data"

# (file, line, JSON path and message prefix)
BAD_FILES = [
    ("bad-yaml-syntax.yaml", 4, "YAML syntax error: expected ',' or '}', but got '{'"),
    ("bad-unknown-key.yaml", 8, "$.steps[0].expect.stauts: unknown key 'stauts'; did you mean 'status'?"),
    ("bad-wrong-type.yaml", 8, '$.steps[0].expect.status: "201" is a string, expected integer or array'),
    (
        "bad-okta-not-boolean.yaml",
        7,
        '$.steps[1].okta: "false" is a string, expected boolean. true (the default)',
    ),
    ("bad-missing-key.yaml", 3, "$.steps[0]: missing required key 'request'"),
    ("bad-method.yaml", 5, "$.steps[0].request.method: unknown HTTP method 'FETCH'; use one of GET, POST"),
    (
        "bad-unknown-variable.yaml",
        8,
        "$.steps[0].request.path: unknown variable ${user_id}; known variables:",
    ),
    (
        "bad-pointer.yaml",
        10,
        "$.steps[0].expect.checks[0].pointer: JSON Pointer 'Resources.0.id' must be empty",
    ),
    ("bad-regex.yaml", 10, "$.steps[0].expect.headers['Content-Type'].matches: invalid regular expression"),
    ("bad-schema-name.yaml", 9, "$.steps[0].expect.schema: unknown schema 'scim/Users'; known schemas:"),
    (
        "bad-shadowed-builtin.yaml",
        11,
        "$.steps[0].save.email: 'email' shadows the built-in variable ${email}",
    ),
    ("bad-duplicate-key.yaml", 7, "$.steps[0].request.method: duplicate key 'method'"),
    ("bad-empty.yaml", 1, "$: the file is empty"),
]


@pytest.mark.parametrize(("name", "line", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_file_is_reported_with_file_and_line(name, line, message):
    path = DATA / name
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert any(str(p).startswith(f"{display_path(path)}:{line}: {message}") for p in caught.value.problems), (
        str(caught.value)
    )


def test_every_problem_in_a_file_is_reported():
    with pytest.raises(ScenarioError) as caught:
        load_scenario(DATA / "bad-many-problems.yaml")
    assert [(p.line, p.json_path) for p in caught.value.problems] == [
        (5, "$.steps[0].expect.status"),
        (7, "$.steps[1].request.path"),
    ]


def _document(
    step: dict | None = None, request: dict | None = None, expect: dict | None = None, **top
) -> str:
    """YAML for a one-step scenario with the given extra keys."""
    body = {
        "name": "s",
        "request": {"method": "GET", "path": "/U", **(request or {})},
        "expect": {"status": 200, **(expect or {})},
        **(step or {}),
    }
    return yaml.safe_dump({"name": "x", **top, "steps": [body]}, sort_keys=False)


SEMANTIC_MISTAKES = [
    (
        "repeat-and-foreach",
        {"step": {"repeat": 2, "foreach": [1]}},
        "$.steps[0].foreach: use either repeat or foreach",
    ),
    (
        "json-and-body",
        {"request": {"json": {}, "body": "{"}},
        "$.steps[0].request.body: use either json or body",
    ),
    (
        "exact-without-json",
        {"expect": {"exact": True}},
        "$.steps[0].expect.exact: exact: true needs an expected json",
    ),
    (
        "loop-variable-outside-loop",
        {"request": {"path": "/U/${index}"}},
        "$.steps[0].request.path: unknown variable",
    ),
    ("var-before-definition", {"vars": {"a": "${b}", "b": 1}}, "$.vars.a: unknown variable ${b}"),
    ("invalid-reference", {"request": {"path": "/${bad name}"}}, "invalid variable reference ${bad name}"),
    ("shadowed-by-vars", {"vars": {"unique": "x"}}, "$.vars.unique: 'unique' shadows the built-in variable"),
    (
        "check-regex",
        {"expect": {"checks": [{"pointer": "/a", "matches": "["}]}},
        "checks[0].matches: invalid regular",
    ),
    ("save-pointer", {"step": {"save": {"a": "id"}}}, "$.steps[0].save.a: JSON Pointer 'id' must be empty"),
    (
        "check-without-assertion",
        {"expect": {"checks": [{"pointer": "/a"}]}},
        "$.steps[0].expect.checks[0]: a check needs at least one assertion besides pointer: type, equals",
    ),
]


@pytest.mark.parametrize(
    ("parts", "message"), [c[1:] for c in SEMANTIC_MISTAKES], ids=[c[0] for c in SEMANTIC_MISTAKES]
)
def test_semantic_mistakes_are_reported(parts, message):
    with pytest.raises(ScenarioError) as caught:
        load_text(_document(**parts), "inline.yaml")
    assert message in str(caught.value)


ONE_STEP = "name: x\nsteps:\n  - name: s\n    request: {method: GET, path: /U}\n    expect: {status: 200}\n"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "$.steps[0].okta: 0 is an integer, expected boolean"),
        ("null", "$.steps[0].okta: null is null, expected boolean"),
        ("[false]", "$.steps[0].okta: [false] is a list, expected boolean"),
    ],
)
def test_okta_must_be_a_boolean(value, message):
    with pytest.raises(ScenarioError) as caught:
        load_text(ONE_STEP + f"    okta: {value}\n", "inline.yaml")
    assert str(caught.value).startswith(f"inline.yaml:6: {message}. true (the default) or false, unquoted.")


@pytest.mark.parametrize(
    ("extra", "okta"), [("", True), ("    okta: true\n", True), ("    okta: false\n", False)]
)
def test_okta_defaults_to_true(extra, okta):
    assert load_text(ONE_STEP + extra, "inline.yaml").steps[0].okta is okta


def test_okta_on_a_mock_step_is_refused():
    text = (
        "name: x\nrequires: [mock-admin]\nsteps:\n  - name: reset\n    mock: {reset: true}\n    okta: false\n"
    )
    with pytest.raises(ScenarioError) as caught:
        load_text(text, "inline.yaml")
    assert str(caught.value).startswith(
        "inline.yaml:6: $.steps[0].okta: a mock: step sends no SCIM request, so there is nothing for okta: to mark"
    )


def test_a_document_that_is_not_a_mapping_is_reported():
    with pytest.raises(ScenarioError) as caught:
        load_text("- just\n- a list\n", "inline.yaml")
    assert (
        str(caught.value)
        == "inline.yaml:1: $: the file is a list, not a mapping; a scenario needs name: and steps:"
    )


def test_valid_file_builds_the_model():
    scenario = load_scenario(DATA / "ok-full.yaml")
    create, page = scenario.steps
    assert (scenario.name, scenario.tags, scenario.dialect) == (
        "Every part of the format",
        ("okta", "aiw", "example"),
        "aiw",
    )
    assert create.request.method == "POST"
    assert create.request.headers == {"Accept": None, "X-Trace": "run-${unique}"}
    assert create.loop == Loop(count=3)
    assert create.saves == (
        Save("user_id", "body", "/id"),
        Save("etag", "header", "ETag"),
        Save("location", "body", "/meta/location"),
    )
    assert create.expect.status == (201,)
    assert [(m.name, m.op, m.value) for m in create.expect.headers] == [
        ("Content-Type", "startswith", "application/scim+json"),
        ("Location", "absent", False),
    ]
    assert (create.line, page.line) == (8, 29)
    assert (create.okta, page.okta) == (True, False)
    assert page.loop == Loop(count=2, items=(1, 2))
    assert page.request.auth == "none"


def test_folders_are_searched_for_scenario_files_and_bad_ones_are_collected(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "good.scenario.yaml").write_text((DATA / "ok-full.yaml").read_text())
    (tmp_path / "bad.scenario.yaml").write_text((DATA / "bad-method.yaml").read_text())
    (tmp_path / "ignored.yaml").write_text("not: a scenario")
    scenarios, errors = load_scenarios([tmp_path])
    assert [s.name for s in scenarios] == ["Every part of the format"]
    assert [e.first.line for e in errors] == [5]


@pytest.mark.parametrize("path", sorted(library_root().rglob("*.scenario.yaml")), ids=lambda p: p.name)
def test_library_scenarios_load_and_a_trusted_load_builds_the_same(path):
    # `mockscim run` loads the packaged library trusted (no schema pass): warranted only while
    # every library file passes the schema and the skipped pass changes nothing it builds.
    full = load_scenario(path)
    assert full.steps
    assert load_scenario(path, trusted=True) == full


def test_a_trusted_load_skips_the_schema_pass_alone():
    extra_key = (DATA / "ok-full.yaml").read_text() + "\ncolour: blue\n"
    with pytest.raises(ScenarioError, match="unknown key 'colour'"):
        load_text(extra_key, "extra.yaml")
    assert load_text(extra_key, "extra.yaml", trusted=True) == load_text(
        (DATA / "ok-full.yaml").read_text(), "extra.yaml"
    )


@pytest.mark.parametrize(("name", "line", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_trusted_load_of_a_bad_file_reports_problems_never_a_traceback(name, line, message):
    # A file the model cannot be built from without the schema pass gets the full check.
    try:
        loaded = load_scenario(DATA / name, trusted=True)
    except ScenarioError as exc:
        assert exc.first.file.endswith(name) and exc.first.line >= 1
    else:
        assert loaded.steps  # a mistake only the schema pass sees: built without it


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad-unknown-key.yaml", "unknown key 'stauts'"),  # no status: the full check names the typo
        ("bad-missing-key.yaml", "missing required key 'request'"),
        ("bad-unknown-variable.yaml", "unknown variable ${user_id}"),  # semantic checks stay
    ],
)
def test_a_trusted_load_still_refuses_what_it_cannot_build(name, message):
    with pytest.raises(ScenarioError, match=re.escape(message)):
        load_scenario(DATA / name, trusted=True)


def _properties(schema, where="$"):
    """Yield (where, property schema) for every property in the scenario schema."""
    for name, sub in schema.get("properties", {}).items():
        yield f"{where}.{name}", sub
        yield from _properties(sub, f"{where}.{name}")
    for key in ("items", "additionalProperties", "propertyNames"):
        if isinstance(schema.get(key), dict):
            yield f"{where}.{key}", schema[key]
            yield from _properties(schema[key], f"{where}.{key}")


def test_scenario_schema_describes_every_property_and_forbids_unknown_keys():
    schema = scenario_schema()
    definitions = [(f"$defs.{name}", sub) for name, sub in schema["$defs"].items()]
    everything = [("$", schema), *definitions]
    for where, sub in [*everything, *(p for _, s in everything for p in _properties(s, _))]:
        assert "$ref" in sub or sub.get("description"), f"{where} has no description"
    for where, sub in everything:
        if "object" in json.dumps(sub.get("type")) and "properties" in sub:
            assert sub.get("additionalProperties") is False, where


def test_docs_example_is_the_library_file():
    root = Path(__file__).resolve().parents[2]
    docs = (root / "docs" / "scenario-format.md").read_text()
    example = docs.split("## A complete example", 1)[1].split("```yaml\n", 1)[1].split("```", 1)[0]
    assert example == (library_root() / "okta" / "common" / "test-connector.scenario.yaml").read_text()
