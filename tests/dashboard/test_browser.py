"""The dashboard in real headless Chromium: live rows, details, filters, flows, actions, secrets.

One browser for the session (conftest ``browser``); each test opens its own server's page.
Skipped, with the reason, where Chromium or ChromeDriver is not installed.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import requests
import yaml

TOKEN, PASSWORD = "s3cr3t-token-for-tests", "pw-Never-Shown-42"
WAIT = 10
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
SPACE, ENTER = "\ue00d", "\ue007"  # Selenium's Keys (imported lazily elsewhere; the skip needs no selenium)


def Select(element: Any) -> Any:  # noqa: N802 - Selenium's class, imported lazily (the skip needs no selenium)
    """Selenium's <select> helper."""
    from selenium.webdriver.support.select import Select as SeleniumSelect

    return SeleniumSelect(element)


def wait(driver: Any, condition: Any, message: str = "") -> Any:
    """Wait until ``condition(driver)`` is truthy; an element the page re-rendered meanwhile is read again."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,)).until(
        condition, message
    )


def settle(driver: Any, count: int) -> None:
    """Wait until the page has all ``count`` requests and no refresh of flows or state is pending."""
    wait(
        driver,
        lambda d: (
            d.execute_script("return document.body.dataset.busy === undefined")
            and text_of(d, "count") == str(count)
        ),
        f"{count} requests and a settled page",
    )


def rows(driver: Any) -> list[Any]:
    """The feed's visible rows, newest first."""
    return driver.find_elements("css selector", "#feed > li.row")


def text_of(driver: Any, element_id: str) -> str:
    """The visible text of an element."""
    return driver.find_element("id", element_id).text


def test_rows_arrive_live_and_open_a_detail(page, okta_aiw):
    okta_aiw.assign("alice.liddell@example.com")
    wait(page, lambda d: len(rows(d)) == 2, "two rows without a reload")
    assert "Okta: create user (POST)" in rows(page)[0].text and "201" in rows(page)[0].text
    assert "Okta: look up user (GET)" in rows(page)[1].text
    rows(page)[0].click()
    detail = wait(
        page, lambda d: d.find_element("id", "detail").is_displayed() and d.find_element("id", "detail")
    )
    assert "Okta: create user (POST)" in detail.text and "§5.2" in detail.text
    assert "Basic ***" in detail.text and '"password": "***"' in detail.text
    link = detail.find_element("link text", "Okta's SCIM 2.0 doc ↗")
    assert link.get_attribute("href").endswith("/okta-scim/guides/scim-20#create-the-user")
    assert TOKEN not in page.page_source and PASSWORD not in page.page_source


def test_filters_narrow_the_feed_and_the_flagged_request_is_shown(page, okta_aiw, screenshot_dir):
    people = okta_aiw.session()
    okta_aiw.flagged(people["alice"]["id"])
    wait(page, lambda d: len(rows(d)) == 14)
    flagged = rows(page)[0]
    assert "error · 1 finding" in flagged.text and "400" in flagged.text
    assert "sev-error" in flagged.get_attribute("class")
    flagged.click()
    detail = wait(
        page, lambda d: d.find_element("id", "detail").is_displayed() and d.find_element("id", "detail")
    )
    assert (
        "/body/Operations/0/value/active" in detail.text and "'false' is not of type 'boolean'" in detail.text
    )
    page.save_screenshot(str(screenshot_dir / "dashboard-feed.png"))
    page.find_element("id", "filter-findings").click()
    wait(page, lambda d: len(rows(d)) == 1, "only the flagged PATCH: Okta's own requests are clean")
    page.find_element("id", "filter-findings").click()
    page.find_element("id", "filter-text").send_keys("look up")
    wait(page, lambda d: len(rows(d)) == 3, "the three lookups")
    Select(page.find_element("id", "filter-operation")).select_by_value("create-user")
    wait(page, lambda d: len(rows(d)) == 0)
    page.find_element("id", "filter-text").clear()
    Select(page.find_element("id", "filter-status")).select_by_value("2")
    wait(page, lambda d: len(rows(d)) == 2, "the two creates, both 2xx")


def test_flow_view_groups_an_okta_aiw_session(page, okta_aiw, screenshot_dir):
    okta_aiw.session()
    page.find_element("id", "tab-flows").click()
    settle(page, 13)
    flows = page.find_elements("css selector", "#flows > li")
    assert len(flows) == 7
    # The session view groups; it gives no verdict (a lone lookup is not "unfinished" here).
    assert "assign carol.danvers@example.com" in flows[0].text and "lookup (0 hits)" in flows[0].text
    assert not flows[0].find_elements("css selector", ".badge")
    texts = [flow.text for flow in flows]
    assert any("push group Engineering" in text and "create (201)" in text for text in texts)
    assert any(
        "deactivate bob.builder@example.com" in text and "PUT active=false (200)" in text for text in texts
    )
    library = page.find_element(
        "css selector", '#library-complete li[data-flow="okta/common/assign-new-user"]'
    )
    # The latest complete match is shown: bob (#4 lookup, #5 create) was assigned after alice (#2, #3).
    assert "Okta assigns a new user" in library.text and "#5 POST 201" in library.text
    page.save_screenshot(str(screenshot_dir / "dashboard-flows.png"))
    okta_aiw.lookup("dave@example.com")
    wait(
        page,
        lambda d: "assign dave@example.com" in d.find_element("css selector", "#flows > li").text,
        "flows follow live",
    )


def test_state_rows_open_the_resource_and_its_requests(page, okta_aiw):
    okta_aiw.session()
    page.find_element("id", "tab-state").click()
    settle(page, 13)
    row = next(r for r in page.find_elements("css selector", "#users tbody tr") if "alice" in r.text)
    assert "Engineering" in row.text and "00u" in row.text
    row.click()
    detail = wait(
        page, lambda d: d.find_element("id", "detail").is_displayed() and d.find_element("id", "detail")
    )
    assert "User alice.liddell@example.com" in detail.text
    assert "requests that touched it (3)" in detail.text.lower()


def test_reset_and_clear_actions(page, okta_aiw):
    okta_aiw.session()
    page.find_element("id", "tab-state").click()
    settle(page, 13)
    assert len(page.find_elements("css selector", "#users tbody tr")) == 2
    page.find_element("id", "action-reset").click()
    wait(page, lambda d: d.switch_to.alert).accept()
    wait(page, lambda d: not d.find_elements("css selector", "#users tbody tr"), "users gone after reset")
    page.find_element("id", "tab-feed").click()
    assert len(rows(page)) > 0
    page.find_element("id", "action-clear").click()
    wait(page, lambda d: d.switch_to.alert).accept()
    wait(page, lambda d: not rows(d), "feed empty after clear")
    okta_aiw.lookup("erin@example.com")
    wait(page, lambda d: len(rows(d)) == 1, "new requests still arrive after a clear")


def test_token_is_revealed_only_after_a_click(page, dashboard_url):
    html = requests.get(dashboard_url, auth=("okta", TOKEN), timeout=5).text
    assert TOKEN not in html and TOKEN not in page.page_source
    page.find_element("id", "reveal").click()
    wait(page, lambda d: text_of(d, "secret") == TOKEN)
    page.find_element("id", "reveal").click()
    wait(page, lambda d: text_of(d, "secret") == "••••••••")


def test_script_in_a_request_is_shown_as_text(page, scim):
    payload = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    scim.post("/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": payload})
    scim.get("/Users/%3Cscript%3Ewindow.pwned%3D3%3C%2Fscript%3E")
    wait(page, lambda d: len(rows(d)) == 2)
    assert "<script>window.pwned=3</script>" in rows(page)[0].text
    rows(page)[1].click()
    detail = wait(
        page, lambda d: d.find_element("id", "detail").is_displayed() and d.find_element("id", "detail")
    )
    assert payload.replace('"', '\\"') in detail.text
    assert page.execute_script(
        "return window.pwned === undefined && document.querySelectorAll('#main img').length === 0"
    )


def test_narrow_window_has_no_sideways_scroll(page, okta_aiw):
    okta_aiw.session()
    page.set_window_size(420, 900)
    wait(page, lambda d: len(rows(d)) > 5)
    assert page.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    rows(page)[0].click()
    wait(page, lambda d: d.find_element("id", "detail").is_displayed())
    page.find_element("id", "detail-close").click()
    assert not page.find_element("id", "detail").is_displayed()


@pytest.fixture
def bearer_server(launch):
    """A server whose SCIM clients (and so the dashboard) use a Bearer token."""
    from mockscim.config import AuthConfig

    return launch(auth=AuthConfig.parse("bearer:bearer-token-xyz"))


def test_login_form_in_bearer_mode(browser, bearer_server):
    browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})
    browser.get(bearer_server.url + "/__admin/")
    field = wait(browser, lambda d: d.find_element("id", "token"))
    field.send_keys("bearer-token-xyz")
    field.submit()
    wait(browser, lambda d: d.find_element("id", "live").get_attribute("data-state") == "live")
    requests.get(
        bearer_server.url + "/scim/v2/Users?startIndex=1&count=2",
        headers={"Authorization": "Bearer bearer-token-xyz"},
        timeout=5,
    )
    wait(browser, lambda d: len(rows(d)) == 1, "the cookie session gets live events")
    assert "bearer-token-xyz" not in browser.page_source
    browser.get("about:blank")


# -- tools: export, faults, library flows ------------------------------------------------------------


def tick(row: Any) -> Any:
    """A feed row's selection checkbox."""
    return row.find_element("css selector", ".c-sel input")


def test_two_selected_requests_export_as_a_scenario(page, okta_aiw, downloads):
    okta_aiw.session()
    wait(page, lambda d: len(rows(d)) == 13)
    first, third = rows(page)[0], rows(page)[2]
    tick(first).click()
    tick(third).send_keys(SPACE)  # keyboard: Tab to the checkbox, Space ticks it
    assert not page.find_element("id", "detail").is_displayed(), "ticking a row does not open it"
    assert text_of(page, "selection-count") == "2 selected"
    page.find_element("id", "action-export").click()
    saved = wait(page, lambda d: next(downloads.glob("*.scenario.yaml"), None), "the downloaded scenario")
    assert saved.name == "recorded-okta-session.scenario.yaml"
    scenario = yaml.safe_load(saved.read_text(encoding="utf-8"))
    exported = [int(re.search(r"\[journal #(\d+)\]$", step["name"]).group(1)) for step in scenario["steps"]]
    assert exported == sorted(int(row.get_attribute("data-id")) for row in (first, third))
    assert PASSWORD not in saved.read_text(encoding="utf-8")
    first.find_element("css selector", ".c-req").send_keys(ENTER)  # the request line is the row's button
    wait(page, lambda d: d.find_element("id", "detail").is_displayed(), "Enter opens the request")


def test_select_all_shown_follows_the_filters(page, okta_aiw):
    okta_aiw.session()
    wait(page, lambda d: len(rows(d)) == 13)
    assert text_of(page, "selection-count") == "nothing selected: export takes all 13 shown"
    search = page.find_element("id", "filter-text")
    search.send_keys("look up")
    wait(page, lambda d: len(rows(d)) == 3)
    page.find_element("id", "select-shown").send_keys(SPACE)
    wait(page, lambda d: all(tick(row).is_selected() for row in rows(d)), "the three lookups ticked")
    assert text_of(page, "selection-count") == "3 selected"
    Select(page.find_element("id", "filter-status")).select_by_value("2")
    search.send_keys("\ue009a", "\ue017")  # Ctrl+A, Delete: every 2xx request is shown again
    wait(page, lambda d: len(rows(d)) == 13)
    assert page.execute_script("return document.getElementById('select-shown').indeterminate")
    search.send_keys("create user")
    wait(page, lambda d: len(rows(d)) == 2)
    assert text_of(page, "selection-count") == "3 selected (3 hidden by the filters)"


def open_faults(driver: Any) -> None:
    """Open the faults panel."""
    driver.find_element("id", "action-faults").click()
    wait(driver, lambda d: d.find_element("id", "faults-panel").is_displayed())


def test_fault_from_a_preset_is_listed_applied_and_deleted(page, scim):
    open_faults(page)
    Select(page.find_element("id", "fault-preset")).select_by_visible_text("next POST /Users fails with 503")
    editor = page.find_element("id", "fault-spec")
    spec = json.loads(editor.get_attribute("value"))
    assert spec["action"]["status"] == 503
    editor.clear()
    editor.send_keys(json.dumps({**spec, "times": 2}))  # edited: twice instead of once
    page.find_element("id", "fault-add").click()
    # The table is re-rendered as the feed goes on: read the row inside the wait, never keep it.
    row = wait(page, lambda d: d.find_element("css selector", "#faults tbody tr").text, "the fault listed")
    assert "POST /Users" in row and '"maintenance"' in row and "2 · 2 left" in row
    assert text_of(page, "action-faults") == "Faults (1)"
    user = {"schemas": [USER_URN], "userName": "erin@example.com"}
    assert scim.post("/Users", user).status_code == 503
    wait(
        page, lambda d: "2 · 1 left" in d.find_element("css selector", "#faults tbody tr").text, "hits follow"
    )
    wait(page, lambda d: d.find_element("css selector", "#faults tbody tr button").click() or True, "delete")
    wait(page, lambda d: not d.find_elements("css selector", "#faults tbody tr"), "the fault deleted")
    assert page.find_element("id", "faults-empty").is_displayed()
    assert scim.post("/Users", user).status_code == 201


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"action": {"status": 200}}', "status must be an HTTP error status from 400 to 599, not 200"),
        ('{"match": {"method": "GET"}', "the request body is not valid JSON"),
    ],
)
def test_a_bad_fault_shows_the_servers_message(page, text, message):
    open_faults(page)
    page.find_element("id", "fault-spec").send_keys(text)
    page.find_element("id", "fault-add").click()
    wait(page, lambda d: message in text_of(d, "fault-error"), "the server's message under the editor")
    assert not page.find_elements("css selector", "#faults tbody tr")


def test_library_flows_show_a_played_flow_complete(page, play):
    play("okta/aiw/push-group")
    page.find_element("id", "tab-flows").click()
    settle(page, 5)
    flow = page.find_element("css selector", '#library-complete li[data-flow="okta/aiw/push-group"]')
    assert "Okta AIW pushes a new group" in flow.text and "complete" in flow.text
    steps = flow.find_elements("css selector", ".steps button")
    assert [step.get_attribute("data-entry") for step in steps] == ["1", "2", "3", "4"]
    assert "mockscim verify okta --journal mockscim-journal.jsonl" in text_of(page, "library-command")
    steps[1].click()
    wait(page, lambda d: "Okta: push group: create (POST)" in text_of(d, "detail"), "the step's request")
    shown = len(page.find_elements("css selector", "#library li[data-flow]"))
    assert "with no matched step hidden" in text_of(page, "library-hidden")
    page.find_element("id", "library-all").click()
    wait(page, lambda d: len(d.find_elements("css selector", "#library li[data-flow]")) > shown, "show all")


@pytest.mark.parametrize("view", ["feed", "flows"])
def test_tools_fit_a_narrow_window(page, okta_aiw, view):
    okta_aiw.session()
    page.set_window_size(420, 900)
    open_faults(page)
    page.find_element("id", f"tab-{view}").click()
    settle(page, 13)
    assert page.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
