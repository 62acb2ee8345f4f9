"""The verify service: ``mockscim verify``, ``POST /__admin/verify`` and the dashboard's library
flows all call ``verify``, so they give the same verdicts on the same journal.

``load`` turns flow names and an attribute-mapping document into what ``verify`` matches;
``verify`` selects the journal window, matches every flow over one shared index and checks the
mappings; the ``Report`` renders as text, as JSON for the admin API and as JUnit XML.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockscim.runner import Scenario
from mockscim.verify.flows import FlowNotFound
from mockscim.verify.flows import load_flows
from mockscim.verify.index import JournalIndex
from mockscim.verify.mapping import MappingError
from mockscim.verify.mapping import MappingFailure
from mockscim.verify.mapping import Rule
from mockscim.verify.mapping import check_mappings
from mockscim.verify.mapping import load_mappings
from mockscim.verify.matcher import FlowResult
from mockscim.verify.matcher import match_flow
from mockscim.verify.report import flow_dict
from mockscim.verify.report import flow_report
from mockscim.verify.report import junit
from mockscim.verify.report import mapping_report
from mockscim.verify.search import DEFAULT_BUDGET

Entry = dict[str, Any]
Flows = list[tuple[str, Scenario]]


class VerifyInputError(ValueError):
    """A flow name, a flow file or a mapping document is wrong; ``problems`` lists each one and
    ``source`` says which: ``flow`` (no such flow), ``file`` (``file:line: ...``) or ``mapping``."""

    def __init__(self, problems: list[str], source: str):
        super().__init__("; ".join(problems))
        self.problems = problems
        self.source = source


def load(names: list[str], mapping: Any = None, root: Path | None = None) -> tuple[Flows, list[Rule] | None]:
    """The named flows (library ids, folders or files) and the mapping rules (None: no mapping)."""
    try:
        flows, errors = load_flows(names, root)
    except FlowNotFound as exc:
        raise VerifyInputError([str(exc)], "flow") from None
    if errors:
        raise VerifyInputError([str(error) for error in errors], "file")
    try:
        return flows, (load_mappings(mapping) if mapping is not None else None)
    except MappingError as exc:
        raise VerifyInputError([str(exc)], "mapping") from None


@dataclass
class Report:
    """Every flow's result and the mapping check; ``passed`` when all of them passed."""

    flows: list[FlowResult]
    mapping: tuple[int, list[MappingFailure]] | None = None
    entries: int = 0

    @property
    def passed(self) -> bool:
        """Every flow found and no mapping failure."""
        return all(r.passed for r in self.flows) and not (self.mapping and self.mapping[1])

    def text(self) -> str:
        """The report people read: one block per flow, then the mappings."""
        blocks = [flow_report(result) for result in self.flows]
        if self.mapping is not None:
            blocks.append(mapping_report(*self.mapping))
        return "\n".join(blocks)

    def to_dict(self) -> dict[str, Any]:
        """JSON for ``POST /__admin/verify``."""
        body: dict[str, Any] = {"flows": [flow_dict(r) for r in self.flows], "entries": self.entries}
        if self.mapping is not None:
            checked, failures = self.mapping
            body["mapping"] = {"checked": checked, "failures": [vars(f) for f in failures]}
        body["passed"] = self.passed
        return body

    def junit(self) -> bytes:
        """JUnit XML: one testcase per flow and one for the mappings."""
        return junit(self.flows, self.mapping)


def verify(
    entries: list[Entry],
    flows: Flows,
    *,
    since: str | int | None = None,
    until: str | int | None = None,
    strict_order: bool = False,
    mapping: list[Rule] | None = None,
    budget: int = DEFAULT_BUDGET,
) -> Report:
    """Match every flow over the journal entries between ``since`` and ``until`` (ids or ISO
    times, inclusive) and check the mapping rules on them."""
    from mockscim.export import select_entries

    window = select_entries(entries, since=since, until=until) if since or until else list(entries)
    index = JournalIndex(window)  # one index for every flow
    results = [
        match_flow(scenario, window, strict_order=strict_order, name=name, index=index, budget=budget)
        for name, scenario in flows
    ]
    checked = check_mappings(mapping, window) if mapping is not None else None
    return Report(results, checked, len(window))
