"""What a SCIM request is, decided once before the view: envelope, Okta operation, findings.

The journal records it, strict mode refuses on it, faults match on it. It is computed while
the stored resource is still as it was, so a PUT that flips ``active`` is recognised as a
deactivation (docs/okta-reference.md §7.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from flask import Flask

from mockscim.config import Settings
from mockscim.constants import ADMIN_PREFIX
from mockscim.errors import InvalidValue
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
from mockscim.server.reading import query_pairs
from mockscim.server.reading import request_headers
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


def recorded_body(limit: int) -> tuple[Any, str | None]:
    """The request body as the journal keeps it, and why it is not JSON (None when it is).

    Above ``limit`` only the size is kept; text that is not JSON is kept with passwords masked.
    """
    body = request_body()
    if body.raw is None or body.size > limit:
        return {"_truncated": True, "size": body.size}, None
    if not body.raw:
        return None, None
    value, error = body.parsed
    if error is None:
        return value, None
    problem = error.detail.removeprefix("the request body is ")  # the finding reads "the body is ..."
    return mask_text(body.raw.decode("utf-8", errors="replace")), problem[:200]


# What the operation table reads of the stored resource (inspect/predicates.py).
PRIOR_ATTRIBUTES = ("active", "displayName")


def _prior(method: str, rtype: str | None, rid: str | None) -> dict[str, Any] | None:
    """The stored resource's ``active`` and ``displayName`` before a PUT/PATCH, so a flip of
    ``active`` or a rename can be recognised (read in place: a copy cost O(members) on groups)."""
    if rid is None or rtype is None or method not in ("PUT", "PATCH"):
        return None
    return get_state().store.peek(rtype, rid, PRIOR_ATTRIBUTES)


def inspection() -> Inspection:
    """Envelope and classification of the current SCIM request, computed once per request."""
    g = scope()
    known = getattr(g, "mockscim_inspection", None)
    if known is not None:
        return known
    request, state = current_request(), get_state()
    settings = state.settings
    base = settings.base_path
    scim_path = request.path[len(base) :] if base else request.path
    body, problem = recorded_body(settings.journal_body_limit)
    envelope = make_envelope(request.method, scim_path, first_values(query_pairs()), request_headers(), body)
    _, rtype, rid = route_of(scim_path)
    classification = classify(envelope, _prior(request.method, rtype, rid))
    raw_path = request.environ.get(RAW_PATH_KEY)
    store = state.store  # group members are looked up now, while the store is as it was
    unknown = unknown_members(envelope, lambda mid: store.exists("User", mid) or store.exists("Group", mid))
    g.mockscim_inspection = Inspection(envelope, classification, problem, raw_path, base, unknown)
    return g.mockscim_inspection


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
