"""Recursive-descent parser for SCIM filters and PATCH paths (RFC 7644 §3.4.2.2, §3.5.2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mockscim.errors import InvalidFilter
from mockscim.errors import InvalidPath
from mockscim.errors import ScimError
from mockscim.scim.filter.ast import COMPARE_OPS
from mockscim.scim.filter.ast import And
from mockscim.scim.filter.ast import Compare
from mockscim.scim.filter.ast import Expr
from mockscim.scim.filter.ast import Not
from mockscim.scim.filter.ast import Or
from mockscim.scim.filter.ast import Present
from mockscim.scim.filter.ast import ValuePath
from mockscim.scim.filter.lexer import Token
from mockscim.scim.filter.lexer import tokenize
from mockscim.scim.paths import AttrPath
from mockscim.scim.paths import parse_attr_path

DEFAULT_MAX_LENGTH = 4096
DEFAULT_MAX_DEPTH = 32
# "a or b or c ..." is a left-deep tree that printing, compiling and evaluating walk recursively;
# capping the terms keeps them within Python's recursion limit whatever the length limit is.
MAX_TERMS = 256
_LITERALS = {"true": True, "false": False, "null": None}
# ``name eq "text"`` and ``name.sub eq "text"`` with no escape in the string: the filter Okta
# sends before every assignment (docs/okta-reference.md §5.1). Matched whole, it is parsed as
# the tokenizer and parser would parse it, at about a sixth of their cost (4 µs against 26);
# tests/scim/test_filter.py compares the two on nearby shapes. Anything else takes the full parser.
_SIMPLE_EQ = re.compile(
    r" *(?P<attr>[A-Za-z][A-Za-z0-9_\-]*)(?:\.(?P<sub>[A-Za-z][A-Za-z0-9_\-]*))?"
    r' +[eE][qQ] +"(?P<value>[^"\\\x00-\x1f]*)" *'
)


class _Parser:
    """Holds the token stream and position for one parse."""

    def __init__(self, text: str, tokens: list[Token], max_depth: int):
        self.text = text
        self.tokens = tokens
        self.pos = 0
        self.depth = 0
        self.max_depth = max_depth
        self.terms = 1

    def peek(self) -> Token | None:
        """Return the next token without consuming it."""
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        """Consume and return the next token, or fail at the end of input."""
        token = self.peek()
        if token is None:
            raise self.error("unexpected end of filter")
        self.pos += 1
        return token

    def expect(self, text: str) -> None:
        """Consume a punctuation token equal to ``text``."""
        token = self.take()
        if token.text != text:
            raise self.error(f"expected '{text}' but found '{token.text}'", token)

    def error(self, message: str, token: Token | None = None) -> InvalidFilter:
        """Build an InvalidFilter that points at ``token`` (or the end of input)."""
        where = f"offset {token.pos}" if token else "the end"
        return InvalidFilter(f"{message} at {where} of filter {self.text!r}")

    def nest(self) -> None:
        """Count one level of nesting and enforce the depth limit."""
        self.depth += 1
        if self.depth > self.max_depth:
            raise self.error(f"filter nests deeper than the limit of {self.max_depth}")

    def join(self, token: Token) -> None:
        """Consume ``and``/``or`` and enforce the limit on the number of joined terms."""
        self.take()
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise self.error(f"the filter joins more than {MAX_TERMS} expressions with and/or", token)

    def parse_or(self, inner: bool) -> Expr:
        """or_expr := and_expr ("or" and_expr)*."""
        expr = self.parse_and(inner)
        while (token := self.peek()) is not None and token.is_word("or"):
            self.join(token)
            expr = Or(expr, self.parse_and(inner))
        return expr

    def parse_and(self, inner: bool) -> Expr:
        """and_expr := unary ("and" unary)*; "and" binds tighter than "or"."""
        expr = self.parse_unary(inner)
        while (token := self.peek()) is not None and token.is_word("and"):
            self.join(token)
            expr = And(expr, self.parse_unary(inner))
        return expr

    def parse_unary(self, inner: bool) -> Expr:
        """unary := "not" "(" filter ")" | "(" filter ")" | attribute expression."""
        token = self.take()
        if token.is_word("not"):
            return Not(self.parse_group(inner, self.take()))
        if token.text == "(":
            return self.parse_group(inner, token)
        if token.kind != "word":
            raise self.error(f"expected an attribute name but found '{token.text}'", token)
        return self.parse_attr_expr(token, inner)

    def parse_group(self, inner: bool, opener: Token) -> Expr:
        """Parse ``( filter )`` once the opener token has been taken."""
        if opener.text != "(":
            raise self.error("'not' must be followed by '('", opener)
        self.nest()
        expr = self.parse_or(inner)
        self.expect(")")
        self.depth -= 1
        return expr

    def parse_attr_expr(self, token: Token, inner: bool) -> Expr:
        """attrExp := path "pr" | path op value | path "[" valFilter "]"."""
        path = self.parse_path(token)
        if self.peek() is None:
            ops = ", ".join(COMPARE_OPS)
            raise self.error(f"'{token.text}' must be followed by an operator ({ops}) or pr")
        nxt = self.take()
        if nxt.text == "[":
            if inner:
                raise self.error("value filters cannot be nested", nxt)
            if path.sub is not None:
                raise self.error("a value filter applies to an attribute, not a sub-attribute", nxt)
            self.nest()
            expr = ValuePath(path, self.parse_or(inner=True))
            self.expect("]")
            self.depth -= 1
            return expr
        if nxt.is_word("pr"):
            return Present(path)
        if not nxt.is_word(*COMPARE_OPS):
            raise self.error(
                f"'{nxt.text}' is not an operator; use one of {', '.join(COMPARE_OPS)} or pr", nxt
            )
        if self.peek() is None:
            raise self.error(f"expected a value after '{nxt.text}', such as \"alice@example.com\"")
        return Compare(path, nxt.text.lower(), self.parse_value())

    def parse_path(self, token: Token) -> AttrPath:
        """Turn a word token into an AttrPath, as an invalidFilter on failure."""
        try:
            return parse_attr_path(token.text)
        except InvalidPath:
            raise self.error(f"'{token.text}' is not a valid attribute path", token) from None

    def parse_value(self) -> Any:
        """compValue := false / null / true / number / string."""
        token = self.take()
        if token.kind in ("string", "number"):
            return token.value
        if token.kind == "word" and token.text.lower() in _LITERALS:
            return _LITERALS[token.text.lower()]
        raise self.error(
            f"expected a value (a quoted string, number, true, false or null) but found '{token.text}'", token
        )


def parse_filter(
    text: str, *, max_length: int = DEFAULT_MAX_LENGTH, max_depth: int = DEFAULT_MAX_DEPTH
) -> Expr:
    """Parse filter text into an AST; raise InvalidFilter with the offending offset."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidFilter('the filter is empty; give an expression such as userName eq "alice"')
    if len(text) > max_length:
        raise InvalidFilter(f"the filter is {len(text)} characters long; the limit is {max_length}")
    if simple := _SIMPLE_EQ.fullmatch(text):  # Okta's lookup, before every assignment
        return Compare(AttrPath(simple["attr"], simple["sub"]), "eq", simple["value"])
    return parse_tokens(text, max_depth)


def parse_tokens(text: str, max_depth: int = DEFAULT_MAX_DEPTH) -> Expr:
    """Parse filter text with the tokenizer and the full grammar (``parse_filter`` without its
    checks of the whole text and its shortcut for Okta's lookup)."""
    parser = _Parser(text, tokenize(text), max_depth)
    expr = parser.parse_or(inner=False)
    if (token := parser.peek()) is not None:
        raise parser.error(f"unexpected '{token.text}'; join expressions with 'and' or 'or'", token)
    return expr


@dataclass(frozen=True)
class PatchPath:
    """A PATCH target: ``attrPath``, or ``attrPath[valFilter]`` with an optional ``.subAttr``."""

    path: AttrPath
    filter: Expr | None = None
    sub: str | None = None


_PATCH_PATH_RE = re.compile(
    r"^(?P<attr>[^\[\]]+?)(?:\[(?P<filter>.*)\](?:\.(?P<sub>\$ref|[A-Za-z][\w\-]*))?)?$", re.S
)


def parse_patch_path(text: str, known_urns: tuple[str, ...] = ()) -> PatchPath:
    """Parse a PATCH ``path`` (RFC 7644 §3.5.2 PATH); raise InvalidPath when malformed."""
    match = _PATCH_PATH_RE.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise InvalidPath(
            f"'{text}' is not a valid PATCH path; expected attr, attr.sub, or attr[filter].sub, "
            'for example members[value eq "2819c223"]'
        )
    attr = parse_attr_path(match.group("attr"), known_urns) if match.group("attr") else None
    if match.group("filter") is None:
        return PatchPath(attr)
    if attr.sub is not None:
        raise InvalidPath(f"'{text}': a value filter must follow an attribute, not a sub-attribute")
    source = match.group("filter")
    if len(source) > DEFAULT_MAX_LENGTH:
        raise InvalidPath(
            f"the value filter in path is {len(source)} characters long; the limit is {DEFAULT_MAX_LENGTH}"
        )
    try:
        inner = _Parser(source, tokenize(source), DEFAULT_MAX_DEPTH)
        expr = inner.parse_or(inner=True)
        if inner.peek() is not None:
            raise inner.error(f"unexpected '{inner.peek().text}'", inner.peek())
    except ScimError as exc:
        raise InvalidPath(f"the value filter in path '{text}' is invalid: {exc.detail}") from None
    return PatchPath(attr, expr, match.group("sub"))
