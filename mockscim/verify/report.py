"""Verify reports: text for people, dicts for the admin API, JUnit XML for CI."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from mockscim.verify.mapping import MappingFailure
from mockscim.verify.matcher import FlowResult
from mockscim.verify.matcher import StepResult


def _entry_line(entry: dict[str, Any]) -> str:
    """``journal #7 PUT /scim/v2/Users/abc (deactivate-user) at 2026-...``."""
    request = entry["request"]
    return f"journal #{entry['id']} {request['method']} {request['path']} ({entry.get('operation')}) at {entry.get('at')}"


def step_lines(step: StepResult) -> list[str]:
    """The lines describing one expected step."""
    if step.matched:
        return [f"  ok   {step.expected.name}: {_entry_line(step.entry)}"]  # type: ignore[arg-type]
    lines = [
        f"  MISS {step.expected.name} (line {step.expected.line})",
        f"       expected: {step.expected.shown}",
    ]
    if step.closest is not None:
        lines.append(f"       closest:  {_entry_line(step.closest)}")
    lines += [f"         - {d}" for d in step.differences]
    return lines


def flow_report(result: FlowResult) -> str:
    """PASS/FAIL line for a flow, then its steps."""
    if not result.verifiable:
        return f"FAIL {result.name}  (not verifiable: every step is okta: false, so Okta sends none of it; {result.source})"
    missing = sum(not s.matched for s in result.steps)
    status = "PASS" if result.passed else "FAIL"
    detail = (
        f"{len(result.steps)} steps" if result.passed else f"{missing} of {len(result.steps)} steps missing"
    )
    lines = [f"{status} {result.name}  ({detail}; {result.source})"]
    for step in result.steps:
        lines += step_lines(step)
    if not result.searched_all:
        lines.append(
            "  the search stopped at its budget of comparisons before trying every start; "
            "narrow the journal with --since/--until (docs/performance.md)"
        )
    return "\n".join(lines)


def mapping_report(checked: int, failures: list[MappingFailure]) -> str:
    """The attribute-mapping summary and its failures."""
    status = "PASS" if not failures else "FAIL"
    lines = [f"{status} attribute mappings ({checked} request(s) checked, {len(failures)} failure(s))"]
    lines += [f"  journal #{f.entry_id} {f.operation}: {f.message}" for f in failures]
    return "\n".join(lines)


def flow_dict(result: FlowResult) -> dict[str, Any]:
    """JSON-safe form of a flow result."""
    return {
        "flow": result.name,
        "source": result.source,
        "passed": result.passed,
        "searched_all": result.searched_all,
        "steps": [
            {
                "name": s.expected.name,
                "line": s.expected.line,
                "matched": s.entry["id"] if s.entry else None,
                "at": s.entry.get("at") if s.entry else None,
                "closest": s.closest["id"] if s.closest else None,
                "differences": s.differences,
            }
            for s in result.steps
        ],
    }


def junit(results: list[FlowResult], mapping: tuple[int, list[MappingFailure]] | None) -> bytes:
    """One JUnit testcase per flow (and one for the mappings), failures with the report text."""
    suite = ET.Element("testsuite", name="mockscim-verify", tests=str(len(results) + (1 if mapping else 0)))
    failed = 0
    for result in results:
        case = ET.SubElement(suite, "testcase", classname=result.source, name=result.name)
        if not result.passed:
            failed += 1
            missing = result.first_missing
            message = f"missing step: {missing.expected.name}" if missing else "failed"
            ET.SubElement(case, "failure", message=message).text = flow_report(result)
    if mapping is not None:
        case = ET.SubElement(suite, "testcase", classname="mapping", name="attribute mappings")
        if mapping[1]:
            failed += 1
            ET.SubElement(
                case, "failure", message=f"{len(mapping[1])} mapping failure(s)"
            ).text = mapping_report(*mapping)
    suite.set("failures", str(failed))
    root = ET.Element("testsuites")
    root.append(suite)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
