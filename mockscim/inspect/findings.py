"""Findings: how a request deviates from SCIM (errors), from Okta's shape (warnings), and what
is worth recording without judging it (info).

Every finding has a JSON Pointer into the request envelope (``/body/Operations/0/value/active``,
``/query/count``) and a one-sentence explanation. The packaged JSON Schemas are the source of
truth for the first two kinds: ``scim/*`` for SCIM validity, the ``okta/*`` schema of the
classified rule (``operations.py``) for Okta's shape. A finding the rule's form is known to
cause (its ``tolerates``) is not reported, and one finding is reported once per pointer.
"""

from __future__ import annotations

import copy
import re
from dataclasses import asdict
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING
from typing import Any

from mockscim import schemas
from mockscim.constants import OKTA_USER_AGENT
from mockscim.errors import ScimError
from mockscim.inspect.classify import Classification
from mockscim.inspect.classify import route_of
from mockscim.inspect.operations import SPEC_TEST
from mockscim.scim.filter import parse_filter
from mockscim.scim.filter import parse_patch_path

if TYPE_CHECKING:  # imported where used: validation runs after the response (cold start)
    from jsonschema import Draft202012Validator

Envelope = dict[str, Any]

# Which scim/* schema a request body must satisfy, by method and path shape.
BODY_SCHEMAS = {
    ("POST", "/Users"): "scim/User",
    ("PUT", "/Users/{id}"): "scim/User",
    ("POST", "/Groups"): "scim/Group",
    ("PUT", "/Groups/{id}"): "scim/Group",
    ("PATCH", "/Users/{id}"): "scim/PatchOp",
    ("PATCH", "/Groups/{id}"): "scim/PatchOp",
    ("POST", "/.search"): "scim/SearchRequest",
}
_RESOURCE_OF = {"/Users/{id}": "scim/User", "/Groups/{id}": "scim/Group"}


@dataclass(frozen=True)
class Finding:
    """One deviation: severity (error/warning/info), where, which rule, and why."""

    severity: str
    pointer: str
    rule: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """JSON-safe form for the journal."""
        return asdict(self)


def inspect(
    envelope: Envelope, classification: Classification, *, body_problem: str | None = None
) -> list[Finding]:
    """All findings for one request: SCIM errors first, then Okta-shape warnings, then info."""
    errors = _untolerated(scim_errors(envelope, body_problem), classification)
    # A warning at a pointer that already has an error repeats it; whole-body pointers don't.
    taken = {f.pointer for f in errors} - {"", "/body"}
    warnings = [w for w in okta_warnings(envelope, classification) if w.pointer not in taken]
    return [_with_habit(f, envelope) for f in dedupe(errors + _untolerated(warnings, classification))]


# Forms that other SCIM clients send and Okta does not (docs/okta-reference.md §15): a finding
# on one of them says whose habit it is, so a team can tell another client from a new Okta.
_HABITS = (
    (
        re.compile(r"^/body/Operations/\d+/op$"),
        lambda value, _: (
            isinstance(value, str)
            and value.lower() in ("add", "replace", "remove")
            and value != value.lower()
        ),
        "a capitalised op is Microsoft Entra's habit; Okta sends lower-case ops (docs/okta-reference.md §15)",
    ),
    (
        re.compile(r"^/body/"),
        lambda value, message: (
            isinstance(value, str) and value.lower() in ("true", "false") and "boolean" in message
        ),
        "a boolean sent as a string is Microsoft Entra's habit; Okta sends JSON booleans (docs/okta-reference.md §15)",
    ),
)


def _with_habit(finding: Finding, envelope: Envelope) -> Finding:
    """The finding, with a note when its value is a known habit of another SCIM client."""
    for pattern, applies, note in _HABITS:
        if pattern.search(finding.pointer) and applies(_at(envelope, finding.pointer), finding.message):
            return Finding(finding.severity, finding.pointer, finding.rule, f"{finding.message}: {note}")
    return finding


def _at(document: Any, pointer: str) -> Any:
    """The value at a JSON Pointer, or None."""
    for part in pointer.split("/")[1:]:
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(document, dict):
            document = document.get(key)
        elif isinstance(document, list) and key.isdigit() and int(key) < len(document):
            document = document[int(key)]
        else:
            return None
    return document


def dedupe(findings: list[Finding]) -> list[Finding]:
    """Each message once per pointer, keeping the first (the most severe: errors come first)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for finding in findings:
        key = (finding.pointer, finding.message)
        if key not in seen:
            seen.add(key)
            out.append(finding)
    return out


def _untolerated(findings: list[Finding], classification: Classification) -> list[Finding]:
    """Drop the findings the classified Okta form is known to cause (``Rule.tolerates``)."""
    known = {(t.pointer, t.message) for t in classification.tolerates}
    return [f for f in findings if (f.pointer, f.message) not in known]


def scim_errors(envelope: Envelope, body_problem: str | None = None) -> list[Finding]:
    """Violations of SCIM itself (RFC 7643/7644): the server would answer 4xx."""
    shape, _, _ = route_of(envelope["path"])
    found = _query_errors(envelope)
    if body_problem:
        return [*found, Finding("error", "/body", "json", f"the body is {body_problem}")]
    name = BODY_SCHEMAS.get((envelope["method"], shape))
    body = envelope.get("body")
    if name is None or body is None or _truncated(body):
        return found
    found += _schema_findings("error", name, body, "/body")
    if name == "scim/PatchOp" and isinstance(body, dict):
        found += _patch_errors(body, _RESOURCE_OF[shape])
    return found


def _truncated(body: Any) -> bool:
    """The journal keeps a size note instead of a very large body."""
    return isinstance(body, dict) and body.get("_truncated") is True


def _schema_findings(severity: str, name: str, instance: Any, prefix: str) -> list[Finding]:
    """Validate against a packaged schema; pointers are prefixed to point into the envelope."""
    return [Finding(severity, prefix + f.pointer, name, f.message) for f in schemas.validate(name, instance)]


def _query_errors(envelope: Envelope) -> list[Finding]:
    """startIndex and count are integers; filters parse (RFC 7644 §3.4.2)."""
    query = {k.lower(): (k, v) for k, v in envelope.get("query", {}).items()}
    found = []
    for name in ("startindex", "count"):
        if name in query and not _is_int(query[name][1]):
            key, value = query[name]
            found.append(
                Finding(
                    "error", f"/query/{key}", "rfc7644/pagination", f"{key} must be an integer, not {value!r}"
                )
            )
    if "filter" in query:
        key, value = query["filter"]
        try:
            parse_filter(value)
        except ScimError as exc:
            found.append(Finding("error", f"/query/{key}", "rfc7644/filter", exc.detail))
    return found


def _is_int(text: str) -> bool:
    """True for an optionally signed decimal integer."""
    return text.strip().lstrip("+-").isdigit()


def _patch_errors(body: dict[str, Any], resource_schema: str) -> list[Finding]:
    """Path syntax and value types of each PATCH operation, checked against the resource schema."""
    found: list[Finding] = []
    operations = body.get("Operations")
    for index, op in enumerate(operations if isinstance(operations, list) else []):
        if not isinstance(op, dict):
            continue
        where = f"/body/Operations/{index}"
        path, value = op.get("path"), op.get("value")
        if isinstance(path, str):
            try:
                parsed = parse_patch_path(path)
            except ScimError as exc:
                found.append(Finding("error", f"{where}/path", "rfc7644/patch-path", exc.detail))
                continue
            if parsed.filter is None and parsed.path.urn is None and "value" in op:
                partial = {parsed.path.attr: value if parsed.path.sub is None else {parsed.path.sub: value}}
                found += _partial_findings(resource_schema, partial, f"{where}/value", collapse=True)
        elif isinstance(value, dict):
            found += _partial_findings(resource_schema, value, f"{where}/value", collapse=False)
    return found


def _partial_findings(name: str, value: dict[str, Any], prefix: str, *, collapse: bool) -> list[Finding]:
    """Validate attribute values without requiring the resource's required attributes."""
    out = []
    for error in _partial_validator(name).iter_errors(value):
        pointer = "" if collapse else schemas.pointer_of(error.absolute_path)
        if collapse and not list(error.absolute_path):
            continue  # An unknown attribute name in a path is reported by the path check.
        out.append(Finding("error", prefix + pointer, name, error.message))
    return out


@cache
def _partial_validator(name: str) -> Draft202012Validator:
    """A validator for ``name`` with its top-level ``required`` list removed."""
    from jsonschema import Draft202012Validator

    document = copy.deepcopy(schemas.load(name))
    document.pop("required", None)
    return Draft202012Validator(document, registry=schemas.registry())


def okta_warnings(envelope: Envelope, classification: Classification) -> list[Finding]:
    """Valid SCIM that Okta would not send: its shape schema, its paths; its User-Agent as info."""
    found: list[Finding] = []
    if classification.schema is not None:
        found += _schema_findings("warning", classification.schema, envelope, "")
    elif classification.operation == "unknown":
        found.append(Finding("warning", "", "okta/operation", classification.note or "not an Okta request"))
    if classification.dialect != SPEC_TEST:  # the SPEC test has its own User-Agent (§12)
        found += _user_agent(envelope)
    return found


def _user_agent(envelope: Envelope) -> list[Finding]:
    """Okta's User-Agent is known only from 2018 captures (§2.2, §15): another one is recorded
    as information, never as a deviation."""
    agent = envelope.get("headers", {}).get("user-agent")
    if agent == OKTA_USER_AGENT:
        return []
    message = (
        f"User-Agent {agent!r} recorded; Okta's 2018 captures sent '{OKTA_USER_AGENT}', and today's "
        "engine is unconfirmed (docs/okta-reference.md §2.2, §15)"
    )
    return [Finding("info", "/headers/user-agent", "okta/user-agent", message)]


def path_warnings(raw_path: str | None, scim_path: str, base_path: str) -> list[Finding]:
    """Paths that suggest a misconfigured base URL in Okta (docs/okta-reference.md §2.1)."""
    found = []
    if raw_path and "//" in raw_path:
        found.append(
            Finding(
                "warning",
                "/path",
                "okta/base-url",
                f"the path {raw_path!r} has '//'; remove the trailing '/' from the base URL in Okta",
            )
        )
    if base_path and (scim_path == base_path or scim_path.startswith(base_path + "/")):
        found.append(
            Finding(
                "warning",
                "/path",
                "okta/base-url",
                f"the path repeats the base path {base_path}; enter it once in Okta's base URL",
            )
        )
    return found
