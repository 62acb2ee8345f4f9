"""Match a flow's expected requests against journal entries, in order.

``compare`` decides whether one recorded request satisfies one expected step (binding names on
success); ``match_flow`` finds the whole flow with the complete search of ``search.py`` over a
journal index (``index.py``), and explains a flow it cannot find: the steps it could match, the
first missing one with the closest request and how that request differs.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mockscim.runner.model import Scenario
from mockscim.runner.model import Step
from mockscim.runner.pointer import MISSING
from mockscim.runner.pointer import resolve
from mockscim.verify.index import JournalIndex
from mockscim.verify.index import after
from mockscim.verify.index import template_shape
from mockscim.verify.search import DEFAULT_BUDGET
from mockscim.verify.search import Search
from mockscim.verify.search import State
from mockscim.verify.search import freeze
from mockscim.verify.search import names_used
from mockscim.verify.steps import Expected
from mockscim.verify.steps import expected_steps
from mockscim.verify.templates import Bindings
from mockscim.verify.templates import match_text
from mockscim.verify.templates import match_value
from mockscim.verify.templates import wanted_query

Entry = dict[str, Any]


@dataclass
class StepResult:
    """An expected step: the journal entry that matched it, or the closest one and the differences."""

    expected: Expected
    entry: Entry | None = None
    closest: Entry | None = None
    differences: list[str] = field(default_factory=list)

    @property
    def matched(self) -> bool:
        """True when a journal entry satisfied the step."""
        return self.entry is not None


@dataclass
class FlowResult:
    """The outcome of one flow: a result per expected step, and the final bindings."""

    name: str
    source: str
    steps: list[StepResult]
    bindings: Bindings
    searched_all: bool = True  # False when the search stopped at its budget (search.py)

    @property
    def verifiable(self) -> bool:
        """False when the flow has no step Okta sends (every step is ``okta: false``)."""
        return bool(self.steps)

    @property
    def passed(self) -> bool:
        """True when every expected step matched (a flow with nothing to match never passes)."""
        return self.verifiable and all(step.matched for step in self.steps)

    @property
    def first_missing(self) -> StepResult | None:
        """The first step that no request satisfied."""
        return next((s for s in self.steps if not s.matched), None)


def compare(expected: Expected, entry: Entry, bindings: Bindings, *, explain: bool = True) -> list[str]:
    """Differences between an expected step and a recorded request (binds on success); without
    ``explain`` only whether there is one (same verdict, no descriptions: see ``match_value``)."""
    request = entry["request"]
    trial = dict(bindings)
    diffs = []
    if request["method"] != expected.method:
        diffs.append(f"method is {request['method']}, expected {expected.method}")
    path, _, literal_query = expected.path.partition("?")
    actual_path = request.get("scim_path") or request["path"]
    if not match_text(path, actual_path, trial, segment=True):
        diffs.append(f"path is {actual_path}, expected {path}")
    diffs += _compare_query(expected, literal_query, request.get("query") or {}, trial)
    if diffs and not explain:
        return diffs
    if expected.body is not MISSING:
        diffs += [
            f"body {d}" for d in match_value(expected.body, request.get("body"), trial, explain=explain)
        ]
    diffs += _credentials(expected.step, request)
    if not diffs:
        bindings.update(trial)
    return diffs


def _credentials(step: Step, request: dict[str, Any]) -> list[str]:
    """``auth: none`` steps expect no Authorization header (values are masked in the journal)."""
    sent = "authorization" in {k.lower() for k in (request.get("headers") or {})}
    if step.request is not None and step.request.auth == "none" and sent:
        return ["sent an Authorization header, expected none (auth: none)"]
    return []


def _compare_query(expected: Expected, literal: str, actual: dict[str, str], bindings: Bindings) -> list[str]:
    """Every expected parameter must be present with a matching value (others may be extra)."""
    diffs = []
    for key, value in wanted_query(expected.query, literal).items():
        if key not in actual:
            diffs.append(f"query {key} is missing, expected {value!r}")
        elif not match_text(value, actual[key], bindings):
            diffs.append(f"query {key} is {actual[key]!r}, expected {value!r}")
    return diffs


def _save(step: Step, entry: Entry, bindings: Bindings) -> None:
    """Bind the step's ``save`` names from the matched entry's response."""
    response = entry.get("response") or {}
    for save in step.saves:
        if save.source == "header":
            headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
            value = headers.get(save.where.lower(), MISSING)
        else:
            value = resolve(response.get("body"), save.where)
        if value is not MISSING:
            bindings[save.name] = value  # like the runner: the latest save wins


def match_flow(
    scenario: Scenario,
    entries: list[Entry],
    *,
    strict_order: bool = False,
    name: str | None = None,
    index: JournalIndex | None = None,
    budget: int = DEFAULT_BUDGET,
) -> FlowResult:
    """Match a flow's steps to journal entries in order; other requests may come in between
    unless ``strict_order``. Every request that could be the first step is tried (see
    ``search.py`` for the algorithm and its cost); the latest complete occurrence is reported,
    else the longest prefix found, then the later steps that still match after it."""
    steps = expected_steps(scenario)
    index = index if index is not None else JournalIndex(entries)

    def trial(step: int, position: int, bindings: Bindings) -> Bindings | None:
        """What matching ``position`` to ``step`` adds: the names it binds, the values it saves."""
        bound = dict(bindings)
        if compare(steps[step], entries[position], bound, explain=False):
            return None
        saved: Bindings = {}
        _save(steps[step].step, entries[position], saved)
        return {**{k: v for k, v in bound.items() if k not in bindings}, **saved}

    search = Search(steps, index, trial, strict_order, budget)
    found = search.run()
    if found is not None:
        results = [StepResult(expected, entry=entries[p]) for expected, p in zip(steps, found, strict=True)]
        bindings = _replay(steps, entries, found)
    else:
        results, bindings = _partial(steps, index, _explaining(steps, index, search.frontier), strict_order)
    return FlowResult(name or scenario.name, str(scenario.path), results, bindings, not search.exhausted)


def _explaining(steps: list[Expected], index: JournalIndex, frontier: list[State]) -> State:
    """The deepest state to report: one whose next step did arrive, but before it (out of order),
    else the first found (the newest start)."""
    if not frontier or len(frontier[0].chain) >= len(steps):
        return frontier[0] if frontier else State()
    expected = steps[len(frontier[0].chain)]
    names = sorted(names_used([expected.path, expected.query, expected.body]))
    earliest: dict[Hashable, int | None] = {}  # per value of the names the step reads
    for state in frontier:
        key = freeze([state.bindings.get(name) for name in names])
        if key not in earliest:
            hits = (
                p
                for p in index.candidates(expected, state.bindings)
                if not compare(expected, index.entries[p], dict(state.bindings))
            )
            earliest[key] = next(hits, None)
        if earliest[key] is not None and earliest[key] < state.position:
            return state
    return frontier[0]


def _replay(steps: list[Expected], entries: list[Entry], positions: list[int]) -> Bindings:
    """The bindings after matching ``positions`` to the first steps (for the report)."""
    bindings: Bindings = {}
    for expected, position in zip(steps, positions, strict=False):
        compare(expected, entries[position], bindings)
        _save(expected.step, entries[position], bindings)
    return bindings


def _partial(
    steps: list[Expected], index: JournalIndex, deepest: State, strict: bool
) -> tuple[list[StepResult], Bindings]:
    """No complete match: the deepest prefix found, then each later step's first match after
    the previous one (a step that has none is reported with the closest request)."""
    entries = index.entries
    results = [StepResult(e, entry=entries[p]) for e, p in zip(steps, deepest.chain, strict=False)]
    bindings, position = dict(deepest.bindings), deepest.position
    for expected in steps[len(deepest.chain) :]:
        later = after(index.candidates(expected, bindings), position)
        window = later[:1] if strict and later and later[0] == position else ([] if strict else later)
        hit = next((p for p in window if not compare(expected, entries[p], dict(bindings))), None)
        if hit is None:
            results.append(_missing(expected, index, position, bindings))
            continue
        compare(expected, entries[hit], bindings)
        _save(expected.step, entries[hit], bindings)
        results.append(StepResult(expected, entry=entries[hit]))
        position = hit + 1
    return results, bindings


# Requests compared when looking for the closest one to a missing step: the nearest ones after
# the previous step. The closest request is an explanation; whether the step matched is not
# affected by this bound.
CLOSEST_SCAN = 200


def _closest(
    expected: Expected, index: JournalIndex, position: int, bindings: Bindings
) -> tuple[Entry | None, list[str]]:
    """The recorded request that differs least from the expected one (method and path weigh most)."""
    entries = index.entries
    start = position if position < len(entries) else 0
    shape = template_shape(expected.path.partition("?")[0])
    pool = after(index.any_method.get(shape, []), start) if shape else []
    pool = pool or after(index.by_method.get(expected.method, []), start)
    if not pool:  # nothing alike: one request per (method, shape), the latest of each
        latest = {index.shapes[p]: p for p in range(start, len(entries))}
        pool = sorted(latest.values())
    best: tuple[float, Entry | None, list[str]] = (float("inf"), None, [])
    for candidate in pool[:CLOSEST_SCAN]:
        diffs = compare(expected, entries[candidate], dict(bindings))
        weight = sum(3 if d.startswith(("method", "path")) else 1 for d in diffs)
        if weight < best[0]:
            best = (weight, entries[candidate], diffs)
    return best[1], best[2]


def _missing(expected: Expected, index: JournalIndex, position: int, bindings: Bindings) -> StepResult:
    """A step nothing matched: the closest request after the previous step, and why it differs."""
    closest, diffs = _closest(expected, index, position, bindings)
    if closest is not None and not diffs:
        diffs = [f"journal #{closest['id']} matches but came too early (out of order)"]
    if closest is None or len(diffs) > 1 or diffs[0].startswith(("method", "path")):
        earlier = [
            p
            for p in index.candidates(expected, bindings)
            if p < position and not compare(expected, index.entries[p], dict(bindings))
        ]
        if earlier:
            diffs.append(
                f"journal #{index.entries[earlier[-1]]['id']} matches but came before the previous step (out of order)"
            )
    return StepResult(expected, closest=closest, differences=diffs)
