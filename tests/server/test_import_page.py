"""The import page from kept JSON (server/wire.py) answers with the bytes the render path writes.

Every page is compared over HTTP with the same page through a filter that matches every resource
(``filter=id pr``), which the render path answers: after writes of every kind, with values that
hold the text the kept JSON is cut at, and for every base URL a request names.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace

import pytest
from conftest import Scim
from support import okta_user

from mockscim.constants import PATCH_OP

URN = "urn:ietf:params:scim:schemas:extension:kept:2.0:User"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
EXTENSION = {
    "id": URN,
    "name": "KeptUser",
    "attributes": [
        {"name": "costCenter", "type": "string"},
        {"name": "weight", "type": "decimal"},
        {"name": "pin", "type": "string", "mutability": "writeOnly"},  # never returned (RFC 7643 §7)
    ],
}
# Values that hold the marker the kept JSON is cut at, the text it looks for, escapes and non-ASCII.
ODD = [
    "plain",
    "\x00mockscim-base-0\x00",
    "\x00mockscim-base-0\x00 and \x00mockscim-base-1\x00",
    ',"groups":[]',
    '"groups":[],"meta":{',
    'a quote " and a backslash \\',
    "Zoë 日本語 🎉 \u2028",
    "/Users/",
]


@pytest.fixture
def kept(settings, tmp_path, serve, scim_for) -> Scim:
    """A client of mockscim with an extension that has a never-returned attribute."""
    declared = tmp_path / "kept.json"
    declared.write_text(json.dumps(EXTENSION))
    return scim_for(serve(replace(settings, schema_extensions=(declared,))))


def _user(rng: random.Random, n: int) -> dict:
    """An Okta user with odd values in core and extension attributes."""
    extension = {"costCenter": rng.choice(ODD), "weight": rng.choice([1.5, 0.1, 1e21]), "pin": "1234"}
    body = okta_user(f"user{n}@example.com", displayName=rng.choice(ODD), title=rng.choice(ODD))
    return {**body, "schemas": [CORE, URN], URN: extension}


def _ids(scim: Scim, rtype: str) -> list[str]:
    """Every id of ``rtype``, in creation order."""
    return [r["id"] for r in scim.get(f"/{rtype}?count=1000").json()["Resources"]]


def _members(rng: random.Random, users: list[str]) -> list[dict]:
    """A few members drawn from ``users``."""
    return [{"value": u} for u in rng.sample(users, min(len(users), rng.randrange(6)))]


def _write(scim: Scim, rng: random.Random, n: int) -> None:
    """One write of any kind that changes what a page shows."""
    users, groups = _ids(scim, "Users"), _ids(scim, "Groups")
    kind = rng.choice(["create", "create", "put", "patch", "delete", "group", "members", "rename", "ungroup"])
    if kind == "create" or len(users) < 3:
        scim.post("/Users", _user(rng, n))
    elif kind == "put":
        scim.put(f"/Users/{rng.choice(users)}", _user(rng, n))
    elif kind == "patch":
        operation = {"op": "replace", "value": {"active": rng.random() < 0.5, "title": rng.choice(ODD)}}
        scim.patch(f"/Users/{rng.choice(users)}", {"schemas": [PATCH_OP], "Operations": [operation]})
    elif kind == "delete":
        scim.delete(f"/Users/{rng.choice(users)}")
    elif kind == "group" or not groups:
        scim.post("/Groups", {"displayName": f"{rng.choice(ODD)} {n}", "members": _members(rng, users)})
    elif kind == "members":
        change = {"op": "add", "path": "members", "value": _members(rng, users)}
        scim.patch(f"/Groups/{rng.choice(groups)}", {"schemas": [PATCH_OP], "Operations": [change]})
    elif kind == "rename":
        gid = rng.choice(groups)
        scim.put(f"/Groups/{gid}", {"displayName": f"{rng.choice(ODD)} {n}", "members": _members(rng, users)})
    else:
        scim.delete(f"/Groups/{rng.choice(groups)}")


def _assert_pages_agree(scim: Scim, rtype: str, start: int, count: int) -> list[dict]:
    """The kept-JSON page and the render path's page are the same bytes; returns its resources."""
    kept = scim.get(f"/{rtype}?startIndex={start}&count={count}")
    rendered = scim.get(f"/{rtype}?filter=id%20pr&startIndex={start}&count={count}")
    assert kept.status_code == rendered.status_code == 200
    assert kept.content == rendered.content
    return kept.json()["Resources"]


@pytest.mark.parametrize("seed", range(4))
def test_import_pages_are_the_render_paths_bytes_after_every_write(kept, seed):
    rng, shown = random.Random(seed), []
    first = [kept.post("/Users", _user(rng, n)).json()["id"] for n in range(3)]
    for name in ("one", "two"):  # the first user in two groups (until a write changes that)
        kept.post("/Groups", {"displayName": name, "members": [{"value": first[0]}]})
    for n in range(3, 60):
        _write(kept, rng, n)
        total = len(_ids(kept, "Users"))
        shown += _assert_pages_agree(kept, "Users", rng.randrange(1, total + 2), rng.choice([1, 3, 100]))
        _assert_pages_agree(kept, "Groups", 1, 100)
    assert all("pin" not in user.get(URN, {}) for user in shown)
    assert {len(user.get("groups", ())) for user in shown} >= {0, 1, 2}  # every way groups are written


@pytest.mark.parametrize(
    "hosts",
    [
        ("a.example",),
        ("a.example", "b.example:8443", "a.example"),
        ("b.example:8443", None, "b.example:8443"),
    ],
)
def test_import_pages_name_the_base_url_of_each_request(serve, settings, scim_for, hosts):
    scim = scim_for(serve(replace(settings, trust_proxy=1)))
    grouped, alone = (scim.create_user(f"{name}@example.com")["id"] for name in ("grouped", "alone"))
    gid = scim.post("/Groups", {"displayName": "team", "members": [{"value": grouped}]}).json()["id"]
    scim.get("/Users")  # keeps the JSON, made for this request's host
    for host in hosts:
        headers = {"Host": host} if host else {}
        kept = scim.get("/Users", headers=headers)
        assert kept.content == scim.get("/Users?filter=id%20pr", headers=headers).content
        url = f"http://{host}/scim/v2" if host else scim.base
        first, second = kept.json()["Resources"]
        assert (first["meta"]["location"], second["meta"]["location"]) == (
            f"{url}/Users/{grouped}",
            f"{url}/Users/{alone}",
        )
        assert first["groups"][0]["$ref"] == f"{url}/Groups/{gid}" and "groups" not in second
