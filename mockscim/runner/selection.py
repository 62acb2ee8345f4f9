"""Choosing scenarios: ``-k`` expressions (like pytest's) and ``--dialect``.

A bare word matches when it is a case-insensitive substring of the scenario's name, its file
name or one of its tags; words combine with ``and``, ``or``, ``not`` and parentheses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterable

from mockscim.runner.model import DIALECTS
from mockscim.runner.model import Scenario

Predicate = Callable[[list[str]], bool]
_TOKEN = re.compile(r"\s*(\(|\)|[^\s()]+)")


class SelectionError(ValueError):
    """A ``-k`` expression or dialect is not valid."""


class _Parser:
    """Recursive descent: or_expr := and_expr ('or' and_expr)*; and_expr := not_expr ('and' not_expr)*."""

    def __init__(self, expression: str):
        self.expression = expression
        self.tokens = _TOKEN.findall(expression)
        self.position = 0

    def peek(self) -> str | None:
        """The next token, or None at the end."""
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str:
        """Consume the next token."""
        token = self.peek()
        if token is None:
            raise SelectionError(f"-k {self.expression!r}: the expression ends too early")
        self.position += 1
        return token

    def parse(self) -> Predicate:
        """The whole expression."""
        predicate = self.or_expr()
        if self.peek() is not None:
            raise SelectionError(f"-k {self.expression!r}: unexpected {self.peek()!r}")
        return predicate

    def or_expr(self) -> Predicate:
        """``a or b``."""
        left = self.and_expr()
        while self.peek() == "or":
            self.take()
            right, first = self.and_expr(), left
            left = lambda words, a=first, b=right: a(words) or b(words)  # noqa: E731
        return left

    def and_expr(self) -> Predicate:
        """``a and b``."""
        left = self.not_expr()
        while self.peek() == "and":
            self.take()
            right, first = self.not_expr(), left
            left = lambda words, a=first, b=right: a(words) and b(words)  # noqa: E731
        return left

    def not_expr(self) -> Predicate:
        """``not a``, ``(expr)`` or a word."""
        token = self.take()
        if token == "not":
            inner = self.not_expr()
            return lambda words: not inner(words)
        if token == "(":
            inner = self.or_expr()
            if self.take() != ")":
                raise SelectionError(f"-k {self.expression!r}: missing ')'")
            return inner
        if token in (")", "and", "or"):
            raise SelectionError(f"-k {self.expression!r}: unexpected {token!r}")
        needle = token.lower()
        return lambda words: any(needle in word for word in words)


def keyword_matcher(expression: str) -> Callable[[Scenario], bool]:
    """A predicate for ``-k EXPRESSION``; raise SelectionError if it does not parse."""
    predicate = _Parser(expression).parse()
    return lambda scenario: predicate(_words(scenario))


def _words(scenario: Scenario) -> list[str]:
    """What ``-k`` matches against: name, file name and tags, lower-cased."""
    return [scenario.name.lower(), scenario.path.name.lower(), *(tag.lower() for tag in scenario.tags)]


def select(
    scenarios: Iterable[Scenario], keyword: str | None = None, dialect: str | None = None
) -> list[Scenario]:
    """The scenarios matching ``-k`` and the dialect (dialect-neutral ones always match)."""
    if dialect is not None and dialect not in DIALECTS:
        raise SelectionError(f"--dialect {dialect!r} is not valid; use one of {', '.join(DIALECTS)}")
    matches = keyword_matcher(keyword) if keyword else (lambda scenario: True)
    return [s for s in scenarios if matches(s) and (dialect is None or _speaks(s, dialect))]


def _speaks(scenario: Scenario, dialect: str) -> bool:
    """True for dialect-neutral scenarios (no aiw/oin tag) and those tagged ``dialect``."""
    tagged = set(scenario.tags) & set(DIALECTS)
    return not tagged or dialect in tagged
