"""Property tests (hypothesis) for the filter parser and the PATCH engine.

Every test is derandomized (the same examples every run, so CI is reproducible) and bounded by
``max_examples``; the example database is off so runs leave nothing behind.
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck
from hypothesis import assume
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from mockscim.constants import ENTERPRISE_SCHEMA
from mockscim.constants import PATCH_OP
from mockscim.constants import USER_SCHEMA
from mockscim.errors import InvalidFilter
from mockscim.errors import InvalidPath
from mockscim.errors import ScimError
from mockscim.scim.filter import And
from mockscim.scim.filter import Compare
from mockscim.scim.filter import Not
from mockscim.scim.filter import Or
from mockscim.scim.filter import PatchPath
from mockscim.scim.filter import Present
from mockscim.scim.filter import ValuePath
from mockscim.scim.filter import parse_filter
from mockscim.scim.filter import parse_patch_path
from mockscim.scim.filter import to_text
from mockscim.scim.patch import apply_patch
from mockscim.scim.patch import parse_operations
from mockscim.scim.resource import normalize_resource
from mockscim.scim.schema import GROUP_TYPE
from mockscim.scim.schema import USER_TYPE
from mockscim.store import InMemoryStore

EXAMPLES = 150
BOUNDED = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
EXPRESSIONS = (Compare, Present, And, Or, Not, ValuePath)

# -- filter text ---------------------------------------------------------------------------------

ATTRIBUTES = st.sampled_from(
    [
        "userName",
        "title",
        "displayName",
        "name.givenName",
        "emails",
        "emails.value",
        "meta.lastModified",
        "active",
        "$ref",
        "x-y_z9",
        "pr",
        "and",
        f"{USER_SCHEMA}:userName",
        f"{ENTERPRISE_SCHEMA}:manager.value",
    ]
)
SUB_ATTRIBUTES = st.sampled_from(["value", "type", "primary", "display"])
OPERATORS = st.sampled_from(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Sw"])
NUMBER_TEXT = st.from_regex(r"-?[0-9]{1,4}(\.[0-9]{1,3})?([eE][+-]?[0-9]{1,3})?", fullmatch=True)
JSON_SCALARS = st.one_of(
    st.text(max_size=12),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
VALUES = st.one_of(
    st.builds(json.dumps, JSON_SCALARS, ensure_ascii=st.booleans()),
    NUMBER_TEXT,
    st.sampled_from(["true", "False", "NULL"]),
)
SPACE = st.sampled_from([" ", "  ", "\t", " \n "])


@st.composite
def comparisons(draw: st.DrawFn, attributes: st.SearchStrategy[str] = ATTRIBUTES) -> str:
    """``attr op value`` or ``attr pr``."""
    attr, space = draw(attributes), draw(SPACE)
    if draw(st.booleans()):
        return f"{attr}{space}pr"
    return f"{attr}{space}{draw(OPERATORS)}{draw(SPACE)}{draw(VALUES)}"


@st.composite
def value_paths(draw: st.DrawFn) -> str:
    """``emails[type eq "work" and value pr]``."""
    inner = draw(st.lists(comparisons(SUB_ATTRIBUTES), min_size=1, max_size=3))
    joiner = draw(st.sampled_from([" and ", " or ", " AND "]))
    return f"{draw(st.sampled_from(['emails', 'members', 'phoneNumbers']))}[{joiner.join(inner)}]"


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """One level of and/or/not/parentheses over smaller filters."""
    return st.one_of(
        st.tuples(children, st.sampled_from([" and ", " or ", " Or "]), children).map("".join),
        children.map(lambda text: f"not ({text})"),
        children.map(lambda text: f"({text})"),
    )


FILTERS = st.recursive(st.one_of(comparisons(), value_paths()), _combine, max_leaves=8)
TOKENS = st.sampled_from(
    [
        "userName",
        "eq",
        "pr",
        "and",
        "or",
        "not",
        "(",
        ")",
        "[",
        "]",
        '"x"',
        '"\\u00e9"',
        "1e999",
        "-3.5",
        "true",
        "null",
    ]
    + ['"unterminated', "emails", ".", ":", "\\", '"\\q"', "urn:x:y", "!", ","]
)
TOKEN_SOUP = st.lists(st.tuples(TOKENS, SPACE | st.just("")), max_size=12).map(
    lambda pairs: "".join(token + space for token, space in pairs)
)
ANY_FILTER_TEXT = st.one_of(FILTERS, TOKEN_SOUP, st.text(max_size=40))


@BOUNDED
@given(text=ANY_FILTER_TEXT)
def test_filter_parser_returns_an_ast_or_raises_invalid_filter(text: str, figures: Counter) -> None:
    figures["hypothesis examples"] += 1
    try:
        expr = parse_filter(text)
    except InvalidFilter as error:
        assert error.status == 400 and error.scim_type == "invalidFilter" and error.detail
        return
    assert isinstance(expr, EXPRESSIONS)


@BOUNDED
@given(
    text=st.one_of(
        st.tuples(st.sampled_from(["emails", "members", "name"]), FILTERS).map("[".join), ANY_FILTER_TEXT
    )
)
def test_patch_path_parser_returns_a_path_or_raises_invalid_path(text: str, figures: Counter) -> None:
    figures["hypothesis examples"] += 1
    try:
        path = parse_patch_path(text)
    except InvalidPath as error:
        assert error.status == 400 and error.scim_type == "invalidPath"
        return
    assert isinstance(path, PatchPath)


@BOUNDED
@given(text=FILTERS)
def test_filter_parse_print_parse_is_the_same(text: str, figures: Counter) -> None:
    figures["hypothesis examples"] += 1
    try:
        first = parse_filter(text)
    except InvalidFilter:
        assume(False)  # e.g. a value filter inside a value filter: not a filter, nothing to print
        return
    printed = to_text(first)
    again = parse_filter(printed)
    assert again == first
    assert to_text(again) == printed  # a fixpoint: also equal in types (1 vs 1.0 vs true)


# -- PATCH ---------------------------------------------------------------------------------------

USER_BODY = {
    "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
    "userName": "alice@example.com",
    "name": {"givenName": "Alice", "familyName": "Smith"},
    "emails": [{"value": "alice@example.com", "type": "work", "primary": True}],
    "phoneNumbers": [{"value": "+1 555 0100", "type": "mobile"}],
    "active": True,
    "title": "Engineer",
    ENTERPRISE_SCHEMA: {"department": "R&D", "manager": {"value": "m-1"}},
}
GROUP_BODY = {"displayName": "Engineering", "members": [{"value": "u-1", "display": "Alice"}]}
PATHS = st.one_of(
    st.sampled_from(
        [
            "title",
            "displayName",
            "nickName",
            "active",
            "userName",
            "name",
            "name.givenName",
            "name.formatted",
            "emails",
            "emails.type",
            'emails[type eq "work"]',
            'emails[type eq "work"].value',
            'emails[type eq "home"].value',
            "emails[value pr]",
            'phoneNumbers[type eq "mobile" and value sw "+1"]',
            "addresses",
            "id",
            "meta",
            "meta.created",
            "groups",
            "password",
            ENTERPRISE_SCHEMA,
            f"{ENTERPRISE_SCHEMA}:department",
            f"{ENTERPRISE_SCHEMA}:manager.value",
            "urn:okta:custom:1.0:attr",
            "members",
            'members[value eq "u-1"]',
            "members.display",
            "nonsense",
            "emails[",
            "title.sub",
            " ",
        ]
    ),
    st.text(max_size=10),
)
KEYS = st.sampled_from(
    ["value", "type", "primary", "display", "givenName", "title", "active", "emails", "members", "x", "$ref"]
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=6) | st.sampled_from(["u-1", "work"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(KEYS, children, max_size=3),
    max_leaves=8,
)


@st.composite
def operations(draw: st.DrawFn) -> Any:
    """One raw PATCH operation, valid or not."""
    operation: dict[str, Any] = {
        "op": draw(st.sampled_from(["add", "replace", "remove", "ADD", "Replace", "move"]))
    }
    if draw(st.booleans()):
        operation["path"] = draw(PATHS)
    if draw(st.booleans()):
        operation["value"] = draw(JSON)
    return operation if draw(st.integers(0, 9)) else draw(JSON)


PATCH_BODIES = st.one_of(
    st.builds(lambda ops: {"schemas": [PATCH_OP], "Operations": ops}, st.lists(operations(), max_size=4)),
    JSON,
)
RESOURCE_TYPES = {"User": (USER_TYPE, USER_BODY), "Group": (GROUP_TYPE, GROUP_BODY)}


def _stored(rtype: str) -> dict[str, Any]:
    """The attributes the store would keep for the sample resource of ``rtype``."""
    rt, body = RESOURCE_TYPES[rtype]
    return normalize_resource(copy.deepcopy(body), rt)[0]


def _change(attributes: dict[str, Any], body: Any, rtype: str) -> tuple[dict[str, Any], str | None]:
    """What the server does with a PATCH body: parse, apply, normalize (scim_api.patch_resource)."""
    rt = RESOURCE_TYPES[rtype][0]
    return normalize_resource(apply_patch(attributes, parse_operations(body), rt), rt)


def _patched(attributes: dict[str, Any], body: Any, rtype: str) -> dict[str, Any]:
    """The patched attributes, without the password."""
    return _change(attributes, body, rtype)[0]


@BOUNDED
@pytest.mark.parametrize("rtype", ["User", "Group"])
@given(body=PATCH_BODIES)
def test_patch_raises_only_scim_errors_and_never_changes_its_input(
    rtype: str, body: Any, figures: Counter
) -> None:
    figures["hypothesis examples"] += 1
    original = _stored(rtype)
    before = copy.deepcopy(original)
    try:
        _patched(original, body, rtype)
    except ScimError as error:
        assert 400 <= error.status < 500
    assert original == before


@BOUNDED
@given(body=PATCH_BODIES)
def test_a_refused_patch_leaves_the_stored_resource_untouched(body: Any, figures: Counter) -> None:
    figures["hypothesis examples"] += 1
    store = InMemoryStore()
    member = store.create("User", _stored("User"))
    group = store.create(
        "Group", {**_stored("Group"), "members": [{"value": member["id"], "display": "Alice"}]}
    )
    for rtype, record in (("User", member), ("Group", group)):
        before = store.get(rtype, record["id"])
        try:
            after = store.modify(
                rtype, record["id"], lambda attrs, r=rtype: _change(attrs, body, r), version=1
            )
        except ScimError:
            assert store.get(rtype, record["id"]) == before
        else:
            assert after["meta"]["version"] == before["meta"]["version"] + 1


SINGLE = {
    "title": st.text(min_size=1, max_size=12),
    "nickName": st.text(min_size=1, max_size=12),
    "active": st.booleans(),
    "name": st.fixed_dictionaries(
        {}, optional={"givenName": st.text(min_size=1), "middleName": st.text(min_size=1)}
    ),
    "emails": st.lists(
        st.fixed_dictionaries({"value": st.text(min_size=1, max_size=8)}, optional={"type": st.just("home")}),
        min_size=1,
        max_size=3,
        unique_by=lambda e: e["value"],
    ),
    f"{ENTERPRISE_SCHEMA}:department": st.text(min_size=1, max_size=12),
}


@BOUNDED
@given(data=st.data(), attr=st.sampled_from(sorted(SINGLE)))
def test_patch_remove_after_add_restores_the_original(
    data: st.DataObject, attr: str, figures: Counter
) -> None:
    figures["hypothesis examples"] += 1
    value = data.draw(SINGLE[attr])
    assume(value != {})  # adding nothing is not an addition (RFC 7643 §2.5: unassigned)
    original = normalize_resource({"userName": "bob@example.com"}, USER_TYPE)[0]
    added = _patched(original, {"Operations": [{"op": "add", "path": attr, "value": value}]}, "User")
    assert added != original
    removed = _patched(added, {"Operations": [{"op": "remove", "path": attr}]}, "User")
    assert removed == original


@BOUNDED
@given(value=st.text(min_size=1, max_size=10), kind=st.sampled_from(["home", "other"]))
def test_patch_remove_of_an_added_element_restores_the_original(
    value: str, kind: str, figures: Counter
) -> None:
    figures["hypothesis examples"] += 1
    original = _stored("User")
    assume(value not in {e["value"] for e in original["emails"]})
    element = {"value": value, "type": kind}
    added = _patched(original, {"Operations": [{"op": "add", "path": "emails", "value": [element]}]}, "User")
    assert element in added["emails"]
    path = f"emails[value eq {json.dumps(value)}]"
    removed = _patched(added, {"Operations": [{"op": "remove", "path": path}]}, "User")
    assert removed == original
