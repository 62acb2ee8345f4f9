"""The library read the other way: Okta's own requests alone must be a flow ``mockscim verify``
finds, and the harness's checks and setup must be marked ``okta: false``.

A real tenant's journal holds only what Okta sent. So each flow's Okta steps are played on their
own against a fresh server, and verify must find the flow in exactly that traffic. The steps
before the first Okta step set the stage (an account created outside Okta, the users an import
reads): they are played first and their requests are cut from the journal, as if someone else
had made them before Okta's flow began.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

import pytest
from library_flows import OKTA_FLOWS
from library_flows import UNVERIFIABLE
from library_flows import load
from library_flows import okta_only
from library_flows import okta_requests
from library_flows import requests_of
from library_flows import target

from mockscim.runner import run_scenario
from mockscim.runner import scenario_report
from mockscim.verify import expected_steps
from mockscim.verify import match_flow
from mockscim.verify.report import flow_report

# Flows whose every step is a request Okta sends: no check to mark.
WITHOUT_CHECKS = {"okta/common/update-profile"}
# A tag for flows that are a test tool's traffic, not the provisioning engine's (docs/okta-reference.md §12).
TEST_TOOL = "spec-test"
WRITES = ("POST", "PUT", "PATCH", "DELETE")
# GET of one resource: /Users/{id} or /Groups/{id}.
ONE_RESOURCE = re.compile(r"^/(Users|Groups)/[^/?]+$")


def journal(app: Any) -> list[dict[str, Any]]:
    """The default tenant's journal, oldest first."""
    return app.extensions["mockscim"].journal.entries()


def test_the_unverifiable_flows_send_no_okta_request():
    assert {flow for flow in OKTA_FLOWS if not okta_requests(load(flow))} == UNVERIFIABLE


@pytest.mark.parametrize("flow", [flow for flow in OKTA_FLOWS if flow not in UNVERIFIABLE])
def test_okta_only_traffic_verifies(flow, server, settings, app):
    scenario = load(flow)
    playback, stage = okta_only(scenario)
    played = run_scenario(playback, target(server, settings))
    assert played.passed, scenario_report(played)
    entries = journal(app)
    okta_sent = sum(map(requests_of, okta_requests(scenario)))
    assert len(entries) == stage + okta_sent, "every request is journaled once"
    traffic = entries[stage:]
    result = match_flow(scenario, traffic)
    assert result.passed, flow_report(result)
    # Okta's traffic is exactly the flow: each request in turn is the next expected step.
    assert len(expected_steps(scenario)) == len(traffic)
    assert match_flow(scenario, traffic, strict_order=True).passed


@pytest.mark.parametrize("flow", OKTA_FLOWS)
def test_flows_with_checks_mark_them(flow):
    scenario = load(flow)
    checks = [step.name for step in scenario.steps if not step.okta]
    if flow in WITHOUT_CHECKS:
        assert not checks, f"{flow} is listed as having no checks"
    else:
        assert checks, f"{flow} marks no step okta: false"


def _provisioning_flows(*, writing: bool = False) -> list[str]:
    """Flows of Okta's provisioning engine (not a test tool's) with an Okta request (or write)."""
    flows = [flow for flow in OKTA_FLOWS if flow not in UNVERIFIABLE and TEST_TOOL not in load(flow).tags]
    if writing:
        flows = [f for f in flows if any(s.request.method in WRITES for s in okta_requests(load(f)))]
    return flows


def calls(flow: str) -> list[tuple[str, str, dict[str, str]]]:
    """Okta's requests in a flow as (method, path, query), loops unrolled and vars inlined."""
    out = []
    for expected in expected_steps(load(flow)):
        path, _, literal = expected.path.partition("?")
        query = {key: str(value) for key, value in expected.query.items() if value is not None}
        query.update(parse_qsl(literal))
        out.append((expected.method, path, query))
    return out


# The rules below are what docs/okta-reference.md says Okta's provisioning engine does; a step that
# breaks one is the harness's own and must be marked okta: false.


@pytest.mark.parametrize("flow", _provisioning_flows(writing=True))
def test_reads_after_the_last_okta_write_are_checks(flow):
    # Okta reads only to decide or prepare a write (§5, §6, §9.4); once its last write is sent,
    # a read is the harness checking the result.
    steps = load(flow).steps
    last = max(i for i, s in enumerate(steps) if s.okta and s.request and s.request.method in WRITES)
    late = [step.name for step in steps[last + 1 :] if step.request and step.okta]
    assert not late, f"{flow}: Okta steps after its last write: {late}"


@pytest.mark.parametrize("flow", _provisioning_flows())
def test_okta_reads_one_resource_only_right_before_putting_it(flow):
    # GET /Users/{id} and GET /Groups/{id} come right before a PUT of the same resource (§6,
    # §7.2, §9.4, §10.1; "Push now" reads twice, §9.4). No source shows a read before a PATCH.
    sent = calls(flow)
    index = 0
    while index < len(sent):
        path = sent[index][1]
        reads = 0
        while index + reads < len(sent) and sent[index + reads][:2] == ("GET", path):
            reads += 1
        if reads and ONE_RESOURCE.match(path):
            following = sent[index + reads][:2] if index + reads < len(sent) else None
            assert reads <= 2, f"{flow}: Okta reads {path} {reads} times in a row"
            assert following == ("PUT", path), f"{flow}: Okta reads {path}, then sends {following}"
        index += max(reads, 1)


@pytest.mark.parametrize("flow", _provisioning_flows())
def test_okta_list_calls_carry_its_paging(flow):
    # Every list call carries startIndex (1, 101, ...) and count (2 for the connector test,
    # 100 otherwise), §2.4, §3, §4, §5.1, §9.2.
    for method, path, query in calls(flow):
        if method == "GET" and path in ("/Users", "/Groups"):
            start, count = query.get("startIndex", "0"), query.get("count")
            assert int(start) % 100 == 1 and count in ("2", "100"), f"{flow}: {path} {query}"


@pytest.mark.parametrize("flow", _provisioning_flows(writing=True))
def test_okta_creates_each_user_once(flow):
    # Okta looks a user up before it creates one and links on a match (§5): it never creates
    # the same userName twice, whatever its case (§5.1).
    names = [
        str(expected.body.get("userName")).casefold()
        for expected in expected_steps(load(flow))
        if (expected.method, expected.path) == ("POST", "/Users") and isinstance(expected.body, dict)
    ]
    assert len(names) == len(set(names)), f"{flow}: {names}"


@pytest.mark.parametrize("flow", _provisioning_flows(writing=True))
def test_okta_creates_users_active(flow):
    # Okta's create carries active: true (§5.2, §10.5); an inactive account was made elsewhere.
    for expected in expected_steps(load(flow)):
        if (expected.method, expected.path) == ("POST", "/Users"):
            assert expected.body.get("active") is True, f"{flow}: {expected.name}"


@pytest.mark.parametrize("flow", _provisioning_flows())
def test_okta_repeats_a_list_call_only_after_a_write(flow):
    # A lookup or import page is sent once per decision (§4, §5.1, §9.2); only the connector
    # probe count=2 is sent again by Save (§3). The same call again with no write in between
    # is the harness checking the answer.
    seen: set[tuple[str, str]] = set()
    for method, path, query in calls(flow):
        if method in WRITES:
            seen.clear()
        elif path in ("/Users", "/Groups") and query.get("count") != "2":
            call = (path, repr(sorted(query.items())))
            assert call not in seen, f"{flow}: {path} {query} twice with no write in between"
            seen.add(call)


@pytest.mark.parametrize("flow", _provisioning_flows())
def test_okta_always_sends_its_credentials(flow):
    # Okta sends the credentials it was given (§2.3); no credentials and Runscope's
    # "Authorization: non-token" (§12) are the harness's.
    for step in okta_requests(load(flow)):
        authorization = {k.lower(): v for k, v in step.request.headers.items()}.get("authorization")
        assert step.request.auth != "none" and authorization != "non-token", f"{flow}: {step.name}"
