"""Filter AST (RFC 7644 §3.4.2.2) as frozen dataclasses, and a printer back to filter text."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mockscim.scim.paths import AttrPath

COMPARE_OPS = ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le")


@dataclass(frozen=True)
class Compare:
    """``attrPath op value``."""

    path: AttrPath
    op: str
    value: Any


@dataclass(frozen=True)
class Present:
    """``attrPath pr``."""

    path: AttrPath


@dataclass(frozen=True)
class And:
    """``left and right``."""

    left: Expr
    right: Expr


@dataclass(frozen=True)
class Or:
    """``left or right``."""

    left: Expr
    right: Expr


@dataclass(frozen=True)
class Not:
    """``not (expr)``."""

    expr: Expr


@dataclass(frozen=True)
class ValuePath:
    """``attr[filter]``: matches when one element of the multi-valued ``attr`` matches."""

    path: AttrPath
    filter: Expr


Expr = Compare | Present | And | Or | Not | ValuePath

# Binding strength: "and" binds tighter than "or" (RFC 7644 §3.4.2.2, Table 5 ordering).
_PRECEDENCE = {Or: 1, And: 2}


def _literal(value: Any) -> str:
    """Render a comparison value as JSON (strings quoted, true/false/null bare)."""
    return json.dumps(value, ensure_ascii=False)


def _child(expr: Expr, parent_rank: int, right: bool) -> str:
    """Render a child of a logical expression, adding parentheses where needed."""
    rank = _PRECEDENCE.get(type(expr), 3)
    text = to_text(expr)
    needs = rank < parent_rank or (right and rank == parent_rank)
    return f"({text})" if needs else text


def to_text(expr: Expr) -> str:
    """Print ``expr`` as filter text; parsing the text gives back an equal AST."""
    if isinstance(expr, Compare):
        return f"{expr.path} {expr.op} {_literal(expr.value)}"
    if isinstance(expr, Present):
        return f"{expr.path} pr"
    if isinstance(expr, Not):
        return f"not ({to_text(expr.expr)})"
    if isinstance(expr, ValuePath):
        return f"{expr.path}[{to_text(expr.filter)}]"
    rank = _PRECEDENCE[type(expr)]
    word = "and" if isinstance(expr, And) else "or"
    return f"{_child(expr.left, rank, False)} {word} {_child(expr.right, rank, True)}"


def referenced_paths(expr: Expr) -> list[AttrPath]:
    """Return every top-level attribute path the filter reads (value paths count once)."""
    if isinstance(expr, Compare | Present | ValuePath):
        return [expr.path]
    if isinstance(expr, Not):
        return referenced_paths(expr.expr)
    return referenced_paths(expr.left) + referenced_paths(expr.right)
