"""The hot paths: Okta's requests, written as request files that wrk (or the Python load) replays.

A request file has one request per line, ``METHOD<TAB>PATH<TAB>BODY``; ``@U@`` in a body is replaced
by a token unique to the request (POST /Users needs a fresh userName every time).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from benchmarks import dataset
from benchmarks.dataset import Scale

Request = tuple[str, str, str]
SAMPLES = 4000  # requests per file; the load cycles through them
B = dataset.BASE_PATH


def lookup(scale: Scale, k: int) -> Request:
    """Okta's lookup before every assignment: ``filter=userName eq "..."`` (a hit)."""
    query = quote(f'userName eq "{dataset.user_name(k)}"', safe="")
    return "GET", f"{B}/Users?filter={query}&startIndex=1&count=100", ""


def get_user(scale: Scale, k: int) -> Request:
    """GET /Users/{id}."""
    return "GET", f"{B}/Users/{dataset.user_id(k)}", ""


def create_user(scale: Scale, k: int) -> Request:
    """POST /Users with a userName never used before."""
    return "POST", f"{B}/Users", dataset.compact(dataset.okta_user(f"-new-{dataset.UNIQUE}"))


def put_user(scale: Scale, k: int) -> Request:
    """PUT /Users/{id}: the AIW profile update (the whole user, same userName)."""
    body = {**dataset.okta_user(k), "id": dataset.user_id(k)}
    body.pop("password")
    return "PUT", f"{B}/Users/{dataset.user_id(k)}", dataset.compact(body)


def deactivate(scale: Scale, k: int) -> Request:
    """PATCH /Users/{id} replace active=false (docs/okta-reference.md §7.1)."""
    body = {"schemas": [dataset.PATCH_URN], "Operations": [{"op": "replace", "value": {"active": False}}]}
    return "PATCH", f"{B}/Users/{dataset.user_id(k)}", dataset.compact(body)


def _membership(gid: str, k: int) -> Request:
    """PATCH /Groups/{id}: add user k, then remove it again (the group's size does not drift)."""
    uid = dataset.user_id(k)
    add = {"op": "add", "path": "members", "value": [{"value": uid, "display": dataset.user_name(k)}]}
    remove = {"op": "remove", "path": f'members[value eq "{uid}"]'}
    body = {"schemas": [dataset.PATCH_URN], "Operations": [add, remove]}
    return "PATCH", f"{B}/Groups/{gid}", dataset.compact(body)


def group_patch(scale: Scale, k: int) -> Request:
    """Membership PATCH on the largest group (max_members members), with a user from outside it."""
    outside = scale.max_members + k % (scale.users - scale.max_members)
    return _membership(dataset.group_id(0), outside)


def group_patch_small(scale: Scale, k: int) -> Request:
    """Membership PATCH on a group of 10 members, with a user from outside it."""
    return _membership(dataset.group_id(scale.small_group), k % (scale.users - dataset.SMALL_GROUP))


def import_page(scale: Scale, k: int) -> Request:
    """An import page of 100 at a random offset (Okta pages through every user)."""
    start = 1 + k * (scale.users - 100) // scale.users
    return "GET", f"{B}/Users?startIndex={start}&count=100", ""


def import_walk(scale: Scale) -> list[Request]:
    """Okta's import: every page of 100 in order, once."""
    return [
        ("GET", f"{B}/Users?startIndex={start}&count=100", "") for start in range(1, scale.users + 1, 100)
    ]


HOT_PATHS: dict[str, tuple[str, Callable[[Scale, int], Request]]] = {
    "lookup": ('GET /Users?filter=userName eq "..."', lookup),
    "get_user": ("GET /Users/{id}", get_user),
    "import_page": ("GET /Users?startIndex=..&count=100", import_page),
    "put_user": ("PUT /Users/{id}", put_user),
    "deactivate": ("PATCH /Users/{id} active=false", deactivate),
    "group_patch": ("PATCH /Groups/{id} members (largest)", group_patch),
    "group_patch_small": ("PATCH /Groups/{id} members (10)", group_patch_small),
    # Last: it grows the store, so every other path runs on exactly the seeded store.
    "create_user": ("POST /Users", create_user),
}
CEILING_PATHS = {
    "ceiling": ("GET /ping (minimal Flask JSON)", "GET", "/ping", ""),
    "ceiling_post": ("POST /echo (minimal Flask JSON body)", "POST", "/echo", ""),
}


def requests_for(name: str, scale: Scale, seed: int = 1) -> list[Request]:
    """SAMPLES requests for a hot path, on users drawn at random from the whole store."""
    build = HOT_PATHS[name][1]
    rng = random.Random(f"{name}/{scale.name}/{seed}")
    return [build(scale, rng.randrange(scale.users)) for _ in range(SAMPLES)]


def ceiling_requests(name: str) -> list[Request]:
    """The ceiling endpoint's request (the POST variant carries an Okta-sized user body)."""
    _, method, path, _ = CEILING_PATHS[name]
    body = dataset.compact(dataset.okta_user(1)) if method == "POST" else ""
    return [(method, path, body)]


def write_file(requests: list[Request], path: Path) -> Path:
    """Write a request file."""
    path.write_text("".join(f"{m}\t{p}\t{b}\n" for m, p, b in requests), encoding="utf-8")
    return path


def read_file(path: Path) -> list[Request]:
    """Read a request file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t", 2)) for line in lines if line]  # type: ignore[misc]
