#!/usr/bin/env python3
"""Refresh the screenshots in docs/images/ (needs Chromium: scripts/install-browser.sh).

The browser tests take the screenshots (so they are produced by tested code); this script runs
just those tests with $MOCKSCIM_SCREENSHOTS pointing at docs/images/:

    .venv/bin/python scripts/screenshots.py

It writes dashboard-feed.png (the feed with a flagged request open) and dashboard-flows.png
(the flow view after an Okta AIW session: lookup, create, GET+PUT profile update, GET+PUT
deactivate, push group create/GET/PUT, grouped heuristically on the left; the library's okta/**
flows found by the verify matcher on the right), and the HTML run report (docs/reports.md):
report-passing.png (the whole library against the embedded mock), report-failing.png (the
verdict of a run against a server that refuses a group PUT of its own name) and
report-failing-step.png (that failing step, open).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = (
    "tests/dashboard/test_browser.py::test_filters_narrow_the_feed_and_the_flagged_request_is_shown",
    "tests/dashboard/test_browser.py::test_flow_view_groups_an_okta_aiw_session",
    "tests/report/test_browser.py::test_a_passing_report_renders",
    "tests/report/test_browser.py::test_a_failing_report_opens_the_failing_step_and_its_difference",
)
IMAGES = (
    "dashboard-feed.png",
    "dashboard-flows.png",
    "report-passing.png",
    "report-failing.png",
    "report-failing-step.png",
)


def main() -> int:
    """Run the screenshot tests into docs/images/; fail if a screenshot is missing."""
    target = ROOT / "docs" / "images"
    env = {**os.environ, "MOCKSCIM_SCREENSHOTS": str(target)}
    # -rs prints the reason if the tests are skipped (no Chromium), so that cannot pass unnoticed.
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", *TESTS], cwd=ROOT, env=env)
    missing = [name for name in IMAGES if not (target / name).is_file()]
    if result.returncode or missing:
        print(f"screenshots: failed (pytest exit {result.returncode}, missing {missing})", file=sys.stderr)
        return result.returncode or 1
    print(f"screenshots: wrote {', '.join(IMAGES)} in {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
