"""Tokenizer for SCIM filters and PATCH paths (RFC 7644 §3.4.2.2, §3.5.2)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from mockscim.errors import InvalidFilter

_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<punct>[()\[\]])
    | (?P<string>"(?:[^"\\]|\\.)*")
    | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![A-Za-z0-9_:.\-]))
    | (?P<word>[A-Za-z$][A-Za-z0-9_\-$:.]*)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    """A lexical token: kind is punct, string, number or word; pos is its offset."""

    kind: str
    text: str
    pos: int

    @property
    def value(self) -> Any:
        """The decoded literal for string and number tokens."""
        if self.kind == "string":
            return json.loads(self.text)
        if self.kind == "number":
            number = float(self.text)
            return int(number) if number.is_integer() and "." not in self.text else number
        return self.text

    def is_word(self, *words: str) -> bool:
        """True when this is a word equal (case-insensitively) to one of ``words``."""
        return self.kind == "word" and self.text.lower() in words


def tokenize(text: str, error: type[Exception] = InvalidFilter) -> list[Token]:
    """Split ``text`` into tokens; raise ``error`` naming the offset of the first bad character."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if not match:
            raise error(f"unexpected character {text[pos]!r} at offset {pos} in {text!r}")
        kind = match.lastgroup or ""
        if kind == "string":
            _check_string(match.group(), pos, error)
        if kind == "number" and not math.isfinite(float(match.group())):
            # 1e999 would become infinity, which JSON (and so the printed filter) cannot express.
            raise error(f"number {match.group()} at offset {pos} is out of range")
        if kind != "space":
            tokens.append(Token(kind, match.group(), pos))
        pos = match.end()
    return tokens


def _check_string(raw: str, pos: int, error: type[Exception]) -> None:
    """Reject string literals that are not valid JSON strings (bad escapes)."""
    try:
        json.loads(raw)
    except ValueError:
        raise error(f"invalid string literal {raw} at offset {pos}") from None
