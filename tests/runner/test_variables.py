"""${name} substitution, JSON Pointers and the built-in variables (pure functions, no HTTP)."""

from __future__ import annotations

import random
import re

import pytest

from mockscim.runner import UnknownVariable
from mockscim.runner import pointer
from mockscim.runner.variables import builtins
from mockscim.runner.variables import substitute

VARIABLES = {
    "n": 3,
    "flag": False,
    "name": "Tina",
    "ids": ["a", "b"],
    "user": {"id": "u1", "emails": [{"value": "e"}]},
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("${n}", 3),
        ("${flag}", False),
        ("${ids}", ["a", "b"]),
        ("count=${n}", "count=3"),
        ("on=${flag}", "on=false"),
        ("${name} ${name}", "Tina Tina"),
        ("${user.id}", "u1"),
        ("${user.emails.0.value}", "e"),
        ("ids=${ids}", 'ids=["a", "b"]'),
        ("$${name}", "${name}"),
        ("members[$ref eq 1]", "members[$ref eq 1]"),
        ({"k": ["${n}", {"deep": "${name}"}]}, {"k": [3, {"deep": "Tina"}]}),
        ({"${name}": 1, "$${name}": 2, "n${n}": 3}, {"Tina": 1, "${name}": 2, "n3": 3}),
        (7, 7),
    ],
    ids=[
        "whole-int",
        "whole-bool",
        "whole-list",
        "embedded-int",
        "embedded-bool",
        "twice",
        "dotted",
        "dotted-index",
        "embedded-list",
        "escape",
        "dollar-ref-is-literal",
        "nested",
        "keys-as-text",
        "non-string",
    ],
)
def test_substitution(template, expected):
    assert substitute(template, VARIABLES) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("/Users/${user_id}", "unknown variable ${user_id}; known variables: flag, ids, n, name, user"),
        ("${user.nope}", "unknown variable ${user.nope};"),
        ("${ids.5}", "unknown variable ${ids.5};"),
    ],
)
def test_unknown_variable_is_an_error_never_literal_text(template, message):
    with pytest.raises(UnknownVariable) as caught:
        substitute(template, VARIABLES)
    assert str(caught.value).startswith(message)


def test_builtins_are_okta_shaped():
    values = builtins("http://h/scim/v2", random.Random(1))
    assert re.fullmatch(r"00u[A-Za-z0-9]{17}", values["okta_user_id"])
    assert re.fullmatch(r"[a-z0-9]{10}", values["unique"])
    assert re.fullmatch(r"[a-z0-9]{8}", values["password"])
    assert values["email"] == f"{values['given_name']}.{values['family_name']}.{values['unique']}@example.com"
    assert values["base_url"] == "http://h/scim/v2"


def test_builtins_differ_between_scenarios():
    first, second = builtins("u"), builtins("u")
    assert first["unique"] != second["unique"]
    assert first["okta_user_id"] != second["okta_user_id"]


@pytest.mark.parametrize(
    ("text", "tokens"),
    [("", []), ("/a", ["a"]), ("/a~1b/~0c/0", ["a/b", "~c", "0"]), ("/", [""])],
)
def test_pointer_parse(text, tokens):
    assert pointer.parse(text) == tokens


@pytest.mark.parametrize("text", ["a", "Resources.0", "/a~2"])
def test_pointer_parse_rejects_non_pointers(text):
    with pytest.raises(pointer.PointerError):
        pointer.parse(text)


DOC = {
    "Resources": [{"id": "u1"}],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"},
    "a/b": 1,
}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("", DOC),
        ("/Resources/0/id", "u1"),
        ("/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/department", "R&D"),
        ("/a~1b", 1),
        ("/Resources/1", pointer.MISSING),
        ("/Resources/01", pointer.MISSING),
        ("/Resources/0/id/x", pointer.MISSING),
    ],
)
def test_pointer_resolve(text, value):
    assert pointer.resolve(DOC, text) == value


def test_padded_index_has_the_width_of_the_loop_count(make_scenario, mock_target):
    from mockscim.runner import load_text
    from mockscim.runner import run_scenario

    text = (
        "name: padded\nsteps:\n  - name: create\n    repeat: 12\n    request:\n      method: POST\n"
        "      path: /Users\n      json: {schemas: [urn:ietf:params:scim:schemas:core:2.0:User],"
        ' userName: "p${padded_index}.${unique}@example.com", externalId: "00u${unique}00000${padded_index}"}\n'
        '    expect: {status: 201, json: {externalId: "00u${unique}00000${padded_index}"}}\n'
    )
    result = run_scenario(load_text(text), mock_target)
    assert result.passed
    assert result.steps[0].exchange.request.body.decode().count('"externalId":"00u') == 1
    assert b"00000" + b"12" in result.steps[0].exchange.request.body
