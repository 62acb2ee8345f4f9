"""Finding a flow in a journal: a complete search over every start, pruned by bindings.

A flow's steps must match entries in order; a step may bind names (``${email}``, ids saved from
responses) that later steps must agree with. The search is a depth-first walk over steps, with
three facts keeping it small:

* **A step's matches depend only on the names it uses.** ``compare`` reads the step's own
  ``${...}`` names and nothing else, so the step is compared with the journal once per value of
  those names (the *scan*), not once per search state. A scan looks only at the entries the
  journal index (``index.py``) offers: the step's method and path shape, narrowed by any path,
  query value or body field the names already determine. Its matches are grouped by what they
  add to the bindings (names bound, values saved from the response).
* **Among equal additions the earliest entry wins.** Later steps depend only on the bindings and
  the position reached, and an earlier position leaves at least the same choices; so a state
  follows, for each group of its step's scan, the first entry after its position (binary search).
* **States are judged by what the rest of the flow reads.** Later steps read only their own
  names, so a state is (step, the bindings of the names the remaining steps use); one already
  searched from an earlier position, and failed, is not searched again.

The first step's groups are tried newest first (from their latest entry, then their earliest), so
the match reported is the latest occurrence and an older session cannot capture the bindings.
With ``strict_order`` (each step right after the previous one) no position dominates another:
every start is tried and states are remembered with their position.

Cost, for a journal of N entries and a flow of S steps: the index is O(N) per list used (shared
by every flow of one verify run); each scan is one ``compare`` per entry the index offers for it
(k); each state costs O(G log N) for the G groups of its step's scan. A step whose names are all
bound has a single group, so the library's flows (the first step binds a name, later steps are
found by that name or by ids saved from responses) cost O(N + Σ scans·k + C·S·log N), with C the
number of distinct first-step bindings the rest of the flow reads. The exponential worst case
(every step binding a fresh value that later steps read, from any of N entries) is cut by
``budget``: past it the search stops and says so; it never reports a miss it did not prove.
docs/performance.md has the measured figures.
"""

from __future__ import annotations

import json
from bisect import bisect_left
from collections.abc import Callable
from collections.abc import Hashable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mockscim.runner.variables import REFERENCE
from mockscim.verify.index import JournalIndex
from mockscim.verify.templates import Bindings

# Comparisons one flow may spend before the search stops (minutes of Python at worst).
DEFAULT_BUDGET = 2_000_000
MISSING = "\x00unbound"  # stands for an unbound name in a projection


class BudgetExhausted(Exception):
    """The search spent its budget of comparisons."""


@dataclass
class State:
    """A point of the search: the positions matched so far, the bindings, the next position."""

    chain: list[int] = field(default_factory=list)
    bindings: Bindings = field(default_factory=dict)
    position: int = 0


# (step index, entry position, bindings) -> what the match adds to the bindings, or None.
Trial = Callable[[int, int, Bindings], Bindings | None]
Groups = list[tuple[Bindings, list[int]]]  # (addition, its positions in journal order)


def freeze(value: Any) -> Hashable:
    """A hashable form of bindings or of a list of values (values may be objects or arrays saved
    from responses); plain scalars are kept as they are, which is much cheaper than JSON."""
    items = sorted(value.items()) if isinstance(value, dict) else list(enumerate(value))
    return tuple((key, _atom(item)) for key, item in items)


def _atom(value: Any) -> Hashable:
    """A scalar as itself (a boolean kept apart from 1), anything else as canonical JSON."""
    if isinstance(value, bool):
        return ("bool", value)
    if value is None or isinstance(value, str | int | float):
        return value
    return ("json", json.dumps(value, sort_keys=True, default=str))


def names_used(value: Any) -> set[str]:
    """The names a template reads: ``${user_id}``, ``${item.id}`` (reads ``item``)."""
    if isinstance(value, dict):
        return set().union(*(names_used(v) for v in value.values()), *(names_used(k) for k in value))
    if isinstance(value, list):
        return set().union(*(names_used(v) for v in value))
    if not isinstance(value, str):
        return set()
    return {m.group(1).split(".")[0] for m in REFERENCE.finditer(value) if m.group(1)}


class Search:
    """One flow's search over one journal; ``run`` returns the matched positions or None."""

    def __init__(self, steps: list[Any], index: JournalIndex, trial: Trial, strict: bool, budget: int):
        self.steps, self.index, self.trial, self.strict = steps, index, trial, strict
        self.budget = budget
        self.compares = 0
        self.exhausted = False
        self.frontier: list[State] = []  # the states that reached the deepest step, in search order
        uses = [names_used([s.path, s.query, s.body]) for s in steps]
        self._uses = uses
        self._later = [set().union(*uses[i:]) for i in range(len(steps) + 1)]
        self._scans: dict[tuple[int, Hashable], Groups] = {}
        self._memo: dict[tuple[int, Hashable], int] = {}

    def run(self) -> list[int] | None:
        """The positions of a complete match (the latest occurrence found), or None."""
        if not self.steps:
            return None
        try:
            groups = sorted(self._scan(0, {}), key=lambda group: group[1][-1], reverse=True)
            for addition, positions in groups:
                for start in self._starts(positions):
                    found = self._follow(0, start, addition, State())
                    if found is not None:
                        return found
        except BudgetExhausted:
            self.exhausted = True
        return None

    def _starts(self, positions: list[int]) -> list[int]:
        """Where to start a group: its latest entry, then its earliest (which leaves the most room);
        with strict order a start does not dominate a later one, so every entry, newest first."""
        if self.strict:
            return positions[::-1]
        return list(dict.fromkeys((positions[-1], positions[0])))

    def _follow(self, step: int, position: int, addition: Bindings, state: State) -> list[int] | None:
        """Take the match at ``position`` for ``step``, then search the rest after it."""
        reached = State([*state.chain, position], {**state.bindings, **addition}, position + 1)
        self._note(reached)
        return self._expand(step + 1, reached)

    def _expand(self, step: int, state: State) -> list[int] | None:
        """Match steps ``step``.. after the state's position; None when they cannot all match."""
        if step == len(self.steps):
            return state.chain
        key = (step, self._project(state.bindings, self._later[step]))
        if self.strict:  # the next step must be at this very position: no position dominates
            key = (*key, state.position)
        if self._memo.get(key, len(self.index.entries) + 1) <= state.position:
            return None  # searched from an earlier position already, and failed
        self._memo[key] = state.position
        for position, addition in self._next(step, state):
            found = self._follow(step, position, addition, state)
            if found is not None:
                return found
        return None

    def _next(self, step: int, state: State) -> list[tuple[int, Bindings]]:
        """For each group of the step's scan, its first entry at or after the state's position."""
        out = []
        for addition, positions in self._scan(step, state.bindings):
            at = bisect_left(positions, state.position)
            if at < len(positions) and (not self.strict or positions[at] == state.position):
                out.append((positions[at], addition))
        return sorted(out, key=lambda pair: pair[0])

    def _scan(self, step: int, bindings: Bindings) -> Groups:
        """The step's matches in the whole journal, grouped by addition; cached per the values of
        the names the step reads."""
        key = (step, self._project(bindings, self._uses[step]))
        if key not in self._scans:
            groups: dict[Hashable, tuple[Bindings, list[int]]] = {}
            for position in self.index.candidates(self.steps[step], bindings):
                self.compares += 1
                if self.compares > self.budget:
                    raise BudgetExhausted
                addition = self.trial(step, position, bindings)
                if addition is not None:
                    groups.setdefault(freeze(addition), (addition, []))[1].append(position)
            self._scans[key] = list(groups.values())
        return self._scans[key]

    @staticmethod
    def _project(bindings: Bindings, names: set[str]) -> Hashable:
        """The bindings of ``names`` (unbound ones marked), as a hashable key."""
        return freeze({name: bindings.get(name, MISSING) for name in sorted(names)})

    def _note(self, state: State) -> None:
        """Keep the states that reached the deepest step so far (newest start first)."""
        deepest = len(self.frontier[0].chain) if self.frontier else 0
        if len(state.chain) > deepest:
            self.frontier = [state]
        elif len(state.chain) == deepest and len(self.frontier) < 10_000:
            self.frontier.append(state)
