"""Expect mode: verify finds Okta's flows in the journal, and explains precisely when it can't."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mockscim.library import library_root
from mockscim.runner import Target
from mockscim.runner import load_scenario
from mockscim.runner import run_scenario
from mockscim.runner.client import Credentials
from mockscim.verify import check_mappings
from mockscim.verify import load_mappings
from mockscim.verify import match_flow
from mockscim.verify.flows import library_ids
from mockscim.verify.report import flow_report

DATA = Path(__file__).parent / "data"


USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def journal(app) -> list[dict]:
    """The default tenant's journal, oldest first."""
    return app.extensions["mockscim"].journal.entries()


def create(scim, name: str = "alice@example.com", external: str | None = "00ujl29u0le5T6Aj10h7") -> dict:
    """POST a user as Okta does (optionally without externalId)."""
    body = {"schemas": [USER_URN], "userName": name, "active": True}
    if external:
        body["externalId"] = external
    response = scim.post("/Users", body)
    assert response.status_code == 201, response.text
    return response.json()


def lookup(scim, name: str = "alice@example.com") -> None:
    """Okta's userName lookup (§5.1)."""
    scim.get(f"/Users?filter=userName%20eq%20%22{name.replace('@', '%40')}%22&startIndex=1&count=100")


@pytest.mark.parametrize("flow_id", library_ids())
def test_every_library_flow_played_as_okta_verifies(flow_id, server, settings, app):
    # The runner plays the flow exactly as the file describes Okta's requests; verify then
    # reads the same file the other way and must find every step in the journal.
    scenario = load_scenario(library_root() / f"{flow_id}.scenario.yaml")
    credentials = Credentials.parse(f"basic:{settings.auth.user}:{settings.auth.token}")
    played = run_scenario(
        scenario, Target(server.url + "/scim/v2", credentials, 10, admin_url=server.url + "/__admin")
    )
    if played.status == "skipped":
        pytest.skip(f"{flow_id} needs what this target lacks: {played.skip_reason}")
    assert played.passed, flow_id
    result = match_flow(scenario, journal(app))
    if not result.verifiable:  # every step is okta: false (e.g. okta/negative/unknown-id)
        assert "not verifiable" in flow_report(result)
        return
    assert result.passed, flow_report(result)


def test_a_correct_session_verifies_with_interleaved_requests(scim, app):
    lookup(scim)
    scim.get("/Users?startIndex=1&count=2")  # noise Okta may send in between
    user = create(scim)
    scim.get("/Groups?startIndex=1&count=100")
    current = scim.get(f"/Users/{user['id']}").json()
    scim.put(f"/Users/{user['id']}", current)
    flow = load_scenario(DATA / "assign-and-update.yaml")
    assert match_flow(flow, journal(app)).passed
    assert not match_flow(flow, journal(app), strict_order=True).passed


def _out_of_order(scim) -> None:
    user = create(scim)
    lookup(scim)
    current = scim.get(f"/Users/{user['id']}").json()
    scim.put(f"/Users/{user['id']}", current)


def _put_to_another_id(scim) -> None:
    lookup(scim)
    user = create(scim)
    other = create(scim, "bob@example.com", "00ujl29u0le5T6Aj10h8")
    scim.get(f"/Users/{user['id']}")
    scim.put(f"/Users/{other['id']}", {**other, "userName": "bob@example.com"})


def _no_external_id(scim) -> None:
    lookup(scim)
    user = create(scim, external=None)
    current = scim.get(f"/Users/{user['id']}").json()
    scim.put(f"/Users/{user['id']}", current)


def _wrong_member_filter(scim) -> None:
    member = create(scim)
    group = scim.post("/Groups", {"displayName": "Engineering", "members": [{"value": member["id"]}]}).json()
    body = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "remove", "path": f"members[value eq {member['id']}]"}],
    }
    scim.patch(f"/Groups/{group['id']}", body)


def _deactivate_as_delete(scim) -> None:
    user = create(scim)
    scim.delete(f"/Users/{user['id']}")


@pytest.mark.parametrize(
    ("flow", "play", "missing", "closest", "difference"),
    [
        # Greedy order: the lookup matches (late), so the create is what is missing after it.
        (
            "assign-and-update",
            _out_of_order,
            "create the user",
            None,
            "came before the previous step (out of order)",
        ),
        ("assign-and-update", _put_to_another_id, "replace the user", "PUT", "path is /Users/"),
        ("assign-and-update", _no_external_id, "create the user", "POST", "body /externalId is missing"),
        ("membership-oin", _wrong_member_filter, "remove the member", "PATCH", "body /Operations/0/path is"),
        (
            "deactivate-oin",
            _deactivate_as_delete,
            "deactivate the user",
            "DELETE",
            "method is DELETE, expected PATCH",
        ),
    ],
    ids=[
        "out-of-order",
        "put-to-another-id",
        "missing-externalId",
        "wrong-member-filter",
        "deactivate-as-delete",
    ],
)
def test_wrong_traffic_names_the_first_missing_step_and_the_closest_request(
    scim, app, flow, play, missing, closest, difference
):
    play(scim)
    result = match_flow(load_scenario(DATA / f"{flow}.yaml"), journal(app))
    first = result.first_missing
    assert not result.passed and first is not None
    assert first.expected.name == missing
    assert first.closest is not None
    assert closest is None or first.closest["request"]["method"] == closest
    assert any(difference in d for d in first.differences), first.differences
    report = flow_report(result)
    assert f"MISS {missing}" in report and f"closest:  journal #{first.closest['id']}" in report


MAPPING = {
    "create-user": {
        "present": ["/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User/department"],
        "equals": {"/active": True},
        "matches": {"/externalId": "^00u"},
    }
}


def test_attribute_mapping_expectations(scim, app):
    ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    good = {
        "schemas": [USER_URN, ent],
        "userName": "a@x",
        "active": True,
        "externalId": "00uA",
        ent: {"department": "Eng"},
    }
    scim.post("/Users", good)
    scim.post("/Users", {"schemas": [USER_URN], "userName": "b@x", "active": True, "externalId": "x"})
    checked, failures = check_mappings(load_mappings(MAPPING), journal(app))
    assert checked == 2
    assert [(f.entry_id, f.message.split(" ")[0]) for f in failures] == [
        (2, f"/{ent}/department"),
        (2, "/externalId"),
    ]


CUSTOM = "urn:ietf:params:scim:schemas:extension:mockscim:2.0:User"


@pytest.mark.parametrize(
    ("rule", "failing"),
    [
        ({"present": [f"/{CUSTOM}/costCenter"]}, {2: "is missing", 3: "is missing"}),
        ({"absent": [f"/{CUSTOM}/costCenter"]}, {1: "is present ('CC-1')"}),
        ({"equals": {f"/{CUSTOM}/costCenter": "CC-1"}}, {2: "is missing", 3: "is missing"}),
        (
            {"equals": {f"/{CUSTOM}/costCenter": "CC-2"}},
            {1: "is 'CC-1', expected 'CC-2'", 2: "is missing", 3: "is missing"},
        ),
        ({"present": [f"/{CUSTOM}"]}, {3: "is missing"}),
    ],
)
def test_mapping_of_a_custom_attribute_by_urn(scim, app, rule, failing):
    # Okta sends a mapped custom attribute under its extension URN (docs/okta-reference.md §5.2);
    # a JSON Pointer with the URN as its first token selects it.
    scim.post("/Users", {"schemas": [USER_URN, CUSTOM], "userName": "a@x", CUSTOM: {"costCenter": "CC-1"}})
    scim.post("/Users", {"schemas": [USER_URN, CUSTOM], "userName": "b@x", CUSTOM: {"employeeLevel": 2}})
    scim.post("/Users", {"schemas": [USER_URN], "userName": "c@x"})
    checked, failures = check_mappings(load_mappings({"create-user": rule}), journal(app))
    assert checked == 3
    assert {f.entry_id: f.message.split(" ", 1)[1] for f in failures} == failing


@pytest.mark.parametrize(
    ("document", "fragment"),
    [
        ([], "mapping of operation names"),
        ({"make-coffee": {}}, "not an operation"),
        ({"create-user": {"present": "/title"}}, "list of JSON Pointers"),
        ({"create-user": {"present": ["title"]}}, "not a JSON Pointer"),
        ({"create-user": {"matches": {"/x": "("}}}, "not a regex"),
        ({"create-user": {"sometimes": []}}, "use present, absent"),
    ],
)
def test_bad_mapping_files(document, fragment):
    from mockscim.verify import MappingError

    with pytest.raises(MappingError, match=fragment.replace("(", r"\(")):
        load_mappings(document)


def run(*args: str) -> subprocess.CompletedProcess:
    """The mockscim CLI."""
    return subprocess.run(
        [sys.executable, "-m", "mockscim", *args], capture_output=True, text=True, timeout=60
    )


def test_cli_verify_against_a_running_server(scim, server, settings, tmp_path):
    lookup(scim)
    create(scim, external=None)
    auth = f"basic:{settings.auth.user}:{settings.auth.token}"
    flow = str(DATA / "deactivate-oin.yaml")
    junit = tmp_path / "verify.xml"
    failed = run("verify", flow, "--from", server.url, "--auth", auth, "--junit-xml", str(junit))
    assert failed.returncode == 1
    assert "MISS create the user" in failed.stdout and "body /externalId is missing" in failed.stdout
    assert "<failure" in junit.read_text()
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("create-user:\n  present: [/userName]\n")
    passed = run("verify", "--mapping", str(mapping), "--from", server.url, "--auth", auth)
    assert (
        passed.returncode == 0
        and "PASS attribute mappings (1 request(s) checked, 0 failure(s))" in passed.stdout
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no/such/flow", "--journal", "setup.cfg"], "no flow 'no/such/flow'"),
        (["x"], "give either --from URL or --journal FILE"),
        ([], "name at least one flow"),
    ],
)
def test_cli_verify_usage_errors(args, message):
    result = run("verify", *args)
    assert result.returncode == 2 and message in result.stderr


def test_admin_verify_endpoint(scim, server):
    create(scim)
    admin = server.url + "/__admin/verify"
    flow = "deactivate-oin.yaml"  # under --flows-dir (conftest.py): the admin API opens no other path
    report = scim.session.post(admin, json={"flows": [flow]}, timeout=5).json()
    assert report["passed"] is False
    assert [s["matched"] is not None for s in report["flows"][0]["steps"]] == [True, False]
    assert scim.session.post(admin, json={"flows": "x"}, timeout=5).status_code == 400


def test_a_flow_okta_never_sends_is_not_verifiable(app):
    result = match_flow(
        load_scenario(library_root() / "okta/negative/unknown-id.scenario.yaml"), journal(app)
    )
    assert not result.verifiable and not result.passed
    assert "not verifiable" in flow_report(result)


# The runner's subset list matching and verify's agree: an expected [] matches only [] (so a
# replay that expects an emptied group is not satisfied by a group that kept members), and a
# non-empty expected list is a subset in any order.
LIST_RULE = [
    ([], [], True),
    ([], [{"value": "u1"}], False),
    ([{"value": "u1"}], [], False),
    ([{"value": "u1"}], [{"value": "u2", "display": "b"}, {"value": "u1", "display": "a"}], True),
    ([{"value": "u1"}, {"value": "u1"}], [{"value": "u1"}], False),  # each item a different one
    ({"members": []}, {"members": [], "id": "g1"}, True),
    ({"members": []}, {"members": [{"value": "u1"}], "id": "g1"}, False),
    ({"Resources": [{"id": "x"}]}, {"Resources": [{"id": "x", "userName": "a"}]}, True),
]


@pytest.mark.parametrize(("expected", "actual", "matches"), LIST_RULE)
def test_runner_and_verify_apply_the_same_list_rule(expected, actual, matches):
    from mockscim.runner.matchers import diff
    from mockscim.verify.templates import match_value

    assert (not diff(expected, actual)) is matches
    assert (not match_value(expected, actual, {})) is matches
    assert (not match_value(expected, actual, {}, explain=False)) is matches


def test_admin_verify_takes_the_journal_window(scim, server):
    lookup(scim)
    user = create(scim)
    scim.put(f"/Users/{user['id']}", scim.get(f"/Users/{user['id']}").json())
    admin = server.url + "/__admin/verify"
    flow = "assign-and-update.yaml"  # under --flows-dir (conftest.py)
    whole = scim.session.post(admin, json={"flows": [flow]}, timeout=10).json()
    assert whole["passed"] is True and whole["entries"] == 4
    late = scim.session.post(admin, json={"flows": [flow], "since": 2}, timeout=10).json()
    assert late["passed"] is False and late["entries"] == 3
    assert late["flows"][0]["steps"][0]["matched"] is None  # the lookup (#1) is outside the window
    assert scim.session.post(admin, json={"flows": [flow], "since": True}, timeout=10).status_code == 400
