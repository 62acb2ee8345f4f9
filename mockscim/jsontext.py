"""JSON text at the edge: what the server accepts (``loads``) and how it writes (``dumps``).

Every request body is read by ``loads``, before anything walks it, so nothing downstream meets
what JSON cannot carry:

- bytes are decoded as strict UTF-8 (RFC 8259 §8.1);
- nesting is capped (``MAX_DEPTH``) before the parser runs, because the parser, masking, the
  schema validators and the PATCH engine all recurse;
- ``NaN``, ``Infinity`` and numbers that overflow to infinity are refused (RFC 8259 §6);
- a lone UTF-16 surrogate (``"\\ud800"``) is refused with the JSON Pointer of the string that
  holds it: RFC 8259 §8.2 calls such strings not interoperable, and Python can hold them but
  cannot encode them as UTF-8, so every writer would fail on them later.

``dumps`` is the other side: text that reached the server some other way (a header, a path)
can never make a writer fail; a lone surrogate is written as its ``\\uXXXX`` escape.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

import orjson

from mockscim.errors import InvalidSyntax
from mockscim.errors import InvalidValue

MAX_DEPTH = 64  # arrays and objects inside each other; SCIM resources need 5 at most
_OPENERS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# orjson reads an integer past 64 bits as a float (it would lose digits): text with a run of 19
# digits anywhere is left to ``json``, which keeps every integer exact. Found by turning every
# digit into "0" and looking for 19 of them: a tenth of the time a regular expression takes.
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGITS = b"0" * 19
# Types orjson would write but JSON has no form for: refuse them, as ``json`` does.
_STRICT = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME


def _reject_constant(name: str) -> Any:
    """JSON has no NaN or Infinity; Python's parser would accept them."""
    raise ValueError(f"{name} is not valid JSON")


class _OutOfRange:
    """Stands for a number too large for a float until ``loads`` names where it was."""


_OUT_OF_RANGE = _OutOfRange()


def _finite(found: list[str]) -> Callable[[str], float | _OutOfRange]:
    """A float parser that marks a number too large for a float (``1e999``) instead of reading it
    as infinity, and notes it in ``found`` (RFC 8259 §6 lets a parser limit the range; infinity
    cannot be written back as JSON)."""

    def parse(text: str) -> float | _OutOfRange:
        value = float(text)
        if math.isinf(value):
            found.append(text)
            return _OUT_OF_RANGE
        return value

    return parse


def nests_deeper(text: str, limit: int = MAX_DEPTH) -> bool:
    """True when arrays and objects in ``text`` nest deeper than ``limit`` (strings skipped).

    A scan of the brackets, not a parse, so it cannot recurse; text with no more than ``limit``
    brackets in all is not even scanned.
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    level = 0
    for match in _OPENERS.finditer(text):
        token = match.group()
        if token in "[{":
            level += 1
            if level > limit:
                return True
        elif token in "]}":
            level -= 1
    return False


def loads(
    data: bytes | str,
    *,
    what: str = "the request body",
    max_depth: int = MAX_DEPTH,
    lone_surrogates: bool = False,
) -> Any:
    """Parse JSON text; raise InvalidSyntax (400) for bytes, nesting or numbers JSON cannot carry,
    and InvalidValue naming the JSON Pointer for a lone surrogate (unless ``lone_surrogates``:
    the journal file reads back the escapes ``dumps`` wrote)."""
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidSyntax(
                f"{what} is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); send UTF-8 JSON"
            ) from None
    else:
        text = data
    if nests_deeper(text, max_depth):
        raise InvalidSyntax(f"{what} is nested deeper than {max_depth} levels of arrays and objects")
    if not lone_surrogates and (value := _quick(data)) is not _REFUSED:
        return value
    too_large: list[str] = []
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite(too_large))
    except RecursionError:  # unreachable below the depth limit; kept so no parse can crash
        raise InvalidSyntax(f"{what} is nested too deeply to parse") from None
    except ValueError as exc:
        raise InvalidSyntax(f"{what} is not valid JSON: {exc}") from None
    if too_large:
        where = pointer_of(value, _is_out_of_range)
        raise InvalidValue(
            f"{what} holds a number too large for this server at {where or '/'}; send a smaller number"
        )
    if lone_surrogates:
        return value
    if _SURROGATE_ESCAPE.search(text) or (not isinstance(data, bytes) and _LONE_SURROGATE.search(text)):
        pointer = pointer_of(value, _has_lone_surrogate)
        if pointer is not None:
            raise InvalidValue(
                f"{what} is not valid Unicode: a lone UTF-16 surrogate at {pointer or '/'} (RFC 8259 "
                "§8.2); send the character itself or a complete surrogate pair"
            )
    return value


_REFUSED = object()  # what ``_quick`` leaves to the full parse


def _quick(data: bytes | str) -> Any:
    """The value when orjson reads ``data`` exactly as ``json`` would, else ``_REFUSED``.

    orjson refuses everything ``loads`` refuses (bytes that are not UTF-8, a BOM, NaN and
    Infinity, numbers that overflow, lone surrogates, trailing data), so its success means the
    value is what ``json`` would give (``loads`` of an Okta user body: 6 µs against 11); its only
    silent difference, integers past 64 bits, is left to ``json``. Every refusal is read again by ``json``, which
    names the problem as before.
    """
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    if _LONG_DIGITS in raw.translate(_DIGITS_AS_ZERO):
        return _REFUSED
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _REFUSED


def _escape(token: str) -> str:
    """One JSON Pointer reference token (RFC 6901 §3)."""
    return token.replace("~", "~0").replace("/", "~1")


def _is_out_of_range(node: Any) -> bool:
    """The marker ``_finite`` left for a number too large for a float."""
    return node is _OUT_OF_RANGE


def _has_lone_surrogate(node: Any) -> bool:
    """A string (value or key) holding a lone UTF-16 surrogate."""
    return isinstance(node, str) and _LONE_SURROGATE.search(node) is not None


def pointer_of(value: Any, bad: Callable[[Any], bool]) -> str | None:
    """The JSON Pointer (RFC 6901) of the first value or key for which ``bad`` is true, else None."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        pointer, node = stack.pop()
        if bad(node):
            return pointer
        if isinstance(node, dict):
            for key, child in node.items():
                where = f"{pointer}/{_escape(_scrub(key))}"
                if bad(key):
                    return where
                stack.append((where, child))
        elif isinstance(node, list):
            stack.extend((f"{pointer}/{index}", child) for index, child in enumerate(node))
    return None


def _scrub(text: str) -> str:
    """``text`` with each lone surrogate written as its ``\\uXXXX`` escape (so it can be encoded)."""
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def scrub(text: str) -> str:
    """Text any writer can encode as UTF-8: lone surrogates become visible ``\\uXXXX`` escapes."""
    if text.isascii():  # O(1): CPython keeps a flag; no surrogate can hide in ASCII text
        return text
    return _scrub(text) if _LONE_SURROGATE.search(text) else text


def dumps(value: Any, **options: Any) -> str:
    """``json.dumps`` that any UTF-8 writer accepts: non-ASCII kept, lone surrogates escaped.

    The escape happens inside JSON strings (a surrogate can only be in a string or key), so the
    result is the same JSON value, written with the ``\\uXXXX`` form RFC 8259 §7 allows.
    """
    return scrub(json.dumps(value, ensure_ascii=False, **options))


def encode(value: Any) -> bytes:
    """Compact JSON as UTF-8 bytes, for a response or a journal line; the same value as ``dumps``.

    orjson writes it (an import page of 100 users: about 60 µs against 670 µs for ``json``). What
    orjson refuses goes to ``json``: a lone surrogate (then escaped as in ``dumps``), an integer
    past 64 bits, nesting past its limit, and any type JSON has no form for (so datetimes and
    dataclasses raise ``TypeError`` as they would with ``json``, instead of being converted).
    """
    try:
        return fast_encode(value)
    except TypeError:
        return dumps(value, separators=(",", ":")).encode("utf-8")


def exact(data: bytes) -> bytes:
    """``data`` as a bytes object of its own length, for bytes that are held a while: orjson's
    output keeps the capacity of its buffer (4 KB for a few hundred bytes of JSON)."""
    return memoryview(data).tobytes()


def encode_kept(value: Any) -> bytes:
    """``encode``, copied to its length (``exact``)."""
    return exact(encode(value))


def fast_encode(value: Any) -> bytes:
    """Compact JSON as UTF-8 bytes by orjson; ``TypeError`` for what ``encode`` hands to ``json``."""
    return orjson.dumps(value, option=_STRICT)  # orjson.JSONEncodeError is a TypeError
