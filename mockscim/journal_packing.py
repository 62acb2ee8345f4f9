"""How the journal keeps an entry: compact JSON, zlib-compressed with a preset dictionary.

An Okta request's entry is about 1,400 bytes of JSON and 250 bytes packed, where the same entry
as Python dicts holds 7-10 KB (docs/performance.md, "journal memory"). The packed length is the
entry's size, exactly, so the journal's byte bound needs no estimate. Every read parses a fresh
copy, so no reader can change what another one sees.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from mockscim.constants import ENTERPRISE_SCHEMA
from mockscim.constants import ERROR_SCHEMA
from mockscim.constants import GROUP_SCHEMA
from mockscim.constants import LIST_RESPONSE
from mockscim.constants import PATCH_OP
from mockscim.constants import USER_SCHEMA

Entry = dict[str, Any]


def _vocabulary() -> bytes:
    """What most entries say (keys, Okta's headers, SCIM URNs): a preset zlib dictionary, so even
    one short entry compresses well."""
    words = [
        '{"at":"2026-01-01T00:00:00.000Z","duration_ms":1.0,"request":{"method":"GET","path":"/scim/v2/Users",',
        '"query":{"filter":"userName eq \\"","startIndex":"1","count":"100"},"headers":{"User-Agent":"Okta SCIM Client 1.0.0",',
        '"Host":"127.0.0.1","Accept":"application/scim+json","Accept-Charset":"utf-8","Accept-Encoding":"gzip,deflate",',
        '"Authorization":"Basic ***","Content-Type":"application/scim+json; charset=utf-8","Content-Length":"',
        '"Connection":"keep-alive"},"body":null,"scim_path":"/Users/"},"response":{"status":200,"headers":{"Content-Type":',
        '"application/scim+json","Content-Length":"","ETag":"W/\\"1\\""},"body":{"schemas":["',
        f'{USER_SCHEMA}","{GROUP_SCHEMA}","{LIST_RESPONSE}","{PATCH_OP}","{ERROR_SCHEMA}","{ENTERPRISE_SCHEMA}',
        '"],"id":"00000000-0000-4000-8000-000000000000","userName":"@example.com","name":{"givenName":"","familyName":""},',
        '"emails":[{"primary":true,"value":"","type":"work"}],"displayName":"","locale":"en-US","externalId":"00u",',
        '"active":true,"groups":[],"meta":{"resourceType":"User","created":"","lastModified":"","location":"http://127.0.0.1',
        '"version":"W/\\"1\\""}},"totalResults":1,"itemsPerPage":1,"startIndex":1,"Resources":[',
        '"Operations":[{"op":"replace","value":{"active":false}}],"members":[{"value":"","display":""}],',
        '"operation":"user-lookup","dialect":"oin","fault":null,"findings":[],"resource":{"type":"User","id":""}}',
    ]
    return "".join(words).encode()


_ZDICT = _vocabulary()


def shrink(plain: bytes) -> bytes:
    """``plain`` (JSON text, or any bytes) compressed with the preset dictionary.

    zlib level 1: about 15 µs for an Okta entry. The journal's completers keep the response
    they will parse this way too, so an entry waiting for its findings stays small."""
    squeezer = zlib.compressobj(1, zdict=_ZDICT)
    return squeezer.compress(plain) + squeezer.flush()


def expand(packed: bytes) -> bytes:
    """The bytes that ``shrink`` compressed."""
    return zlib.decompressobj(zdict=_ZDICT).decompress(packed)


def pack(entry: Entry) -> bytes:
    """``entry`` (without its id) as compressed compact JSON; lone surrogates survive as they came.

    Raises TypeError for a value JSON cannot hold (a caller's bug: entries are JSON by contract).
    """
    text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"), check_circular=False)
    return shrink(text.encode("utf-8", "surrogatepass"))


def unpack(packed: bytes) -> Entry:
    """A fresh copy of the entry that ``pack`` packed."""
    entry: Entry = json.loads(expand(packed).decode("utf-8", "surrogatepass"))
    return entry


class Slot:
    """One buffered entry: its id, the rest packed, and the bytes the journal accounts for it.

    The id is kept apart, so an entry is packed before it has an id, outside every lock.
    """

    __slots__ = ("data", "id", "size")

    def __init__(self, entry_id: int, data: bytes, extra: int = 0) -> None:
        self.id = entry_id
        self.data = data
        self.size = slot_size(data) + extra

    def read(self) -> Entry:
        """A fresh copy of the entry, id first."""
        return {"id": self.id, **unpack(self.data)}


# What holding a slot costs beyond its packed bytes: the slot object, the bytes object's header,
# the deque's pointer and a pending-completion dict entry (measured with sys.getsizeof: about 160).
SLOT_OVERHEAD = 256


def slot_size(data: bytes) -> int:
    """The bytes of memory a slot holding ``data`` accounts for (an upper bound)."""
    return len(data) + SLOT_OVERHEAD
