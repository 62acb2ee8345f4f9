"""The dashboard's flow view: the session grouping (from the operation table's flow roles; pure,
table-driven) and the library flows, whose verdicts over HTTP equal ``mockscim verify``'s."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest

from mockscim.inspect.flows import describe
from mockscim.inspect.flows import group_flows
from mockscim.verify.flows import library_ids

ALICE, BOB = "alice@example.com", "bob@example.com"


def entry(
    eid: int, operation: str, method: str, path: str, status: int = 200, **parts: Any
) -> dict[str, Any]:
    """A journal entry shaped like mockscim.server.journaling builds them."""
    return {
        "id": eid,
        "at": "2026-01-01T00:00:00.000Z",
        "duration_ms": 1.0,
        "request": {
            "method": method,
            "path": "/scim/v2" + path,
            "scim_path": path,
            "query": parts.get("query", {}),
            "headers": {},
            "body": parts.get("body"),
        },
        "response": {"status": status, "headers": {}, "body": parts.get("response")},
        "operation": operation,
        "dialect": parts.get("dialect"),
        "findings": [],
        "resource": parts.get("resource"),
    }


def user(uid: str, name: str, active: bool = True) -> dict[str, Any]:
    """A stored user as the server returns it."""
    return {"id": uid, "userName": name, "active": active}


def lookup(eid: int, name: str, *found: dict[str, Any], status: int = 200) -> dict[str, Any]:
    """§5.1: GET /Users?filter=userName eq "name"."""
    query = {"filter": f'userName eq "{name}"', "startIndex": "1", "count": "100"}
    body = {"totalResults": len(found), "Resources": list(found)} if status == 200 else {"detail": "nope"}
    return entry(eid, "user-lookup", "GET", "/Users", status, query=query, response=body)


def create(eid: int, name: str, uid: str, status: int = 201) -> dict[str, Any]:
    """§5.2: POST /Users."""
    response = user(uid, name) if status == 201 else {"detail": "userName is already taken"}
    resource = {"type": "User", "id": uid} if status == 201 else None
    return entry(
        eid,
        "create-user",
        "POST",
        "/Users",
        status,
        body={"userName": name},
        response=response,
        resource=resource,
    )


def get_user(eid: int, uid: str, name: str, status: int = 200, active: bool = True) -> dict[str, Any]:
    """§10.1: GET /Users/{id}."""
    response = user(uid, name, active) if status == 200 else {"detail": "no such user"}
    return entry(
        eid,
        "get-user",
        "GET",
        f"/Users/{uid}",
        status,
        response=response,
        resource={"type": "User", "id": uid},
    )


def put_user(
    eid: int, uid: str, name: str, operation: str = "replace-user", status: int = 200
) -> dict[str, Any]:
    """§6, §7.2, §7.3: the AIW PUT of a whole user."""
    body = user(uid, name, active=operation != "deactivate-user")
    resource = {"type": "User", "id": uid}
    return entry(
        eid,
        operation,
        "PUT",
        f"/Users/{uid}",
        status,
        body=body,
        response=body,
        resource=resource,
        dialect="aiw",
    )


def group_call(
    eid: int, operation: str, method: str, gid: str, name: str, status: int = 200
) -> dict[str, Any]:
    """§9: a call on /Groups or /Groups/{id} whose body and response name the group."""
    path = "/Groups" if method == "POST" else f"/Groups/{gid}"
    body = {"id": gid, "displayName": name, "members": []}
    return entry(
        eid,
        operation,
        method,
        path,
        status,
        body=None if method == "GET" else body,
        response=body,
        resource={"type": "Group", "id": gid},
    )


def listing(eid: int, operation: str, path: str, count: str, start: str = "1") -> dict[str, Any]:
    """§3, §4: a list call with startIndex and count."""
    return entry(
        eid,
        operation,
        "GET",
        path,
        query={"startIndex": start, "count": count},
        response={"totalResults": 0, "Resources": []},
    )


FLOW_TEXTS = [
    pytest.param([], [], id="empty-journal"),
    pytest.param(
        [lookup(1, ALICE), create(2, ALICE, "u1")],
        [f"assign {ALICE} → lookup (0 hits) → create (201)"],
        id="assign-creates",
    ),
    pytest.param(
        [
            group_call(1, "create-group", "POST", "g1", "Engineering", 201),
            group_call(2, "get-group", "GET", "g1", "Engineering"),
            group_call(3, "replace-group", "PUT", "g1", "Engineering"),
        ],
        ["push group Engineering → create (201) → GET (200) → PUT (200)"],
        id="aiw-group-push",
    ),
    pytest.param(
        [get_user(1, "u1", ALICE), put_user(2, "u1", ALICE, "deactivate-user")],
        [f"deactivate {ALICE} → GET (200) → PUT active=false (200)"],
        id="aiw-deactivate",
    ),
    pytest.param(
        [get_user(1, "u1", ALICE), put_user(2, "u1", ALICE)],
        [f"update profile of {ALICE} → GET (200) → PUT (200)"],
        id="aiw-profile-update",
    ),
    pytest.param(
        [
            lookup(1, ALICE, user("u1", ALICE, active=False)),
            get_user(2, "u1", ALICE, active=False),
            put_user(3, "u1", ALICE, "reactivate-user"),
        ],
        [f"assign {ALICE} → lookup (1 hit) → GET (200) → PUT active=true (200)"],
        id="reassign-reactivates",
    ),
    pytest.param(
        [
            entry(
                1,
                "deactivate-user",
                "PATCH",
                "/Users/u1",
                body={"Operations": []},
                response=user("u1", ALICE, False),
                resource={"type": "User", "id": "u1"},
                dialect="oin",
            )
        ],
        [f"deactivate {ALICE} → PATCH active=false (200)"],
        id="oin-deactivate-patch",
    ),
    pytest.param(
        [lookup(1, ALICE), lookup(2, BOB), create(3, ALICE, "u1"), create(4, BOB, "u2")],
        [
            f"assign {ALICE} → lookup (0 hits) → create (201)",
            f"assign {BOB} → lookup (0 hits) → create (201)",
        ],
        id="interleaved-assignments",
    ),
    pytest.param(
        [group_call(1, "get-group", "GET", "g1", "Eng"), group_call(2, "replace-group", "PUT", "g1", "Eng")]
        * 2,
        ["update members of group Eng → GET (200) → PUT (200)"] * 2,
        id="membership-get-put-twice",
    ),
    pytest.param(
        [create(1, ALICE, "u1"), get_user(2, "u1", ALICE)],
        [f"create user {ALICE} → create (201)", f"read user {ALICE} → GET (200)"],
        id="get-after-create-is-its-own-flow",
    ),
    pytest.param(
        [
            listing(1, "test-connector", "/Users", "2"),
            listing(2, "test-connector", "/Users", "2"),
            listing(3, "import-groups", "/Groups", "100"),
        ],
        ["test connector configuration → GET (200)", "test connector configuration → GET (200) → GET (200)"],
        id="connector-test-then-save",
    ),
    pytest.param(
        [
            listing(1, "import-users", "/Users", "100"),
            listing(2, "import-users", "/Users", "100", "101"),
            listing(3, "import-groups", "/Groups", "100"),
            listing(4, "import-users", "/Users", "100"),
        ],
        ["import → GET (200) → GET (200) → GET (200)", "import → GET (200)"],
        id="import-pages-then-a-new-import",
    ),
    pytest.param(
        [entry(1, "unknown", "DELETE", "/Users/u1", 204, resource={"type": "User", "id": "u1"})],
        ["not an Okta request: DELETE /scim/v2/Users/u1 → DELETE (204)"],
        id="request-okta-never-sends",
    ),
]


@pytest.mark.parametrize(("entries", "texts"), FLOW_TEXTS)
def test_entries_group_into_okta_flows(entries, texts):
    assert [flow.text() for flow in group_flows(entries)] == texts


# The session view groups; it judges nothing beyond "a step was answered >= 400". Whether a flow
# is complete is the verify matcher's verdict (the library flows, tested below).
FLOW_OUTCOMES = [
    pytest.param([lookup(1, ALICE), create(2, ALICE, "u1")], [("complete", None)], id="assigned"),
    pytest.param([lookup(1, ALICE)], [("complete", None)], id="lookup-alone-is-not-judged-here"),
    pytest.param([lookup(1, ALICE, status=404)], [("complete", None)], id="lookup-404-means-no-user"),
    pytest.param([lookup(1, ALICE, user("u1", ALICE))], [("complete", None)], id="lookup-links-active-user"),
    pytest.param([lookup(1, ALICE, status=401)], [("failed", "answered 401")], id="lookup-unauthorized"),
    pytest.param(
        [lookup(1, ALICE), create(2, ALICE, "u1", status=409)],
        [("failed", "answered 409: userName is already taken")],
        id="create-conflict",
    ),
    pytest.param(
        [get_user(1, "u1", ALICE, status=404), put_user(2, "u1", ALICE)],
        [("failed", "answered 404"), ("complete", None)],
        id="get-404-stops-the-flow",
    ),
    pytest.param([get_user(1, "u1", ALICE)], [("complete", None)], id="plain-read"),
]


@pytest.mark.parametrize(("entries", "outcomes"), FLOW_OUTCOMES)
def test_failed_flows_stand_out(entries, outcomes):
    flows = group_flows(entries)
    assert [flow.outcome for flow in flows] == [outcome for outcome, _ in outcomes]
    for flow, (_, problem) in zip(flows, outcomes, strict=True):
        assert (flow.problem is None) if problem is None else (problem in flow.problem)


def test_flow_carries_resource_and_step_ids():
    flow = group_flows([lookup(1, ALICE), create(2, ALICE, "u1")])[0]
    assert flow.resource == {"type": "User", "id": "u1"}
    assert [step.entry_id for step in flow.steps] == [1, 2]


def test_flow_dict_is_json_safe():
    flows = group_flows([lookup(1, ALICE), create(2, ALICE, "u1"), get_user(3, "u1", ALICE)])
    data = json.loads(json.dumps([flow.to_dict() for flow in flows]))
    assert data[0]["title"] == f"assign {ALICE}"
    assert data[0]["steps"][0]["text"] == "lookup (0 hits)"


def test_truncated_lookup_counts_no_hits():
    cut = entry(
        1,
        "user-lookup",
        "GET",
        "/Users",
        query={"filter": f'userName eq "{ALICE}"'},
        response={"_truncated": True},
    )
    flow = group_flows([cut])[0]
    assert (flow.outcome, flow.steps[0].hits, flow.text()) == (
        "complete",
        None,
        f"assign {ALICE} → lookup (200)",
    )


@pytest.mark.parametrize(
    ("operation", "method", "dialect", "label", "section"),
    [
        ("deactivate-user", "PUT", "aiw", "Okta: deactivate user (PUT)", "§7.2"),
        ("deactivate-user", "PATCH", "oin", "Okta: deactivate user (PATCH)", "§7.1"),
        ("create-user", "POST", None, "Okta: create user (POST)", "§5.2"),
        ("rename-group", "PUT", "aiw", "Okta: rename group (PUT)", "§9.5"),
        ("unknown", "DELETE", None, "Not Okta: not a request Okta sends (DELETE)", "§10.2"),
    ],
)
def test_describe_names_operation_and_section(operation, method, dialect, label, section):
    described = describe(entry(1, operation, method, "/Users/u1", dialect=dialect))
    assert (described["label"], described["section"]) == (label, section)
    assert described["doc_url"].startswith(
        "https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20"
    )


# -- library flows: the dashboard's verdicts are mockscim verify's --------------------------------


def cli_verdicts(output: str) -> dict[str, dict[str, Any]]:
    """``mockscim verify`` output, per flow: verdict and each step's journal id."""
    flows: dict[str, dict[str, Any]] = {}
    current = None
    for line in output.splitlines():
        head = re.match(r"^(PASS|FAIL) (\S+)  \(", line)
        if head:
            current = flows[head.group(2)] = {"passed": head.group(1) == "PASS", "matched": []}
        elif current is not None and line.startswith(("  ok ", "  MISS ")):
            hit = re.match(r"  ok   .*?: journal #(\d+) ", line)
            current["matched"].append(int(hit.group(1)) if hit else None)
    return flows


OKTA_FLOWS = [flow for flow in library_ids() if flow.startswith("okta/")]
PLAYED = [
    "okta/common/test-connector",
    "okta/common/assign-new-user",
    "okta/aiw/deactivate-reactivate-user",
    "okta/oin/push-group",
    "okta/oin/group-membership",
    "okta/aiw/rename-group",
    "okta/spec-test/okta-scim-20-spec-test",
]


def test_dashboard_library_verdicts_equal_mockscim_verify(admin, dashboard_url, play, okta_aiw, tmp_path):
    for flow in PLAYED:
        play(flow)
    okta_aiw.lookup("carol.danvers@example.com")  # a lookup no create follows: assign-new-user's first step
    page = admin.get(dashboard_url + "dashboard/api/library-flows", timeout=120).json()
    journal = tmp_path / "journal.jsonl"
    journal.write_text(admin.get(dashboard_url + "requests.jsonl", timeout=10).text, encoding="utf-8")
    cli = subprocess.run(
        [sys.executable, "-m", "mockscim", "verify", "okta", "--journal", str(journal)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert cli.returncode == 1, cli.stderr  # okta/negative/unknown-id is never verifiable
    shown = {
        f["flow"]: {"passed": f["passed"], "matched": [s["matched"] for s in f["steps"]]}
        for f in page["flows"]
    }
    assert shown == cli_verdicts(cli.stdout)
    assert set(shown) == set(OKTA_FLOWS)
    assert {flow for flow in PLAYED if shown[flow]["passed"]} == set(PLAYED)  # the played ones were found
    assert not shown["okta/negative/unknown-id"]["passed"]
    # The admin API's verify is the same service, with the same verdicts.
    report = admin.post(dashboard_url + "verify", json={"flows": ["okta"]}, timeout=300).json()
    assert {f["flow"]: f["passed"] for f in report["flows"]} == {k: v["passed"] for k, v in shown.items()}
