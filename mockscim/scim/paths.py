"""Attribute paths: ``name``, ``name.sub`` and ``urn:...:Schema:name.sub`` (RFC 7644 §3.10)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mockscim.errors import InvalidPath

# ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA (RFC 7643 §2.1);
# "$ref" is the one reserved name that starts with "$".
_NAME = r"(?:\$ref|[A-Za-z][A-Za-z0-9_\-]*)"
_ATTR_RE = re.compile(rf"^({_NAME})(?:\.({_NAME}))?$")


@dataclass(frozen=True)
class AttrPath:
    """An attribute reference: optional schema URN, attribute name, optional sub-attribute."""

    attr: str
    sub: str | None = None
    urn: str | None = None

    def __str__(self) -> str:
        text = self.attr if self.sub is None else f"{self.attr}.{self.sub}"
        return f"{self.urn}:{text}" if self.urn else text


def split_urn(text: str, known_urns: tuple[str, ...] = ()) -> tuple[str | None, str]:
    """Split ``urn:...:Schema:attr.sub`` into (urn, ``attr.sub``); non-URN text has no urn.

    A known URN is matched first, because attribute names may not contain ':' but URNs
    contain '.' (``...:enterprise:2.0:User``).
    """
    if not text.lower().startswith("urn:"):
        return None, text
    lowered = text.lower()
    for urn in sorted(known_urns, key=len, reverse=True):
        if lowered == urn.lower():
            return urn, ""
        if lowered.startswith(urn.lower() + ":"):
            return urn, text[len(urn) + 1 :]
    urn, _, rest = text.rpartition(":")
    return urn, rest


def parse_attr_path(text: str, known_urns: tuple[str, ...] = ()) -> AttrPath:
    """Parse ``[urn:]attr[.sub]``; raise InvalidPath when the text is not a valid path."""
    urn, rest = split_urn(text.strip(), known_urns)
    match = _ATTR_RE.match(rest)
    if not match:
        raise InvalidPath(f"'{text}' is not a valid attribute path; expected [urn:]name[.subName]")
    return AttrPath(attr=match.group(1), sub=match.group(2), urn=urn)
