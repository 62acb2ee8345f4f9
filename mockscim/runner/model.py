"""The scenario model: frozen dataclasses built by the loader from a validated YAML file.

Fields that may hold ``${...}`` references keep the raw JSON-like value; the executor
substitutes them just before each request, once the variables saved so far are known.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from mockscim.runner.pointer import MISSING

DIALECTS = ("aiw", "oin")
# What a scenario may declare under ``requires:``; a target without it skips the scenario.
MOCK_ADMIN = "mock-admin"


@dataclass(frozen=True)
class RequestSpec:
    """What to send. ``headers`` values of None remove a default header."""

    method: str
    path: str
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str | None] = field(default_factory=dict)
    json: Any = MISSING
    body: str | None = None
    auth: str = "default"

    @property
    def has_body(self) -> bool:
        """True when the step sends a body (JSON or raw)."""
        return self.json is not MISSING or self.body is not None


@dataclass(frozen=True)
class HeaderMatcher:
    """One expected response header: ``op`` is equals, startswith, contains, matches or absent."""

    name: str
    op: str
    value: Any


@dataclass(frozen=True)
class Check:
    """Assertions on the value a JSON Pointer selects: ``ops`` is ((op, operand), ...)."""

    pointer: str
    ops: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Expect:
    """What the response must look like; every part is optional except ``status``."""

    status: tuple[int, ...]
    headers: tuple[HeaderMatcher, ...] = ()
    json: Any = MISSING
    exact: bool = False
    checks: tuple[Check, ...] = ()
    schema: str | None = None
    max_ms: float | None = None


@dataclass(frozen=True)
class Save:
    """Keep a value for later steps: from the body (``pointer``) or a response header."""

    name: str
    source: str  # "body" or "header"
    where: str  # the JSON Pointer or the header name


@dataclass(frozen=True)
class Loop:
    """Run a step several times: ``repeat: N`` or ``foreach: [...]`` (``${index}`` is 1-based)."""

    count: int
    items: tuple[Any, ...] | None = None


@dataclass(frozen=True)
class MockSpec:
    """A ``mock:`` step: configure a mockscim target through its admin API (no SCIM request).

    ``faults`` keep their raw JSON-like form (with ``${...}`` references): mockscim validates
    them, so the runner never duplicates the server's fault model.
    """

    reset: bool = False
    faults: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Step:
    """One request and what its response must satisfy, or (``mock`` set) one admin-API change,
    or (``final_state`` set) a reconciliation of the target's end state.

    ``okta`` is False for a request Okta itself never sends in the flow (a check or a setup by
    the harness): ``mockscim run`` sends it like any step, ``mockscim verify`` leaves it out.
    A ``final_state`` step is always ``okta: False``; it keeps its raw JSON-like form (with
    ``${...}`` references) until the executor substitutes and parses it.
    """

    name: str
    request: RequestSpec | None
    expect: Expect | None
    saves: tuple[Save, ...] = ()
    loop: Loop | None = None
    line: int = 0
    mock: MockSpec | None = None
    okta: bool = True
    final_state: Any = None
    # Set: the step checks something optional; unmet expectations skip the scenario with it.
    precondition: str | None = None


@dataclass(frozen=True)
class Scenario:
    """A named sequence of steps loaded from one ``*.scenario.yaml`` file."""

    name: str
    steps: tuple[Step, ...]
    path: Path
    description: str = ""
    tags: tuple[str, ...] = ()
    vars: tuple[tuple[str, Any], ...] = ()
    line: int = 1
    requires: tuple[str, ...] = ()

    @property
    def dialect(self) -> str | None:
        """``aiw`` (PUT dialect), ``oin`` (PATCH dialect) or None for dialect-neutral."""
        return next((tag for tag in self.tags if tag in DIALECTS), None)
