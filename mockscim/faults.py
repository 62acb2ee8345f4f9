"""Fault injection and rate limiting, as data: what to match and what to do.

A fault has a **match** (method, path pattern, classified operation, tenant) and an
**action** (delay, status with a SCIM error, 429 with each Retry-After form, closed
connection, malformed JSON, slow trickle, delay past a timeout). It applies always, to the
next N matches (``times``), or with a ``probability`` drawn from a seedable random source.
Okta's handling of these is in docs/okta-reference.md §10.3-§10.4.
"""

from __future__ import annotations

import fnmatch
import math
import random
import re
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mockscim.errors import BadInput

ACTION_KEYS = ("delay_ms", "status", "close", "malformed", "trickle_bps", "timeout_s")
_OPTION_KEYS = ("detail", "scimType", "retry_after")


class FaultError(BadInput):
    """A fault specification is invalid; the message says what to write instead."""


@dataclass(frozen=True)
class Match:
    """Which requests a fault applies to; an absent field matches anything."""

    method: str | None = None
    path: str | None = None  # glob over the SCIM path, e.g. "/Users/*"
    operation: str | None = None
    tenant: str | None = None

    def matches(self, method: str, path: str, operation: str, tenant: str) -> bool:
        """True when every given field matches the request."""
        return (
            (self.method is None or self.method.upper() == method.upper())
            and (self.path is None or fnmatch.fnmatchcase(path, self.path))
            and (self.operation is None or self.operation == operation)
            and (self.tenant is None or self.tenant == tenant)
        )


@dataclass(frozen=True)
class Action:
    """What to do: exactly one kind, with its parameters."""

    kind: str
    delay_ms: tuple[float, float] = (0.0, 0.0)
    status: int = 0
    detail: str | None = None
    scim_type: str | None = None
    retry_after: int | str | None = None
    trickle_bps: int = 0
    timeout_s: float = 0.0


@dataclass
class Fault:
    """A registered fault and its bookkeeping."""

    id: int
    match: Match
    action: Action
    times: int | None = None
    probability: float | None = None
    hits: int = 0
    spec: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """JSON-safe form for the admin API and the journal."""
        remaining = None if self.times is None else self.times - self.hits
        return {"id": self.id, **self.spec, "hits": self.hits, "remaining": remaining}


# Bounds (docs/faults.md): a fault is test data, often sent over a tunnel, and every number in
# it ends up in time.sleep, a header or a JSON body, so each is finite and within reason.
MAX_DELAY_MS = 600_000  # ten minutes
MAX_TIMEOUT_S = 600.0
MAX_TRICKLE_BPS = 1_000_000_000
MAX_TIMES = 1_000_000_000
MAX_RETRY_AFTER_S = 2_147_483_647
_HEADER_SAFE = re.compile(r"[\x20-\x7e]{1,128}")  # printable ASCII: no CR, LF or NUL (RFC 9110 §5.5)
_METHOD = re.compile(r"[A-Za-z]{1,16}")


def _show(value: Any) -> str:
    """A short, safe rendering of a refused value for an error message."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value: Any, where: str, high: float, low: float = 0) -> float:
    """A finite number within [low, high], or FaultError naming the field."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not low <= value <= high
    ):
        kind = "non-negative number" if low == 0 else "number"
        raise FaultError(f"{where} must be a {kind} from {low:g} to {high:g}, not {_show(value)}")
    return float(value)


def _text(value: Any, where: str, *, limit: int = 1024) -> str:
    """A string of valid Unicode text, at most ``limit`` characters (it goes into a JSON body)."""
    if not isinstance(value, str) or not value or len(value) > limit:
        raise FaultError(f"{where} must be a non-empty string of at most {limit} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise FaultError(f"{where} must be valid Unicode text (it holds a lone surrogate)") from None
    return value


def parse_match(raw: Any) -> Match:
    """Validate the ``match`` mapping."""
    raw = raw or {}
    if not isinstance(raw, dict) or set(raw) - {"method", "path", "operation", "tenant"}:
        raise FaultError("match takes method, path (a glob such as /Users/*), operation and tenant")
    for key, value in raw.items():
        _text(value, f"match.{key}", limit=256)
    if "method" in raw and not _METHOD.fullmatch(raw["method"]):
        raise FaultError(f"match.method must be an HTTP method such as POST, not {_show(raw['method'])}")
    return Match(**raw)


def parse_action(raw: Any) -> Action:
    """Validate the ``action`` mapping: exactly one action key, plus its options."""
    if not isinstance(raw, dict):
        raise FaultError(f"action must be a mapping with one of {', '.join(ACTION_KEYS)}")
    kinds = [k for k in raw if k in ACTION_KEYS]
    unknown = set(raw) - set(ACTION_KEYS) - set(_OPTION_KEYS)
    if len(kinds) != 1 or unknown:
        raise FaultError(f"action needs exactly one of {', '.join(ACTION_KEYS)}; got {sorted(raw)[:10]}")
    kind, value = kinds[0], raw[kinds[0]]
    if kind == "delay_ms":
        bounds = value if isinstance(value, list) else [value, value]
        if len(bounds) != 2:
            raise FaultError("action.delay_ms is a number or a [min, max] range")
        low, high = sorted(_number(b, "action.delay_ms", MAX_DELAY_MS) for b in bounds)
        return Action("delay", delay_ms=(low, high))
    if kind == "status":
        return _status_action(value, raw)
    if kind in ("close", "malformed"):
        if value is not True:
            raise FaultError(f"action.{kind} takes true")
        return Action(kind)
    if kind == "trickle_bps":
        return Action("trickle", trickle_bps=int(_number(value, "action.trickle_bps", MAX_TRICKLE_BPS, 1)))
    return Action("timeout", timeout_s=_number(value, "action.timeout_s", MAX_TIMEOUT_S))


def _status_action(value: Any, raw: dict[str, Any]) -> Action:
    """``status`` with optional detail, scimType and retry_after (sent as the Retry-After header)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 400 <= value <= 599:
        raise FaultError(f"action.status must be an HTTP error status from 400 to 599, not {_show(value)}")
    detail = _text(raw["detail"], "action.detail") if raw.get("detail") is not None else None
    scim_type = (
        _text(raw["scimType"], "action.scimType", limit=64) if raw.get("scimType") is not None else None
    )
    return Action("status", status=value, detail=detail, scim_type=scim_type, retry_after=_retry_after(raw))


def _retry_after(raw: dict[str, Any]) -> int | str | None:
    """Integer seconds, or text sent as is (an HTTP-date); it becomes a header, so CR/LF are refused."""
    retry = raw.get("retry_after")
    if retry is None:
        return None
    if isinstance(retry, int) and not isinstance(retry, bool):
        return int(_number(retry, "action.retry_after", MAX_RETRY_AFTER_S))
    if isinstance(retry, str) and _HEADER_SAFE.fullmatch(retry):
        return retry
    raise FaultError(
        "action.retry_after is integer seconds, or a string sent as is (an HTTP-date) of at most 128 "
        "printable ASCII characters (no CR or LF: it becomes a header)"
    )


def fault_tenant(spec: Any) -> str | None:
    """The tenant a fault specification names in ``match.tenant`` (None when absent)."""
    match = spec.get("match") if isinstance(spec, dict) else None
    tenant = match.get("tenant") if isinstance(match, dict) else None
    if tenant is not None and not isinstance(tenant, str):
        raise FaultError("match.tenant must be a tenant name (a string)")
    return tenant


class FaultSet:
    """The faults of one tenant; picks the first applicable fault for a request."""

    def __init__(self, seed: int | None = None):
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._next = 1
        self._random = random.Random(seed)

    def add(self, spec: Any) -> Fault:
        """Validate a fault specification and register it."""
        if not isinstance(spec, dict) or set(spec) - {"match", "action", "times", "probability"}:
            raise FaultError("a fault is {match: {...}, action: {...}, times: N, probability: p}")
        times, probability = spec.get("times"), spec.get("probability")
        if times is not None and (
            isinstance(times, bool) or not isinstance(times, int) or not 1 <= times <= MAX_TIMES
        ):
            raise FaultError(f"times must be a positive integer of at most {MAX_TIMES}")
        if probability is not None and (
            isinstance(probability, bool)
            or not isinstance(probability, int | float)
            or not 0 < probability <= 1  # also false for nan
        ):
            raise FaultError(f"probability must be in (0, 1], not {_show(probability)}")
        match, action = parse_match(spec.get("match")), parse_action(spec.get("action"))
        with self._lock:
            fault = Fault(self._next, match, action, times, probability, spec=dict(spec))
            self._next += 1
            self._faults.append(fault)
        return fault

    def pick(self, method: str, path: str, operation: str, tenant: str) -> Fault | None:
        """The first fault that matches and fires (counting it), or None."""
        with self._lock:
            for fault in self._faults:
                if not fault.match.matches(method, path, operation, tenant):
                    continue
                if fault.probability is not None and self._random.random() >= fault.probability:
                    continue
                fault.hits += 1
                if fault.times is not None and fault.hits >= fault.times:
                    self._faults.remove(fault)
                return fault
        return None

    def list(self) -> list[Fault]:
        """Every active fault."""
        with self._lock:
            return list(self._faults)

    def remove(self, fault_id: int) -> bool:
        """Remove one fault; False when there is none with that id."""
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if f.id != fault_id]
            return len(self._faults) < before

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def reseed(self, seed: int | None) -> None:
        """Restart the random source used for ``probability``."""
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise FaultError(f"seed must be an integer, not {_show(seed)}")
        with self._lock:
            self._random.seed(seed)

    def delay_seconds(self, action: Action) -> float:
        """The delay to sleep for a delay action (uniform within its range)."""
        low, high = action.delay_ms
        with self._lock:
            return (low if low == high else self._random.uniform(low, high)) / 1000


@dataclass
class RateLimiter:
    """A token bucket: ``rate`` requests per second, bursts up to ``rate`` (at least 1)."""

    rate: float
    _tokens: float = -1.0
    _stamp: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self, now: float | None = None) -> int | None:
        """Take a token; return None if allowed, else whole seconds to wait (>= 1)."""
        now = time.monotonic() if now is None else now
        capacity = max(1.0, self.rate)
        with self._lock:
            if self._tokens < 0:
                self._tokens, self._stamp = capacity, now
            self._tokens = min(capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1:
                self._tokens -= 1
                return None
            # Okta honours only integer Retry-After seconds (docs/okta-reference.md §10.3).
            return max(1, math.ceil((1 - self._tokens) / self.rate))


def parse_rate(text: str) -> float:
    """``10/s``, ``600/m`` or ``36000/h`` to requests per second."""
    count, _, unit = text.partition("/")
    seconds = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}.get(unit.strip().lower())
    try:
        value = float(count)
    except ValueError:
        value = -1
    if seconds is None or not 0 < value <= 1e9:  # also refuses inf and nan
        raise FaultError(f"--rate-limit {text!r} must look like 10/s, 600/m or 36000/h")
    return value / seconds
