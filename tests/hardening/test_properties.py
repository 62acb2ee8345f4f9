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
from mockscim.scim.filter import compile_filter
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


# -- filters: every literal type against every attribute type, never a crash ----------------------


def _paths(rtype: Any) -> list[str]:
    """Every attribute path of a resource type: core, common (meta...), extensions, sub-attributes."""
    from mockscim.scim.schema import COMMON

    out = []
    for schema in (*rtype.schemas(), COMMON):
        prefix = "" if schema is rtype.schema or schema is COMMON else f"{schema.id}:"
        for attr in schema.attributes:
            out.append(prefix + attr.name)
            out += [f"{prefix}{attr.name}.{sub.name}" for sub in attr.sub_attributes]
    return out


FILTER_PATHS = {name: _paths(rt) for name, (rt, _) in RESOURCE_TYPES.items()}
DATES = (
    "2020-01-01T00:00:00",  # no offset: read as UTC (RFC 7643 §2.3.5 xsd:dateTime)
    "2020-01-01T00:00:00Z",
    "2020-01-01T00:00:00.123+05:30",
    "2020-01-01",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2020-13-01T00:00:00",
    "not a date",
    "",
)
DATE_TEXT = st.sampled_from(DATES)
LITERALS = st.one_of(
    DATE_TEXT.map(json.dumps),
    st.builds(json.dumps, JSON_SCALARS, ensure_ascii=st.booleans()),
    NUMBER_TEXT,
    st.sampled_from(["true", "false", "null", "1e308", "-0", "123456789012345678901234567890"]),
)
# Stored values of every type, including what a hand-edited file may hold (naive dates).
STORED_VALUES = st.one_of(DATE_TEXT, JSON_SCALARS, st.lists(JSON_SCALARS, max_size=2))


def _placed(path: str, value: Any, as_list: bool) -> dict[str, Any]:
    """A resource holding ``value`` at ``path`` (``urn:...:attr.sub``), in a list or not."""
    urn, _, rest = path.rpartition(":") if path.startswith("urn:") else ("", "", path)
    attr, _, sub = rest.partition(".")
    inner: Any = {sub: value} if sub else value
    inner = [inner] if as_list else inner
    return {"id": "x", **({urn: {attr: inner}} if urn else {attr: inner})}


ANY_PATH = st.sampled_from(sorted({(name, p) for name, paths in FILTER_PATHS.items() for p in paths}))
DATE_PATH = st.sampled_from(
    [(name, f"meta.{sub}") for name in FILTER_PATHS for sub in ("created", "lastModified")]
)


@BOUNDED
@given(
    where=st.one_of(ANY_PATH, DATE_PATH),  # the dateTime attributes half of the time
    operator=st.one_of(OPERATORS, st.sampled_from(["gt", "le"])),
    literal=st.one_of(LITERALS, DATE_TEXT.map(json.dumps)),
    stored=st.one_of(STORED_VALUES, st.sampled_from(("2026-01-01T00:00:00.000Z", *DATES))),  # as stored
    as_list=st.booleans(),
)
def test_any_filter_literal_against_any_attribute_is_an_answer_or_invalid_filter(
    where: tuple[str, str], operator: str, literal: str, stored: Any, as_list: bool, figures: Counter
) -> None:
    figures["hypothesis examples"] += 1
    rtype, path = where
    try:
        predicate = compile_filter(parse_filter(f"{path} {operator} {literal}"), RESOURCE_TYPES[rtype][0])
    except InvalidFilter:
        return
    assert predicate(_placed(path, stored, as_list)) in (True, False)


def test_every_date_literal_compares_with_every_stored_date() -> None:
    # The whole cross product: with and without offsets, date only, extreme years, invalid text.
    for literal in DATES:
        for stored in DATES:
            for operator in ("eq", "ne", "gt", "ge", "lt", "le"):
                try:
                    predicate = compile_filter(
                        parse_filter(f"meta.lastModified {operator} {json.dumps(literal)}"), USER_TYPE
                    )
                except InvalidFilter:
                    continue
                assert predicate({"meta": {"lastModified": stored}}) in (True, False)


# -- ETags (RFC 9110 §8.8.3): any header is a version set, "*" or nothing --------------------------

ETAG_HEADERS = st.one_of(
    st.text(max_size=30),
    st.builds(lambda n: f'W/"{n}"', st.integers(0, 10**30)),
    st.builds(lambda d: f'W/"{"9" * d}"', st.integers(0, 6000)),
    st.lists(st.sampled_from(['W/"1"', '"2"', "W/x", '"a,b"', "*", "", ' W/"²"']), max_size=4).map(", ".join),
)


@BOUNDED
@given(header=ETAG_HEADERS)
def test_any_etag_header_parses_to_versions_star_or_nothing(header: str, figures: Counter) -> None:
    from mockscim.server.responses import parse_etag

    figures["hypothesis examples"] += 1
    parsed = parse_etag(header)
    assert parsed == "*" or (isinstance(parsed, frozenset) and all(0 <= v < 10**18 for v in parsed))


# -- projection: sub-attributes of multi-valued attributes stay with their element ---------------

EMAILS = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "value": st.text(max_size=4),
            "type": st.sampled_from(["work", "home"]),
            "primary": st.booleans(),
        },
    ),
    max_size=5,
)


@BOUNDED
@given(
    emails=EMAILS,
    subs=st.lists(st.sampled_from(["value", "type", "primary", "display"]), min_size=1, max_size=4),
)
def test_projecting_sub_attributes_keeps_each_element_whole(
    emails: list[dict[str, Any]], subs: list[str], figures: Counter
) -> None:
    from mockscim.scim.projection import project

    figures["hypothesis examples"] += 1
    resource = {"id": "x", "schemas": [USER_SCHEMA], "userName": "a", "emails": emails}
    projected = project(resource, USER_TYPE, tuple(f"emails.{s}" for s in subs), ())
    expected = [{k: v for k, v in e.items() if k in subs} for e in emails]
    assert projected.get("emails", []) == [e for e in expected if e]
    assert resource["emails"] == emails  # the source is never changed


# -- PATCH is all or nothing: a failing operation at any position changes nothing ----------------

GOOD_OPERATIONS = st.sampled_from(
    [
        {"op": "replace", "path": "title", "value": "Boss"},
        {"op": "add", "path": "emails", "value": [{"value": "x@example.com", "type": "home"}]},
        {"op": "remove", "path": 'emails[type eq "work"]'},
        {"op": "replace", "path": "name.givenName", "value": "Al"},
        {"op": "add", "value": {"nickName": "al", "active": False}},
        {"op": "replace", "path": f"{ENTERPRISE_SCHEMA}:department", "value": "Ops"},
    ]
)
BAD_OPERATIONS = st.sampled_from(
    [
        {"op": "replace", "path": "displayName", "value": "\ud800"},  # not Unicode: refused by the store
        {"op": "replace", "path": "password", "value": "\udfff"},  # fails only at the fingerprint
        {"op": "replace", "path": "userName", "value": "taken@example.com"},  # uniqueness, at the store
        {"op": "replace", "path": "active", "value": "yes"},
        {"op": "replace", "path": "nonsense", "value": 1},
        {"op": "replace", "path": 'emails[type eq "nope"]', "value": {"value": "y"}},
    ]
)


@BOUNDED
@given(data=st.data())
def test_a_patch_failing_at_any_position_leaves_the_resource_byte_identical(
    data: st.DataObject, figures: Counter
) -> None:
    figures["hypothesis examples"] += 1
    store = InMemoryStore()
    store.create("User", {**_stored("User"), "userName": "taken@example.com"})
    user = store.create("User", _stored("User"), password="old")
    good = data.draw(st.lists(GOOD_OPERATIONS, max_size=5))
    position = data.draw(st.integers(0, len(good)))
    operations = [*good[:position], data.draw(BAD_OPERATIONS), *good[position:]]
    before = (json.dumps(store.snapshot()), store.password_info(user["id"]), store.generation)
    with pytest.raises(ScimError) as refused:
        store.modify("User", user["id"], lambda attrs: _change(attrs, {"Operations": operations}, "User"))
    assert 400 <= refused.value.status < 500
    assert (json.dumps(store.snapshot()), store.password_info(user["id"]), store.generation) == before


# -- membership PATCH through the value index equals the general engine --------------------------

MEMBER_IDS = st.sampled_from(["u1", "u2", "u3", "U1", "g1"])
MEMBER_OPERATIONS = st.one_of(
    st.builds(lambda v: {"op": "remove", "path": f'members[value eq "{v}"]'}, MEMBER_IDS),
    st.builds(
        lambda vs: {"op": "add", "path": "members", "value": [{"value": v} for v in vs]},
        st.lists(MEMBER_IDS, max_size=3),
    ),
    st.builds(
        lambda v: {"op": "add", "path": "members", "value": {"value": v, "display": "one"}}, MEMBER_IDS
    ),
    st.just({"op": "remove", "path": "members[value pr]"}),
    st.builds(lambda v: {"op": "remove", "path": f'members[value ne "{v}"]'}, MEMBER_IDS),
    st.builds(lambda v: {"op": "replace", "path": "members", "value": [{"value": v}]}, MEMBER_IDS),
    st.builds(lambda v: {"op": "replace", "path": "displayName", "value": v}, MEMBER_IDS),
    st.builds(lambda v: {"op": "add", "path": 'members[value eq "u2"].display', "value": v}, MEMBER_IDS),
)


@BOUNDED
@given(
    members=st.lists(MEMBER_IDS, max_size=5, unique=True),
    operations=st.lists(MEMBER_OPERATIONS, min_size=1, max_size=8),
)
def test_indexed_member_operations_equal_the_general_engine(
    members: list[str], operations: list[dict[str, Any]], figures: Counter
) -> None:
    from mockscim.scim import patch

    figures["hypothesis examples"] += 1
    group = {"displayName": "G", "members": [{"value": m, "display": m} for m in members]}
    parsed = parse_operations({"Operations": operations})
    reference = copy.deepcopy(group)
    for operation in parsed:  # one at a time through the general engine, no index
        patch._apply_path(reference, operation, GROUP_TYPE)
    assert apply_patch(group, parsed, GROUP_TYPE) == reference
