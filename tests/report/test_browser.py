"""The HTML report in Debian's headless Chromium, opened from disk (file://) like a CI artifact:
it renders, its counts equal the JSON report's, failures are open with their differences, the
verdict links to the failing step, its script works under its CSP, and markup stays text.

Skipped, with the reason, where Chromium or ChromeDriver is not installed (conftest ``chromium``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

WAIT = 10
DATA = Path(__file__).resolve().parent / "data"
STATUSES = ("passed", "failed", "skipped", "total")


def wait(driver: Any, condition: Any, message: str = "") -> Any:
    """Wait until ``condition(driver)`` is truthy."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(condition, message)


@pytest.fixture
def browser(chromium: Any) -> Any:
    """The shared Chromium, reset to the default window size, left on a blank page."""
    chromium.set_window_size(1400, 1000)
    yield chromium
    chromium.get("about:blank")


def open_report(driver: Any, path: Any) -> None:
    """Open a report from disk and wait until its script has run."""
    driver.get(path.as_uri())
    wait(driver, lambda d: d.execute_script("return document.readyState") == "complete")


def in_view(driver: Any, element: Any) -> bool:
    """True when the element's top is inside the window."""
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return r.top > -2 && r.top < window.innerHeight;",
        element,
    )


@pytest.mark.parametrize("which", ["passing_run", "failing_run"])
def test_the_page_counts_equal_the_json_report(request, browser, which):
    run = request.getfixturevalue(which)
    open_report(browser, run.html_path)
    summary = run.report["summary"]
    shown = {status: int(browser.find_element("id", f"total-{status}").text) for status in STATUSES}
    assert shown == {status: summary[status] for status in STATUSES}
    rows = browser.find_elements("css selector", "table.summary tbody tr")
    assert (
        sum(int(r.find_element("css selector", "[data-count=total]").text) for r in rows) == summary["total"]
    )
    assert len(browser.find_elements("css selector", "details.scenario")) == summary["total"]
    # Nothing was fetched: no stylesheet, script, font or image beyond the page itself.
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0


def test_a_passing_report_renders(browser, passing_run, screenshot_dir):
    open_report(browser, passing_run.html_path)
    assert browser.find_element("id", "outcome").text == f"{passing_run.report['summary']['passed']} passed"
    ready = browser.find_elements("css selector", "#readiness tr.cap[data-status=ready]")
    assert len(ready) == 25 and not browser.find_elements(
        "css selector", "#readiness tr.cap[data-status=not-ready]"
    )
    assert all(not d.get_attribute("open") for d in browser.find_elements("css selector", "details.scenario"))
    browser.save_screenshot(str(screenshot_dir / "report-passing.png"))


def test_a_failing_report_opens_the_failing_step_and_its_difference(browser, failing_run, screenshot_dir):
    browser.set_window_size(1400, 1400)
    open_report(browser, failing_run.html_path)
    first = browser.find_element("css selector", "details.scenario")
    assert first.get_attribute("data-status") == "failed" and first.get_attribute("open") is not None
    row = browser.find_element(
        "css selector", "#readiness article[data-dialect=aiw] tr[data-capability=push-groups]"
    )
    assert "not ready" in row.text and "Okta shows" in row.text and row.is_displayed()
    browser.save_screenshot(str(screenshot_dir / "report-failing.png"))
    row.find_element("css selector", "a").click()
    step_id = row.find_element("css selector", "a").get_attribute("href").split("#", 1)[1]
    step = wait(browser, lambda d: d.find_element("id", step_id))
    wait(browser, lambda d: in_view(d, step), "the link scrolls to the failing step")
    differences = step.find_element("css selector", ".differences")
    assert differences.is_displayed() and "expected 200, got 409 Conflict" in differences.text
    status = step.find_element("css selector", ".response p.status.mark")
    assert status.is_displayed() and status.text.startswith("409 Conflict")
    browser.save_screenshot(str(screenshot_dir / "report-failing-step.png"))


def test_the_page_script_runs_under_its_content_security_policy(browser, failing_run):
    open_report(browser, failing_run.html_path)
    scenarios = browser.find_elements("css selector", "details.scenario")
    browser.find_element("id", "expand-all").click()
    assert all(d.get_attribute("open") is not None for d in scenarios)
    browser.find_element("id", "collapse-all").click()
    assert all(d.get_attribute("open") is None for d in scenarios)
    browser.find_element("id", "only-failures").click()
    visible = [d.get_attribute("data-status") for d in scenarios if d.is_displayed()]
    assert visible and set(visible) == {"failed"}


def test_markup_sent_by_a_scenario_and_echoed_by_the_server_stays_text(browser, run):
    result = run(str(DATA / "markup-username.yaml"))
    hook = browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {"source": "window.__alerts = []; window.alert = (m) => window.__alerts.push(String(m));"},
    )
    try:
        open_report(browser, result.html_path)
        step = browser.find_element("css selector", "details.step[data-status=failed]")
        assert (
            '"userName": "<img src=x onerror=alert(1)>"'
            in step.find_element("css selector", ".response").text
        )
        assert "<b>not what the server echoes</b>" in step.find_element("css selector", ".differences").text
        # No element came from the payload: no image, no second script, no <b> in a body or difference.
        created = "img, script:not([nonce]), pre b, .differences b, .description script, summary img"
        assert browser.execute_script(f"return document.querySelectorAll('{created}').length") == 0
        assert browser.execute_script("return window.__alerts.length === 0 && window.pwned === undefined")
    finally:
        browser.execute_cdp_cmd(
            "Page.removeScriptToEvaluateOnNewDocument", {"identifier": hook["identifier"]}
        )
