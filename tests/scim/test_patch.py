"""PATCH engine (RFC 7644 §3.5.2) including Okta's forms (docs/okta-reference.md §7.1, §9.3, §9.5)."""

from __future__ import annotations

import copy

import pytest

from mockscim.constants import PATCH_OP
from mockscim.errors import InvalidPath
from mockscim.errors import InvalidSyntax
from mockscim.errors import InvalidValue
from mockscim.errors import Mutability
from mockscim.errors import NoTarget
from mockscim.errors import ScimError
from mockscim.scim.patch import apply_patch
from mockscim.scim.patch import parse_operations
from mockscim.scim.resource import normalize_resource
from mockscim.scim.schema import GROUP_TYPE
from mockscim.scim.schema import USER_TYPE

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER = {
    "userName": "alice@example.com",
    "name": {"givenName": "Alice", "familyName": "Smith"},
    "active": True,
    "emails": [{"value": "alice@example.com", "type": "work", "primary": True}],
}
GROUP = {"displayName": "Engineering", "members": [{"value": "u1", "display": "a"}, {"value": "u2"}]}


def patch(resource: dict, *ops: dict, rtype=USER_TYPE) -> dict:
    """Apply operations given as raw dicts."""
    return apply_patch(resource, parse_operations({"schemas": [PATCH_OP], "Operations": list(ops)}), rtype)


@pytest.mark.parametrize(
    ("ops", "changes"),
    [
        # Okta deactivate / reactivate: path-less replace of active (docs/okta-reference.md §7.1).
        ([{"op": "replace", "value": {"active": False}}], {"active": False}),
        ([{"op": "replace", "value": {"active": True}}], {}),
        # op is matched case-insensitively.
        ([{"op": "Replace", "value": {"active": False}}], {"active": False}),
        ([{"op": "REPLACE", "path": "active", "value": False}], {"active": False}),
        # Password sync in the PATCH dialect (docs/okta-reference.md §8, UNCONFIRMED body).
        ([{"op": "replace", "value": {"password": "n3w"}}], {"password": "n3w"}),
        # add without path merges attributes.
        ([{"op": "add", "value": {"title": "CTO", "nickName": "Al"}}], {"title": "CTO", "nickName": "Al"}),
        # add with path to a simple attribute sets it.
        ([{"op": "add", "path": "title", "value": "CTO"}], {"title": "CTO"}),
        # add to a complex attribute merges sub-attributes.
        (
            [{"op": "add", "path": "name", "value": {"middleName": "J"}}],
            {"name": {"givenName": "Alice", "familyName": "Smith", "middleName": "J"}},
        ),
        # replace of a complex attribute keeps sub-attributes that are not named (§3.5.2.3).
        (
            [{"op": "replace", "path": "name", "value": {"givenName": "Al"}}],
            {"name": {"givenName": "Al", "familyName": "Smith"}},
        ),
        (
            [{"op": "replace", "path": "name.givenName", "value": "Ally"}],
            {"name": {"givenName": "Ally", "familyName": "Smith"}},
        ),
        ([{"op": "remove", "path": "name.givenName"}], {"name": {"familyName": "Smith"}}),
        # add to multi-valued appends; replace replaces the whole array.
        (
            [{"op": "add", "path": "emails", "value": [{"value": "a@home", "type": "home"}]}],
            {"emails": [USER["emails"][0], {"value": "a@home", "type": "home"}]},
        ),
        (
            [{"op": "replace", "path": "emails", "value": [{"value": "new@x", "type": "work"}]}],
            {"emails": [{"value": "new@x", "type": "work"}]},
        ),
        # value-path filter with sub-attribute.
        (
            [{"op": "replace", "path": 'emails[type eq "work"].value', "value": "w@x"}],
            {"emails": [{"value": "w@x", "type": "work", "primary": True}]},
        ),
        # add to a filter that matches nothing creates the element from its equalities (Entra).
        (
            [{"op": "add", "path": 'emails[type eq "home"].value', "value": "h@x"}],
            {"emails": [USER["emails"][0], {"type": "home", "value": "h@x"}]},
        ),
        # replace a whole matching element.
        (
            [{"op": "replace", "path": 'emails[type eq "work"]', "value": {"value": "z@x", "type": "work"}}],
            {"emails": [{"value": "z@x", "type": "work"}]},
        ),
        # remove with filter; the attribute disappears once empty.
        ([{"op": "remove", "path": 'emails[type eq "work"]'}], {"emails": None}),
        (
            [{"op": "remove", "path": 'emails[type eq "work"].primary'}],
            {"emails": [{"value": "alice@example.com", "type": "work"}]},
        ),
        ([{"op": "remove", "path": "emails"}], {"emails": None}),
        ([{"op": "remove", "path": "nickName"}], {}),
        # extension attributes, URN-qualified or as an object.
        ([{"op": "add", "path": f"{ENT}:department", "value": "Eng"}], {ENT: {"department": "Eng"}}),
        ([{"op": "replace", "value": {ENT: {"department": "Ops"}}}], {ENT: {"department": "Ops"}}),
        ([{"op": "replace", "value": {f"{ENT}:department": "Ops"}}], {ENT: {"department": "Ops"}}),
        ([{"op": "add", "path": f"{ENT}:manager.value", "value": "m1"}], {ENT: {"manager": {"value": "m1"}}}),
        ([{"op": "add", "path": ENT, "value": {"costCenter": "42"}}], {ENT: {"costCenter": "42"}}),
        # several operations apply in order.
        (
            [
                {"op": "replace", "path": "title", "value": "A"},
                {"op": "replace", "path": "title", "value": "B"},
            ],
            {"title": "B"},
        ),
        # null means unassigned (RFC 7643 §2.5).
        ([{"op": "replace", "path": "name.givenName", "value": None}], {"name": {"familyName": "Smith"}}),
    ],
)
def test_patch_user(ops, changes):
    expected = copy.deepcopy(USER)
    for key, value in changes.items():
        if value is None:
            expected.pop(key)
        else:
            expected[key] = value
    assert patch(USER, *ops) == expected


@pytest.mark.parametrize(
    ("ops", "members", "name"),
    [
        # Okta membership PATCH: remove by value filter, add {value, display} without type (§9.3).
        (
            [
                {"op": "remove", "path": 'members[value eq "u1"]'},
                {"op": "add", "path": "members", "value": [{"value": "u3", "display": "c"}]},
            ],
            [{"value": "u2"}, {"value": "u3", "display": "c"}],
            "Engineering",
        ),
        # Push now on an empty group: replace members with [] (§9.3, S16 #757).
        ([{"op": "replace", "path": "members", "value": []}], None, "Engineering"),
        # The path-less form with id, displayName and empty members (§9.3, S17 #111).
        (
            [{"op": "replace", "value": {"id": "g1", "displayName": "Engineering", "members": []}}],
            None,
            "Engineering",
        ),
        # Rename: path-less replace carrying id and displayName; the id is ignored (§9.5).
        (
            [{"op": "replace", "value": {"id": "abf4dd94", "displayName": "Renamed"}}],
            GROUP["members"],
            "Renamed",
        ),
        # Adding a member twice keeps one copy.
        (
            [{"op": "add", "path": "members", "value": [{"value": "u1", "display": "again"}]}],
            GROUP["members"],
            "Engineering",
        ),
        # Removing a member that is not there succeeds (Okta may repeat removals).
        ([{"op": "remove", "path": 'members[value eq "nobody"]'}], GROUP["members"], "Engineering"),
        # Entra-style remove with a value list.
        (
            [{"op": "remove", "path": "members", "value": [{"value": "u2"}]}],
            [GROUP["members"][0]],
            "Engineering",
        ),
    ],
)
def test_patch_group(ops, members, name):
    result = patch(GROUP, *ops, rtype=GROUP_TYPE)
    assert result.get("members") == members
    assert result["displayName"] == name


@pytest.mark.parametrize(
    ("body", "error", "fragment"),
    [
        ([], InvalidSyntax, "JSON object"),
        (
            {"Operations": [{"op": "add", "path": "title", "value": "x"}], "schemas": ["wrong"]},
            InvalidValue,
            "schemas",
        ),
        ({"schemas": [PATCH_OP]}, InvalidValue, "non-empty array"),
        ({"schemas": [PATCH_OP], "Operations": []}, InvalidValue, "non-empty array"),
        ({"schemas": [PATCH_OP], "Operations": ["add"]}, InvalidValue, "must be an object"),
        ({"schemas": [PATCH_OP], "Operations": [{"op": "move", "path": "a"}]}, InvalidValue, "one of add"),
        ({"schemas": [PATCH_OP], "Operations": [{"op": "remove"}]}, NoTarget, "requires a 'path'"),
        (
            {"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "title"}]},
            InvalidValue,
            "requires a 'value'",
        ),
        (
            {"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "", "value": 1}]},
            InvalidPath,
            "non-empty",
        ),
    ],
)
def test_parse_operations_rejects_bad_body(body, error, fragment):
    with pytest.raises(error) as caught:
        parse_operations(body)
    assert fragment in caught.value.detail


@pytest.mark.parametrize(
    ("op", "error", "fragment"),
    [
        ({"op": "replace", "path": "active", "value": "false"}, InvalidValue, "boolean"),
        ({"op": "replace", "value": {"active": "false"}}, InvalidValue, "boolean"),
        ({"op": "replace", "path": "id", "value": "x"}, Mutability, "read-only"),
        ({"op": "replace", "path": "meta.created", "value": "x"}, Mutability, "read-only"),
        ({"op": "add", "path": "groups", "value": [{"value": "g"}]}, Mutability, "read-only"),
        ({"op": "replace", "path": "nosuch", "value": 1}, InvalidPath, "names no attribute"),
        ({"op": "replace", "path": "name.nosuch", "value": "x"}, InvalidPath, "no sub-attribute"),
        (
            {"op": "replace", "path": 'emails[type eq "home"].value', "value": "x"},
            NoTarget,
            "matched no value",
        ),
        (
            {"op": "replace", "path": 'emails[type eq "home"]', "value": {"value": "x"}},
            NoTarget,
            "matched no",
        ),
        ({"op": "add", "path": 'emails[type co "h"].value', "value": "x"}, NoTarget, "matched no value"),
        ({"op": "remove", "path": "emails[type eq work]"}, InvalidPath, "value filter"),
        ({"op": "remove", "path": 'emails[type eq "work"'}, InvalidPath, "not a valid PATCH path"),
        ({"op": "remove", "path": 'title[value eq "x"]'}, InvalidPath, "multi-valued complex"),
        ({"op": "add", "path": "emails", "value": [{"value": 5}]}, InvalidValue, "must be a string"),
        ({"op": "add", "path": "emails", "value": [{"nosub": "x"}]}, InvalidValue, "not a sub-attribute"),
        ({"op": "add", "value": "not-an-object"}, InvalidValue, "must be an object"),
        ({"op": "add", "path": "name", "value": "flat"}, InvalidValue, "must be an object"),
        ({"op": "add", "path": f"{ENT}:nosuch", "value": "x"}, InvalidPath, "names no attribute"),
    ],
)
def test_patch_rejects_invalid_operation(op, error, fragment):
    with pytest.raises(error) as caught:
        patch(USER, op)
    assert fragment in caught.value.detail


def test_patch_never_mutates_input_even_when_refused():
    before = copy.deepcopy(USER)
    with pytest.raises(ScimError):
        patch(
            USER,
            {"op": "replace", "path": "title", "value": "ok"},
            {"op": "replace", "path": "id", "value": "x"},
        )
    patch(USER, {"op": "remove", "path": "emails"})
    assert before == USER


def test_patched_result_is_revalidated_as_a_whole():
    # Each op is valid alone, but the result has two primary emails (RFC 7643 §2.4); the
    # server normalizes the patched resource, which refuses it.
    patched = patch(USER, {"op": "add", "path": "emails", "value": [{"value": "a@x", "primary": True}]})
    with pytest.raises(InvalidValue, match="primary"):
        normalize_resource(patched, USER_TYPE)


def test_patch_member_value_is_immutable():
    with pytest.raises(Mutability):
        patch(
            GROUP, {"op": "replace", "path": 'members[value eq "u1"].value', "value": "u9"}, rtype=GROUP_TYPE
        )
