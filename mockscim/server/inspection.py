"""What a SCIM request is: envelope, Okta operation, findings.

The journal records it, strict mode refuses on it, faults match on it. Before the view, each
request leaves a cheap ``Capture``: its raw pieces and what only the stored resource as it was
can tell, so that a PUT that flips ``active`` is recognised as a deactivation
(docs/okta-reference.md §7.2). The ``Inspection`` is built from it before the view when faults
or strict mode need it, else later by the journal's completer.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from flask import Flask

from mockscim import jsontext
from mockscim.config import Settings
from mockscim.constants import ADMIN_PREFIX
from mockscim.errors import InvalidValue
from mockscim.errors import ScimError
from mockscim.inspect.classify import Classification
from mockscim.inspect.classify import classify
from mockscim.inspect.classify import route_of
from mockscim.inspect.envelope import first_values
from mockscim.inspect.envelope import make_envelope
from mockscim.inspect.findings import Finding
from mockscim.inspect.findings import inspect
from mockscim.inspect.findings import path_warnings
from mockscim.inspect.masking import mask_text
from mockscim.inspect.members import unknown_members
from mockscim.server.bodies import request_body
from mockscim.server.context import current_request
from mockscim.server.context import scope
from mockscim.server.middleware import RAW_PATH_KEY
from mockscim.server.reading import header_items
from mockscim.server.reading import headers_of
from mockscim.server.reading import query_pairs
from mockscim.server.state import get_state


def is_scim(settings: Settings) -> bool:
    """True for requests under the SCIM base path (never the admin API)."""
    path = current_request().path
    if path.startswith(ADMIN_PREFIX + "/") or path == ADMIN_PREFIX:
        return False
    base = settings.base_path
    return not base or path == base or path.startswith(base + "/")


@dataclass
class Inspection:
    """One request as the journal sees it; the findings are validated on first use only."""

    envelope: dict[str, Any]
    classification: Classification
    body_problem: str | None
    raw_path: str | None
    base_path: str
    unknown_members: list[Finding] = field(default_factory=list)  # looked up before the view
    _findings: list[Finding] | None = field(default=None, repr=False)

    def computed_findings(self) -> list[Finding] | None:
        """The findings if they were computed already (strict mode), else None."""
        return self._findings

    def findings(self) -> list[Finding]:
        """JSON Schema findings plus path warnings (computed once; off the request path unless
        strict mode needs them before the view). A body of more than MAX_VALIDATED values is
        not validated: its errors would cost about half a millisecond each (a warning says so)."""
        if self._findings is None:
            values = count_values(self.envelope["body"], MAX_VALIDATED + 1)
            if values > MAX_VALIDATED:
                found = [Finding("warning", "/body", "journal", _NOT_VALIDATED)]
            else:
                found = inspect(self.envelope, self.classification, body_problem=self.body_problem)
            scim_path = self.envelope["path"]
            paths = path_warnings(self.raw_path, scim_path, self.base_path)
            self._findings = found + self.unknown_members + paths
        return self._findings


MAX_VALIDATED = 5000  # values in a body; Okta's largest (a group PUT of 1,000 members) has 3,000
_NOT_VALIDATED = f"not checked against the schemas: the body holds more than {MAX_VALIDATED} values"


def count_values(value: Any, stop: int) -> int:
    """How many JSON values ``value`` holds, counting stops at ``stop`` (a walk, not a recursion)."""
    count, stack = 0, [value]
    while stack and count < stop:
        node = stack.pop()
        count += 1
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return count


Parse = tuple[Any, ScimError | None]  # a body's JSON value, or why it is not JSON


@dataclass(slots=True)
class Capture:
    """What the journal keeps of a SCIM request until it builds the entry: the request's raw
    pieces, and what only the store as it was before the view can tell (the prior ``active``
    and ``displayName``, members that point nowhere). The body's bytes are not in it: the
    request holds them, and then the journal's completer.

    Taking it costs a few µs; the masked envelope and the classification are built from it
    later (``inspect``), by faults or strict mode when they need them, else off the request
    path by the journal's completer (docs/performance.md, "What was changed (phase 3, fifth
    session)"). Thousands wait
    under load, so it is small: shared strings, and headers and query as one JSON text.
    """

    method: str
    root: str  # the WSGI script root
    path: str  # the request path, base path included
    base_path: str
    wire: bytes  # [header items, query pairs] as JSON: a fifth of the memory of the lists
    kept: bool  # False above the journal's body limit (or --max-body): only the size is kept
    body_size: int
    prior: dict[str, Any] | None  # PRIOR_ATTRIBUTES before a PUT or PATCH
    raw_path: str | None
    unknown: tuple[Finding, ...]

    @property
    def scim_path(self) -> str:
        """The path under the SCIM base path."""
        return self.path[len(self.base_path) :] if self.base_path else self.path

    def unwired(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """The environ's header items (as ``reading.header_items`` listed them) and the query's
        (name, value) pairs in order, read back from ``wire`` in one parse."""
        headers, query = unwire(self.wire)
        return [(k, v) for k, v in headers], [(k, v) for k, v in query]

    def recorded_body(self, raw: bytes, parse: Parse | None) -> tuple[Any, str | None]:
        """The body as the journal keeps it, and why it is not JSON (None when it is). Above the
        body limit only the size is kept; text that is not JSON is kept with passwords masked."""
        if not self.kept:
            return {"_truncated": True, "size": self.body_size}, None
        if not raw or parse is None:
            return None, None
        value, error = parse
        if error is None:
            return value, None
        problem = error.detail.removeprefix("the request body is ")  # the finding reads "the body is ..."
        return mask_text(raw.decode("utf-8", errors="replace")), problem[:200]

    def inspect(
        self,
        raw: bytes,
        parse: Parse | None,
        header_items: list[tuple[str, str]],
        query: list[tuple[str, str]],
    ) -> Inspection:
        """The masked envelope and the classification, from the kept pieces (``unwired``) and the body."""
        body, problem = self.recorded_body(raw, parse)
        envelope = make_envelope(
            self.method, self.scim_path, first_values(query), headers_of(header_items), body
        )
        classification = classify(envelope, self.prior)
        unknown = list(self.unknown)
        return Inspection(envelope, classification, problem, self.raw_path, self.base_path, unknown)


def unwire(wire: bytes) -> Any:
    """JSON the journal keeps read back (escaped lone surrogates included)."""
    return jsontext.loads(wire, what="a request capture", lone_surrogates=True)


# What the operation table reads of the stored resource (inspect/predicates.py).
PRIOR_ATTRIBUTES = ("active", "displayName")
_MEMBER_WRITES = ("POST", "PUT", "PATCH")
_METHODS = {m: m for m in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")}  # one string each


def _prior(method: str, rtype: str | None, rid: str | None) -> dict[str, Any] | None:
    """The stored resource's ``active`` and ``displayName`` before a PUT/PATCH, so a flip of
    ``active`` or a rename can be recognised (read in place: a copy cost O(members) on groups)."""
    if rid is None or rtype is None or method not in ("PUT", "PATCH"):
        return None
    return get_state().store.peek(rtype, rid, PRIOR_ATTRIBUTES)


def _unknown(method: str, scim_path: str, rtype: str | None, raw: bytes | None) -> tuple[Finding, ...]:
    """Members of a group write that the store does not hold, looked up now, while the store is
    as it was (a user request has none: its body is not parsed here)."""
    if rtype != "Group" or method not in _MEMBER_WRITES or not raw:
        return ()
    value, error = request_body().parsed
    store = get_state().store
    envelope = {"method": method, "path": scim_path or "/", "body": value if error is None else None}
    found = unknown_members(envelope, lambda mid: store.exists("User", mid) or store.exists("Group", mid))
    return tuple(found)


def capture() -> Capture:
    """The current SCIM request's raw pieces, taken once per request (before the view, when it
    has one)."""
    g = scope()
    known = g.get("mockscim_capture")
    if known is not None:
        return known
    request, settings = current_request(), get_state().settings
    base, limit, method = settings.base_path, settings.journal_body_limit, request.method
    method = _METHODS.get(method, method)
    scim_path = request.path[len(base) :] if base else request.path
    environ, body = request.environ, request_body()
    rtype, rid = route_of(scim_path)[1:]
    raw = body.raw if body.raw is not None and len(body.raw) <= limit else None
    g.mockscim_capture = Capture(
        method,
        request.script_root,
        request.path,
        base,
        jsontext.encode_kept([header_items(environ), query_pairs()]),
        raw is not None,
        body.size,
        _prior(method, rtype, rid),
        environ.get(RAW_PATH_KEY),
        _unknown(method, scim_path, rtype, raw),
    )
    return g.mockscim_capture


def kept_body(captured: Capture) -> bytes:
    """The current request's body bytes as the journal keeps them (none above its limit)."""
    return (request_body().raw or b"") if captured.kept else b""


def inspection() -> Inspection:
    """Envelope and classification of the current SCIM request, computed once per request from
    its capture and the body the views parse."""
    g = scope()
    known = g.get("mockscim_inspection")
    if known is None:
        captured = capture()
        raw = kept_body(captured)
        parse = request_body().parsed if raw else None
        known = g.mockscim_inspection = captured.inspect(raw, parse, *captured.unwired())
    return known


def refuse_if_strict(findings: list[Finding]) -> None:
    """Strict mode: a request that breaks SCIM is refused, naming the rule it breaks."""
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InvalidValue(
            f"strict mode: the request breaks {first.rule} at {first.pointer or '/'}: {first.message}{more}"
        )


def init_app(app: Flask, settings: Settings) -> None:
    """``--strict``: validate SCIM requests before the view and refuse those that break SCIM."""
    if not settings.strict:
        return

    @app.before_request
    def _strict() -> None:
        # Validation cannot wait here: it decides whether the request is served.
        if is_scim(settings):
            refuse_if_strict(inspection().findings())
