"""The shapes of the Okta readiness table (``readiness.py``): capabilities, the scenario steps
that prove them, failure symptoms and app profiles. Plain frozen data; ``verdict.py`` judges."""

from __future__ import annotations

from dataclasses import dataclass

AIW, OIN = "aiw", "oin"
BOTH = (AIW, OIN)
DIALECT_TITLES = {AIW: "AIW custom app (PUT dialect)", OIN: "OIN catalog app or template (PATCH dialect)"}


@dataclass(frozen=True)
class Evidence:
    """Steps of one library scenario that prove a capability.

    ``scenario`` is the file's path below the library root without ``.scenario.yaml``;
    ``steps`` is a regular expression searched in step names (None: every step). ``shows`` and
    ``fix`` replace the capability's texts when this evidence fails.
    """

    scenario: str
    steps: str | None = None
    shows: str | None = None
    fix: str | None = None


@dataclass(frozen=True)
class Capability:
    """One thing an Okta admin turns on, the scenarios behind it and what its failure looks like."""

    key: str
    title: str
    source: str
    shows: str
    fix: str
    evidence: tuple[Evidence, ...]
    dialects: tuple[str, ...] = BOTH
    fixes: tuple[tuple[str, str], ...] = ()  # (dialect, fix) where the dialects differ

    def fix_for(self, dialect: str) -> str:
        """The fix hint in ``dialect``."""
        return dict(self.fixes).get(dialect, self.fix)


@dataclass(frozen=True)
class Symptom:
    """A failure that looks the same in Okta whatever the capability: ``kind`` is how to spot it."""

    kind: str  # "status:429", "transport" or "error-not-json"
    shows: str
    fix: str


@dataclass(frozen=True)
class Profile:
    """An app configuration: the dialects it speaks and the capabilities it turns on."""

    name: str
    title: str
    dialects: tuple[str, ...]
    capabilities: tuple[str, ...]
    source: str
