"""Masking secrets before anything is recorded: credentials in headers, and passwords by meaning.

A password is masked wherever an attribute *resolves* to ``password``, whatever the spelling:
any letter case, URN-qualified (``urn:ietf:params:scim:schemas:core:2.0:User:password``), nested
under the core schema's URN key, a PATCH path (with or without a value filter) or a path-less
PATCH value (RFC 7644 §3.5.2), and the literals a filter compares with it (``password eq "x"``,
RFC 7644 §3.4.2.2). Text that is not JSON gets a conservative pattern instead: when it mentions
a password in any spelling, every value in it is masked. ``secret_values`` lists the passwords
a body carries, so ``redact`` can hide them from text they were copied into (error details,
findings). Secrets are never stored, so they cannot leak through the journal, exports, logs or
the dashboard (docs/okta-reference.md §2.3 for the header forms).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

MASK = "***"
SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie", "x-api-key")
MIN_REDACTED = 4  # shorter secrets are masked where they are, but not searched for in free text
MAX_DEPTH = 64  # bodies are capped at this nesting at the edge (mockscim.jsontext); deeper is cut

# An attribute path: an optional schema URN prefix, then the attribute (RFC 7644 §3.10).
_PASSWORD_PATH = re.compile(r"\s*(?:urn:[^\s\[\]\"]*:)?password(?![\w$-])", re.IGNORECASE)
_OPERATOR = r"(?:eq|ne|co|sw|ew|gt|ge|lt|le)"
_LITERAL = r'(?:"[^"\\]*(?:\\.[^"\\]*)*"?|[^\s()\[\]"]+)'
# ``password eq "x"``, ``urn:...:User:password.value ne x``, ``emails[password co "x"]``
_COMPARISON = re.compile(rf"(password(?:\.[\w$]+)?\s+{_OPERATOR}\s+)({_LITERAL})", re.IGNORECASE)
# ``password[value eq "x"]``: every literal inside the brackets
_FILTERED = re.compile(r"(password\s*\[)([^\]]*)", re.IGNORECASE)
_ANY_LITERAL = re.compile(rf"(\s{_OPERATOR}\s+)({_LITERAL})", re.IGNORECASE)
# A quoted string (perhaps cut off at the end), or a bare value after ``:`` or ``=``.
_TEXT_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*("|\\?$)|([:=]\s*)([^\s"{}\[\],&;:=]+)')
_UNICODE_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def mask_header(name: str, value: str) -> str:
    """Keep the scheme of an Authorization header (``Basic ***``), hide the credential."""
    if name.lower() not in SECRET_HEADERS:
        return value
    scheme, sep, _ = value.partition(" ")
    if sep and scheme.lower() in ("basic", "bearer", "ssws", "token", "digest"):
        return f"{scheme} {MASK}"
    return MASK


def mask_headers(headers: dict[str, str]) -> dict[str, str]:
    """A copy of ``headers`` (names lower-cased) with secret values masked."""
    return {name.lower(): mask_header(name, value) for name, value in headers.items()}


def is_password(name: str) -> bool:
    """True for a key or path that resolves to ``password``: ``PASSWORD``, the URN-qualified
    name, ``password.value`` or ``password[value eq "x"]``."""
    return bool(_PASSWORD_PATH.match(name.casefold()))


def mask_filter(text: str) -> str:
    """A filter or PATCH path with the literals compared with a password masked."""
    if "password" not in text.casefold():
        return text
    text = _FILTERED.sub(lambda m: m[1] + _ANY_LITERAL.sub(_masked_literal, m[2]), text)
    return _COMPARISON.sub(_masked_literal, text)


def _masked_literal(match: re.Match[str]) -> str:
    """``op "x"`` -> ``op "***"``; a bare literal (``op 123``) -> ``op ***``."""
    return match[1] + (f'"{MASK}"' if match[2].startswith('"') else MASK)


def mask_query(query: dict[str, str]) -> dict[str, str]:
    """Query parameters with filter literals and password-named parameters masked."""
    out = {}
    for key, value in query.items():
        if is_password(key) or "password" in key.casefold():
            out[key] = MASK
        elif isinstance(value, str):
            out[key] = mask_filter(value)
        else:
            out[key] = value
    return out


def mask_body(value: Any, depth: int = 0) -> Any:
    """A copy of a JSON value with every password masked: keys that resolve to ``password``,
    PATCH operations whose path does, and the literals of filters and paths."""
    if depth > MAX_DEPTH:
        return MASK  # never reached for bodies read at the edge; a cap, not a recursion error
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if is_password(key) and item is not None:
                out[key] = MASK
            elif key.casefold() in ("filter", "path") and isinstance(item, str):
                out[key] = mask_filter(item)
            else:
                out[key] = mask_body(item, depth + 1)
        path = value.get("path")
        if isinstance(path, str) and is_password(path) and "value" in out:
            out["value"] = MASK  # {"op": "replace", "path": "password", "value": "..."}
        return out
    if isinstance(value, list):
        return [mask_body(item, depth + 1) for item in value]
    return value


def _plain(text: str) -> str:
    """``text`` with JSON and URL escapes undone and control characters dropped: how a
    ``p\\u0061ssword`` or ``pass%77ord`` reads once it is decoded."""
    text = _UNICODE_ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)
    return _CONTROL.sub("", unquote(text)).casefold()


def mentions_password(text: str) -> bool:
    """True when ``text`` names a password in any spelling or escape."""
    return "password" in text.casefold() or "password" in _plain(text)


def mask_text(text: str) -> str:
    """A conservative mask for a body that is not valid JSON.

    Text that mentions a password in any spelling keeps its shape (keys, brackets) but none of
    its values: every string that is not a key, and every bare value after ``:`` or ``=``, is
    masked; text holding control characters (UTF-16, binary) is replaced whole.
    """
    if not mentions_password(text):
        return text
    if _CONTROL.search(text):
        return f"{MASK} ({len(text)} characters that mention a password)"
    return _TEXT_TOKEN.sub(lambda m: _mask_token(m, text), text)


def _mask_token(match: re.Match[str], text: str) -> str:
    """Keep a quoted key (it opens an object member and is followed by ``:``); mask the rest."""
    if match[2] is not None:
        return match[2] + MASK  # a bare value: password=x, "password": 123
    closed = match[1] == '"'  # else cut off at the end (perhaps right after a backslash)
    before = text[max(0, match.start() - 40) : match.start()].rstrip()
    after = text[match.end() : match.end() + 40].lstrip()
    if closed and after.startswith(":") and (not before or before[-1] in "{,"):
        return match[0]
    return f'"{MASK}"' if closed else f'"{MASK}'


def secret_values(value: Any) -> set[str]:
    """Every password a JSON body carries (the strings under password attributes and paths, and
    filter literals compared with a password), to hide them from text they were copied into."""
    found: set[str] = set()
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            continue
        if isinstance(node, dict):
            path = node.get("path")
            for key, item in node.items():
                if is_password(key) or (key == "value" and isinstance(path, str) and is_password(path)):
                    found |= _strings(item)
                elif key.casefold() in ("filter", "path") and isinstance(item, str):
                    found |= filter_secrets(item)
                else:
                    stack.append((item, depth + 1))
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)
    return found


def filter_secrets(text: str) -> set[str]:
    """The literals a filter or path compares with a password, unquoted."""
    if "password" not in text.casefold():
        return set()
    found = {m[2] for m in _COMPARISON.finditer(text)}
    for bracket in _FILTERED.finditer(text):
        found |= {m[2] for m in _ANY_LITERAL.finditer(bracket[2])}
    return {literal.strip('"') for literal in found} - {""}


def _strings(value: Any) -> set[str]:
    """The string leaves of a value (a password of the wrong type may be a list or an object)."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return {s for item in value.values() for s in _strings(item)}
    if isinstance(value, list):
        return {s for item in value for s in _strings(item)}
    return {str(value)} if isinstance(value, int | float) and not isinstance(value, bool) else set()


def redact(value: Any, secrets: set[str] | frozenset[str]) -> Any:
    """A copy of a JSON value (or text) with every occurrence of the given secrets masked.

    For text the secrets were copied into: an error ``detail``, a finding's message. Secrets
    shorter than MIN_REDACTED are left to the structural masks (redacting "a" would garble text).
    """
    wanted = sorted((s for s in secrets if len(s) >= MIN_REDACTED), key=len, reverse=True)
    if not wanted:
        return value
    return _redact(value, wanted, 0)


def _redact(value: Any, wanted: list[str], depth: int) -> Any:
    """``redact`` with the secrets sorted longest first (so a longer one is masked whole)."""
    if isinstance(value, str):
        for secret in wanted:
            if secret in value:
                value = value.replace(secret, MASK)
        return value
    if depth > 2 * MAX_DEPTH:  # bodies nest at most MAX_DEPTH; entries wrap them in a few levels
        return value
    if isinstance(value, dict):
        return {_redact(k, wanted, depth): _redact(v, wanted, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(item, wanted, depth + 1) for item in value]
    return value
