"""The Okta readiness verdict: the table in ``readiness.py`` judged against a run.

It reads scenario dicts shaped like the JSON report's ``scenarios`` items (``file``, ``dialect``,
``status``, ``steps`` with ``name``, ``line``, ``status``, ``failures`` and, for the failing step,
``response``), so it works on a live run, on the pytest plugin's results and on a saved report.

A capability is **ready** when at least one scenario step behind it ran and passed and none
failed, **not ready** when one failed, and **not tested** when none ran (not selected, skipped,
or blocked by an earlier failing step of the same scenario).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any

from mockscim.runner.capability import DIALECT_TITLES
from mockscim.runner.capability import Capability
from mockscim.runner.capability import Evidence
from mockscim.runner.capability import Profile
from mockscim.runner.readiness import CAPABILITIES
from mockscim.runner.readiness import PROFILES
from mockscim.runner.readiness import SYMPTOMS

READY, NOT_READY, NOT_TESTED = "ready", "not-ready", "not-tested"
SUFFIX = ".scenario.yaml"


class UnknownProfile(ValueError):
    """``--profile`` names no known profile."""


def profile(name: str) -> Profile:
    """The profile called ``name``; raise UnknownProfile naming the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise UnknownProfile(f"unknown profile {name!r}; known profiles: {known}") from None


def dialects_for(chosen: Profile, dialect: str | None) -> tuple[str, ...]:
    """The dialects to judge: ``--dialect`` if given (it must be one the profile speaks), else the profile's."""
    if dialect is None:
        return chosen.dialects
    if dialect not in chosen.dialects:
        raise UnknownProfile(
            f"profile {chosen.name!r} speaks {' and '.join(chosen.dialects)} only, not --dialect {dialect}; "
            "leave --dialect out or pick another profile"
        )
    return (dialect,)


@dataclass(frozen=True)
class Readiness:
    """What to judge: a profile and the dialects (``--profile``, ``--dialect``)."""

    profile: Profile
    dialects: tuple[str, ...]

    @classmethod
    def choose(cls, name: str, dialect: str | None = None) -> Readiness:
        """The profile called ``name`` in ``dialect`` (default: its own); raise UnknownProfile."""
        chosen = profile(name)
        return cls(chosen, dialects_for(chosen, dialect))

    def judge(self, scenarios: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """The verdict for scenario dicts shaped like the JSON report's."""
        return verdict(scenarios, self.profile, self.dialects)


@lru_cache(maxsize=4096)  # asked for every capability's evidence against every scenario
def scenario_key(file: str) -> str:
    """``scenarios/okta/aiw/push-group.scenario.yaml`` -> the posix path, for suffix matching."""
    return PurePosixPath(file.replace("\\", "/")).as_posix()


def _matches(evidence: Evidence, file: str) -> bool:
    """True when ``file`` is the library scenario the evidence names (wherever the library lives)."""
    key, wanted = scenario_key(file), evidence.scenario + SUFFIX
    return key == wanted or key.endswith("/" + wanted)


def _speaks(scenario: dict[str, Any], dialect: str) -> bool:
    """Dialect-neutral scenarios count for both dialects."""
    return scenario.get("dialect") in (None, dialect)


def _steps(evidence: Evidence, scenario: dict[str, Any]) -> list[dict[str, Any]]:
    """The scenario's steps the evidence covers."""
    steps = scenario.get("steps", [])
    return steps if evidence.steps is None else [s for s in steps if re.search(evidence.steps, s["name"])]


def _first_failed(steps: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    """The first failed step."""
    return next((step for step in steps if step["status"] == "failed"), None)


def judge(evidence: Evidence, scenario: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    """``("passed", None)``, ``("failed", step)``, ``("blocked", failing step)`` or ``("not-run", None)``."""
    if scenario.get("status") == "skipped":
        return "not-run", None
    covered = _steps(evidence, scenario)
    failed = _first_failed(covered)
    if failed is not None:
        return "failed", failed
    if covered and all(step["status"] == "passed" for step in covered):
        return "passed", None
    blocker = _first_failed(scenario.get("steps", []))
    return ("blocked", blocker) if blocker is not None else ("not-run", None)


def _symptom(step: dict[str, Any]) -> tuple[str, str] | None:
    """(shows, fix) when the failure looks the same in Okta whatever the capability."""
    kinds = {failure["kind"] for failure in step.get("failures", [])}
    messages = " ".join(failure["message"] for failure in step.get("failures", []))
    status = (step.get("response") or {}).get("status") or 0
    found = {f"status:{status}"} if status else set()
    if "transport" in kinds:
        found.add("transport")
    if status >= 400 and "not JSON" in messages:
        found.add("error-not-json")
    return next(((s.shows, s.fix) for s in SYMPTOMS if s.kind in found), None)


def _where(scenario: dict[str, Any], step: dict[str, Any] | None) -> dict[str, Any]:
    """Which scenario and step a problem points at."""
    return {
        "scenario": scenario.get("name", ""),
        "file": scenario.get("file", ""),
        "step": step["name"] if step else None,
        "line": step.get("line") if step else None,
    }


def _problem(
    capability: Capability, evidence: Evidence, scenario: dict[str, Any], step: dict[str, Any], dialect: str
) -> dict[str, Any]:
    """A "not ready" entry: where it failed, what Okta shows, how to fix it."""
    shows, fix = _symptom(step) or (
        evidence.shows or capability.shows,
        evidence.fix or capability.fix_for(dialect),
    )
    failures = [f"{failure['kind']}: {failure['message']}" for failure in step.get("failures", [])]
    return {**_where(scenario, step), "failures": failures, "okta_shows": shows, "fix": fix}


def assess(capability: Capability, scenarios: Sequence[dict[str, Any]], dialect: str) -> dict[str, Any]:
    """One capability's verdict in one dialect."""
    problems, proven, blocked = [], [], []
    for evidence in capability.evidence:
        for scenario in scenarios:
            if not (_matches(evidence, scenario.get("file", "")) and _speaks(scenario, dialect)):
                continue
            outcome, step = judge(evidence, scenario)
            if outcome == "failed":
                problems.append(_problem(capability, evidence, scenario, step, dialect))
            elif outcome == "passed":
                proven.append(_where(scenario, None))
            elif outcome == "blocked":
                blocked.append(_where(scenario, step))
    status = NOT_READY if problems else READY if proven else NOT_TESTED
    return {
        "key": capability.key,
        "title": capability.title,
        "source": capability.source,
        "status": status,
        "problems": _unique(problems),
        "proven_by": _unique(proven),
        "blocked_by": _unique(blocked),
    }


def _unique(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries without repeats (a scenario may back a capability with several evidence rows)."""
    kept: list[dict[str, Any]] = []
    for entry in entries:
        if entry not in kept:
            kept.append(entry)
    return kept


def verdict(scenarios: Sequence[dict[str, Any]], chosen: Profile, dialects: Sequence[str]) -> dict[str, Any]:
    """The readiness verdict for ``dialects`` under ``chosen`` (JSON-ready; shape in docs/reports.md)."""
    wanted = [c for c in CAPABILITIES if c.key in chosen.capabilities]
    judged = []
    for dialect in dialects:
        rows = [assess(c, scenarios, dialect) for c in wanted if dialect in c.dialects]
        counts = {s: sum(r["status"] == s for r in rows) for s in (READY, NOT_READY, NOT_TESTED)}
        judged.append(
            {"dialect": dialect, "title": DIALECT_TITLES[dialect], "counts": counts, "capabilities": rows}
        )
    return {
        "profile": chosen.name,
        "profile_title": chosen.title,
        "source": chosen.source,
        "dialects": judged,
    }


def ready(result: dict[str, Any]) -> bool:
    """True when no capability of any judged dialect is not ready."""
    return all(d["counts"][NOT_READY] == 0 for d in result["dialects"])


def _problem_lines(row: dict[str, Any]) -> list[str]:
    """The indented detail lines of a not-ready capability."""
    lines = []
    for problem in row["problems"]:
        first = problem["failures"][0] if problem["failures"] else "failed"
        lines.append(f"      {problem['file']}:{problem['line']} {problem['step']!r}: {first}")
        lines.append(f"      Okta shows: {problem['okta_shows']}")
        lines.append(f"      Fix: {problem['fix']}")
    return lines


def text(result: dict[str, Any]) -> str:
    """The verdict for the terminal: counts per dialect, details for what is not ready."""
    lines = []
    for judged in result["dialects"]:
        rows, counts = judged["capabilities"], judged["counts"]
        if counts[NOT_TESTED] == len(rows):
            lines.append(f"Okta readiness, {judged['title']}: not tested (no Okta scenario behind it ran)")
            continue
        lines.append(
            f"Okta readiness, {judged['title']}, profile {result['profile']}: "
            f"{counts[READY]} ready, {counts[NOT_READY]} not ready, {counts[NOT_TESTED]} not tested"
        )
        for row in rows:
            if row["status"] == NOT_READY:
                lines.append(f"  NOT READY   {row['title']}")
                lines += _problem_lines(row)
        for status, label in ((READY, "ready"), (NOT_TESTED, "not tested")):
            titles = [row["title"] for row in rows if row["status"] == status]
            if titles:
                lines.append(f"  {label:<11} {', '.join(titles)}")
    return "\n".join(lines)
