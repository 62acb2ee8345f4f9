"""Concrete URLs for the rules of the URL map, shared by the tests that request every route."""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


def concrete(rule: str) -> str:
    """A URL for a URL-map rule: every ``<converter:name>`` replaced by a value it accepts."""

    def value(match: re.Match[str]) -> str:
        if match["converter"] == "int":
            return "1"
        if match["converter"] == "any":
            return match["args"].split(",")[0].strip()
        return "x"

    return _PLACEHOLDER.sub(value, rule)


# Numbers a query parameter must refuse with a SCIM 400 (not parse, not 500): other digits,
# huge, signed, spaced, hex, NaN, replacement characters, an encoded lone surrogate.
HOSTILE_NUMBERS = [
    "²",
    "٣",
    "１",
    "9" * 30,
    "9" * 5000,
    "-1",
    "1e5",
    " 1",
    "1 ",
    "0x1",
    "nan",
    "\ufffd",
    "%ED%A0%80",
]
