"""Okta's import page written from JSON the store keeps for each record, not rendered per request.

An unfiltered, unsorted page (``GET /Users?startIndex=..&count=100``, Okta's import, docs/
okta-reference.md §5.1) is most of the work a mock does at 100,000 users, and rendering and
encoding its 100 records read about fifteen scattered objects per record. Here each record is
rendered once, by ``render`` itself, into three bytes objects that the store keeps beside the
record until the record is replaced (``StoreState.rendered_page``); a page is those bytes joined,
with the two parts that are not the record's own put in per request: the base URL of every
``meta.location`` and ``$ref`` (it depends on the request's host) and a user's derived
``groups`` (memberships change without the user changing). The bytes are the ones the render
path writes (tests/server/test_import_page.py compares both after random writes);
docs/performance.md, "The import page from kept JSON", has the figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from typing import Any

from mockscim import jsontext
from mockscim.scim.query import list_response
from mockscim.scim.schema import ResourceType
from mockscim.server.render import render

Kept = tuple[bytes, bytes, bytes]  # up to the derived groups, from them to the base URL, after it
Reference = tuple[bytes, bytes]  # a derived group's JSON: before the base URL of its $ref, after it
_GROUPS = b',"groups":[]'  # where a user's derived groups go: the view's last member before meta


def _markers() -> Iterator[str]:
    """Stand-ins for the base URL while JSON is made. A NUL is escaped in JSON text (RFC 8259 §7),
    so a marker is found only where it was put, unless a value holds the same escaped text: then
    the next marker is tried."""
    for n in count():
        yield f"\x00mockscim-base-{n}\x00"


def _marked(rtype: ResourceType, view: dict[str, Any], marker: str) -> dict[str, Any]:
    """``render``'s resource for ``view`` with ``marker`` for the base URL and, for a user, an
    empty ``groups`` where its derived groups go: before ``meta`` (as ``StoreState.view`` puts them)."""
    if rtype.name != "User":
        return render(dict(view), rtype, marker)  # a copy: ``render`` changes the dict it gets
    marked = view | {"groups": []}
    marked["meta"] = marked.pop("meta")
    return render(marked, rtype, marker)


def kept_records(rtype: ResourceType, views: list[dict[str, Any]]) -> list[Kept]:
    """The JSON of the store's ``views`` (without derived groups) as ``render`` writes them, cut
    where a request's own parts go.

    Encoded together, as a page is (one encoder call costs about as much as a short record),
    with the marker as a list item between records: ``,"marker",`` can only be such an item,
    since quotes inside a string are escaped."""
    if not views:
        return []
    for marker in _markers():
        quoted = jsontext.encode(marker)
        items: list[Any] = []
        for view in views:
            items += (_marked(rtype, view, marker), marker)
        records = jsontext.encode(items[:-1])[1:-1].split(b"," + quoted + b",")
        cuts = [record.split(quoted[1:-1]) for record in records]
        if len(records) == len(views) and all(len(cut) == 2 for cut in cuts):
            return [_kept(rtype, before, after) for before, after in cuts]
    raise AssertionError("unreachable: markers are endless")  # pragma: no cover


def _kept(rtype: ResourceType, before: bytes, after: bytes) -> Kept:
    """A record's JSON cut at the base URL of its location (``before``, ``after``), with
    ``before`` cut again where a user's derived groups go."""
    at = before.rfind(_GROUPS) if rtype.name == "User" else len(before)
    return before[:at], before[at + len(_GROUPS) :], after


def kept_reference(entry: dict[str, Any]) -> Reference:
    """A derived ``groups`` entry ({value, display, type}) as ``render`` writes it, with its $ref."""
    for marker in _markers():
        value = {**entry, "$ref": f"{marker}/Groups/{entry['value']}"}
        parts = jsontext.encode(value).split(jsontext.encode(marker)[1:-1])
        if len(parts) == 2:
            return parts[0], parts[1]
    raise AssertionError("unreachable: markers are endless")  # pragma: no cover


def page_json(total: int, start_index: int, base: str, slots: list[tuple[Any, ...]]) -> bytes:
    """The ListResponse (RFC 7644 §3.4.2) of the store's kept slots (a ``Kept`` record, the
    group generation, the ``Reference``s of its derived groups or None)."""
    envelope = jsontext.encode({**list_response([], total, start_index), "itemsPerPage": len(slots)})
    url = jsontext.encode(base)[1:-1]
    pieces = [envelope[:-2]]  # without "]}": the Resources follow
    extend = pieces.extend
    for head, middle, tail, _, references in slots:
        if not references:
            extend((head, middle, url, tail, b","))
        elif len(references) == 1:  # the usual case: no join of its own (half the time of a page)
            ((before, after),) = references
            extend((head, b',"groups":[', before, url, after, b"]", middle, url, tail, b","))
        else:
            listed = b",".join([url.join(reference) for reference in references])
            extend((head, b',"groups":[', listed, b"]", middle, url, tail, b","))
    if slots:
        pieces.pop()  # the last comma
    pieces.append(b"]}")
    return b"".join(pieces)
