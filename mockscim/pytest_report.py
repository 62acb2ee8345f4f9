"""``--mockscim-html-report FILE`` for the pytest plugin: the same HTML report as ``mockscim run``,
for the scenarios pytest collected.

Each scenario's report view (plain data, secrets already redacted) rides on its test report, so
the controller of ``pytest -n`` receives the views of every xdist worker and writes one file.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from mockscim.runner import ScenarioResult
from mockscim.runner import Target
from mockscim.runner.html_report import render
from mockscim.runner.html_report import scenario_view
from mockscim.runner.html_report import write_html
from mockscim.runner.redaction import Redactor
from mockscim.runner.verdict import Readiness

VIEW = "mockscim_view"  # the attribute carrying a scenario's view on items and test reports


class HtmlReport:
    """Collects scenario views during the session and writes the HTML report at its end."""

    def __init__(self, path: Path, readiness: Readiness, target: dict[str, str]):
        self.path = path
        self.readiness = readiness
        self.target = target
        self.views: list[dict[str, Any]] = []
        self.started = time.perf_counter()

    def keep(self, item: pytest.Item, result: ScenarioResult, target: Target) -> None:
        """Attach the scenario's view to its test item (called by ``ScenarioItem.runtest``)."""
        redactor = Redactor(target.credentials)
        redactor.learn_result(result)  # each item's report shows its own scenario only
        setattr(item, VIEW, scenario_view(result, redactor))

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, Any, Any]:
        """Copy the view onto the call-phase report (xdist sends report attributes to the controller)."""
        report = yield
        view = getattr(item, VIEW, None)
        if view is not None and call.when == "call":
            setattr(report, VIEW, view)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Keep each view once, on whichever process logs the report."""
        view = getattr(report, VIEW, None)
        if view is not None and report.when == "call":
            self.views.append(view)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """Write the report (on the controller only, under xdist)."""
        if hasattr(session.config, "workerinput"):
            return
        duration_ms = (time.perf_counter() - self.started) * 1000
        verdict = self.readiness.judge(self.views)
        page = render(self.views, self.target, duration_ms, verdict, title="mockscim pytest report")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_html(self.path, page)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        """Say where the report is."""
        if not hasattr(terminalreporter.config, "workerinput"):
            terminalreporter.write_line(
                f"mockscim: HTML report of {len(self.views)} scenario(s) in {self.path}"
            )
