"""RFC 6901 JSON Pointers. SCIM extension keys are URNs full of dots
(``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User``), so dotted paths cannot work."""

from __future__ import annotations

import re
from typing import Any

# "~" must be followed by 0 or 1 (RFC 6901 §3).
_BAD_ESCAPE = re.compile(r"~(?![01])")
MISSING: Any = type("Missing", (), {"__repr__": lambda self: "<missing>"})()


class PointerError(ValueError):
    """The text is not a JSON Pointer."""


def parse(pointer: str) -> list[str]:
    """Split a pointer into unescaped reference tokens; ``""`` is the whole document."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PointerError(f"JSON Pointer {pointer!r} must be empty or start with '/', e.g. /Resources/0/id")
    if _BAD_ESCAPE.search(pointer):
        raise PointerError(
            f"JSON Pointer {pointer!r} has '~' not followed by 0 or 1; write ~0 for ~, ~1 for /"
        )
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def escape(token: str | int) -> str:
    """Escape one reference token (``a/b`` -> ``a~1b``)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def join(base: str, token: str | int) -> str:
    """``join("/emails", 0)`` -> ``"/emails/0"``."""
    return f"{base}/{escape(token)}"


def _step(value: Any, token: str) -> Any:
    """One level down, or MISSING."""
    if isinstance(value, dict):
        return value.get(token, MISSING)
    if isinstance(value, list) and re.fullmatch(r"0|[1-9][0-9]*", token):
        index = int(token)
        return value[index] if index < len(value) else MISSING
    return MISSING


def resolve(document: Any, pointer: str) -> Any:
    """The value ``pointer`` refers to in ``document``, or ``MISSING`` if it does not exist."""
    value = document
    for token in parse(pointer):
        value = _step(value, token)
        if value is MISSING:
            return MISSING
    return value
