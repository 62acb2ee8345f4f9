"""Search parameters, pagination rules, sorting and projection (RFC 7644 §3.4.2, §3.9)."""

from __future__ import annotations

import pytest

from mockscim.constants import SEARCH_REQUEST
from mockscim.errors import InvalidFilter
from mockscim.errors import InvalidSyntax
from mockscim.errors import InvalidValue
from mockscim.scim.paths import AttrPath
from mockscim.scim.projection import project
from mockscim.scim.query import Limits
from mockscim.scim.query import build_search
from mockscim.scim.query import list_response
from mockscim.scim.query import search_body_params
from mockscim.scim.query import sort_resources
from mockscim.scim.schema import USER_TYPE

ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIMITS = Limits(default_count=100, max_count=500)


@pytest.mark.parametrize(
    ("params", "start", "count"),
    [
        ({}, 1, 100),
        ({"startIndex": "1", "count": "2"}, 1, 2),
        ({"startIndex": "101", "count": "100"}, 101, 100),
        # startIndex < 1 is read as 1; a negative count as 0 (RFC 7644 §3.4.2.4).
        ({"startIndex": "0"}, 1, 100),
        ({"startIndex": "-5"}, 1, 100),
        ({"count": "-1"}, 1, 0),
        ({"count": "0"}, 1, 0),
        # A count above the maximum is clamped to it.
        ({"count": "10000"}, 1, 500),
        # Parameter names are case-insensitive in practice (Okta 2018 docs, docs/okta-reference.md §2.5).
        ({"STARTINDEX": "3", "Count": "4"}, 3, 4),
        # /.search bodies carry JSON integers.
        ({"startIndex": 7, "count": 8}, 7, 8),
    ],
)
def test_pagination_parameters(params, start, count):
    search = build_search(params, LIMITS)
    assert (search.start_index, search.count) == (start, count)


@pytest.mark.parametrize(
    ("params", "error", "fragment"),
    [
        ({"count": "abc"}, InvalidValue, "count must be an integer"),
        ({"startIndex": "1.5"}, InvalidValue, "startIndex must be an integer"),
        ({"startIndex": True}, InvalidValue, "startIndex must be an integer"),
        ({"sortOrder": "up"}, InvalidValue, "sortOrder"),
        ({"filter": 5}, InvalidValue, "filter must be a string"),
        ({"filter": "userName eq"}, InvalidFilter, "expected a value after 'eq'"),
        ({"attributes": 5}, InvalidValue, "attributes"),
        ({"filter": "x" * 5000}, InvalidFilter, "limit is 4096"),
    ],
)
def test_bad_search_parameters(params, error, fragment):
    with pytest.raises(error) as caught:
        build_search(params, LIMITS)
    assert fragment in caught.value.detail


@pytest.mark.parametrize(
    ("body", "error"),
    [([], InvalidSyntax), ({"schemas": ["x"]}, InvalidValue), ({"schemas": "x"}, InvalidValue)],
)
def test_search_body_must_be_a_search_request(body, error):
    with pytest.raises(error):
        search_body_params(body)


def test_search_body_parameters_pass_through():
    params = search_body_params({"schemas": [SEARCH_REQUEST], "filter": "title pr", "count": 5})
    assert params == {"filter": "title pr", "count": 5}


def test_list_response_counts_all_matches_not_the_page():
    body = list_response([{"id": "1"}], total=250, start_index=101)
    assert body == {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 250,
        "startIndex": 101,
        "itemsPerPage": 1,
        "Resources": [{"id": "1"}],
    }


PEOPLE = [
    {"id": "1", "userName": "bob", "emails": [{"value": "z@x"}, {"value": "a@x", "primary": True}]},
    {"id": "2", "userName": "Alice", "emails": [{"value": "m@x"}]},
    {"id": "3", "userName": "carol"},
    {"id": "4", "userName": "dave", "meta": {"created": "2026-01-01T00:00:00Z"}},
]


@pytest.mark.parametrize(
    ("path", "descending", "order"),
    [
        (AttrPath("userName"), False, ["2", "1", "3", "4"]),  # case-insensitive order
        (AttrPath("userName"), True, ["4", "3", "1", "2"]),
        # multi-valued: the primary value, else the first; missing values always last.
        (AttrPath("emails"), False, ["1", "2", "3", "4"]),
        (AttrPath("emails", "value"), True, ["2", "1", "3", "4"]),
        (AttrPath("meta", "created"), False, ["4", "1", "2", "3"]),
    ],
)
def test_sort_resources(path, descending, order):
    ordered = sort_resources(PEOPLE, USER_TYPE, path, descending=descending)
    assert [r["id"] for r in ordered] == order


RESOURCE = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
    "id": "u1",
    "userName": "alice",
    "name": {"givenName": "Alice", "familyName": "Smith"},
    "emails": [{"value": "a@x", "type": "work"}, {"value": "b@x", "type": "home"}],
    "active": True,
    ENT: {"department": "Eng", "costCenter": "7"},
    "meta": {"resourceType": "User"},
}


@pytest.mark.parametrize(
    ("attributes", "excluded", "expected"),
    [
        (("userName",), (), {"schemas", "id", "userName"}),
        (("name.givenName", "active"), (), {"schemas", "id", "name", "active"}),
        (("emails.value",), (), {"schemas", "id", "emails"}),
        ((f"{ENT}:department",), (), {"schemas", "id", ENT}),
        ((ENT,), (), {"schemas", "id", ENT}),
        ((), ("emails", "meta"), {"schemas", "id", "userName", "name", "active", ENT}),
        ((), ("id", "userName"), {"schemas", "id", "name", "emails", "active", ENT, "meta"}),  # id is always
        ((), (ENT,), {"schemas", "id", "userName", "name", "emails", "active", "meta"}),
    ],
)
def test_projection_keys(attributes, excluded, expected):
    assert set(project(RESOURCE, USER_TYPE, attributes, excluded)) == expected


def test_projection_of_sub_attributes_keeps_only_them():
    out = project(RESOURCE, USER_TYPE, ("name.givenName", "emails.value", f"{ENT}:department"), ())
    assert out["name"] == {"givenName": "Alice"}
    assert out["emails"] == [{"value": "a@x"}, {"value": "b@x"}]
    assert out[ENT] == {"department": "Eng"}


def test_excluded_sub_attribute_and_input_untouched():
    out = project(RESOURCE, USER_TYPE, (), ("emails.type", f"{ENT}:costCenter"))
    assert out["emails"] == [{"value": "a@x"}, {"value": "b@x"}]
    assert out[ENT] == {"department": "Eng"}
    assert RESOURCE["emails"][0]["type"] == "work"


@pytest.mark.parametrize("name", ["nosuch", "name.nosuch", "urn:acme:1.0:User"])
def test_projection_rejects_unknown_attribute(name):
    with pytest.raises(InvalidValue):
        project(RESOURCE, USER_TYPE, (name,), ())
