"""The pytest plugin, driven with pytester: scenario files as tests, options, fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The outer environment must not point the inner runs somewhere else."""
    monkeypatch.delenv("MOCKSCIM_BASE_URL", raising=False)
    monkeypatch.delenv("MOCKSCIM_AUTH", raising=False)
    monkeypatch.delenv("MOCKSCIM_ADMIN_URL", raising=False)


def _copy(pytester: pytest.Pytester, source: str, name: str) -> Path:
    """Copy a data file into the inner test folder under ``name``."""
    target = pytester.path / name
    target.write_text((DATA / source).read_text())
    return target


def test_passing_scenario_is_a_passing_test(pytester):
    _copy(pytester, "cli-pass.yaml", "connector.scenario.yaml")
    result = pytester.runpytest("-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*connector.scenario.yaml::list users works PASSED*"])


def test_failing_scenario_shows_the_runner_report(pytester):
    _copy(pytester, "cli-fail.yaml", "fail.scenario.yaml")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*scenario: expects the wrong status*",
            "FAIL  expects the wrong status  (fail.scenario.yaml)*",
            "  FAIL  list users*",
            "    at fail.scenario.yaml:4",
            "*- status: expected 201, got 200 OK",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_bad_scenario_file_is_a_collection_error_with_file_and_line(pytester):
    _copy(pytester, "bad-method.yaml", "bad.scenario.yaml")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    # Plain text: fnmatch would read "[0]" as a character class.
    assert (
        "\nbad.scenario.yaml:5: $.steps[0].request.method: unknown HTTP method 'FETCH'" in result.stdout.str()
    )


def test_other_yaml_files_are_not_collected(pytester):
    _copy(pytester, "cli-pass.yaml", "settings.yaml")
    assert pytester.runpytest().ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_tags_are_keywords(pytester):
    _copy(pytester, "cli-aiw.yaml", "aiw.scenario.yaml")
    _copy(pytester, "cli-oin.yaml", "oin.scenario.yaml")
    result = pytester.runpytest("-k", "not oin")
    result.assert_outcomes(passed=1, deselected=1)


def test_base_url_option_runs_against_a_live_server(pytester, server, scim):
    _copy(pytester, "cli-pass.yaml", "connector.scenario.yaml")
    user, token = scim.session.auth
    result = pytester.runpytest(
        f"--mockscim-base-url={server.url}/scim/v2", f"--mockscim-auth=basic:{user}:{token}"
    )
    result.assert_outcomes(passed=1)


def test_environment_variables_select_the_target(pytester, monkeypatch, server):
    _copy(pytester, "cli-pass.yaml", "connector.scenario.yaml")
    monkeypatch.setenv("MOCKSCIM_BASE_URL", f"{server.url}/scim/v2")
    monkeypatch.setenv("MOCKSCIM_AUTH", "bearer:wrong-token")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*- status: expected 200, got 401 UNAUTHORIZED"])


def test_bad_auth_option_is_a_usage_error(pytester):
    result = pytester.runpytest("--mockscim-base-url=http://127.0.0.1:1", "--mockscim-auth=token:x")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*mockscim: auth 'token:x' is not valid*"])


def test_unreachable_target_fails_with_a_hint(pytester, closed_port):
    _copy(pytester, "cli-pass.yaml", "connector.scenario.yaml")
    result = pytester.runpytest(f"--mockscim-base-url=http://127.0.0.1:{closed_port}/scim/v2")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [f"cannot connect to http://127.0.0.1:{closed_port}/scim/v2/Users*Check --base-url."]
    )


FIXTURE_TESTS = """
def test_create(scim_client, mockscim_server):
    # Each test has a tenant of its own on the session's server.
    assert mockscim_server.base_url == f"{mockscim_server.url}/t/{mockscim_server.tenant}/scim/v2"
    assert len(mockscim_server.auth) == 2
    response = scim_client.post("/Users", {"userName": "a@example.com"})
    assert response.status_code == 201, response.text
    assert response.request.headers["User-Agent"] == "Okta SCIM Client 1.0.0"

def test_reset_between_tests(scim_client, mockscim_base_url):
    response = scim_client.get("/Users", query={"filter": 'userName eq "a@example.com"'})
    assert response.json()["totalResults"] == 0

def test_no_credentials(mockscim_server):
    import requests
    url = mockscim_server.base_url + "/Users"
    assert requests.get(url, timeout=5).status_code == 401
    assert requests.get(url, auth=mockscim_server.auth, timeout=5).status_code == 200
"""


def test_fixtures_for_hand_written_tests(pytester):
    pytester.makepyfile(test_hand_written=FIXTURE_TESTS)
    result = pytester.runpytest()
    result.assert_outcomes(passed=3)


def test_scenarios_and_fixtures_share_one_server_with_a_tenant_each(pytester):
    _copy(pytester, "cli-pass.yaml", "a.scenario.yaml")
    test = "def test_empty(scim_client):\n    assert scim_client.get('/Users').json()['totalResults'] == 0\n"
    pytester.makepyfile(test_after=test)
    result = pytester.runpytest()
    result.assert_outcomes(passed=2)


def test_junitxml_carries_the_report(pytester):
    _copy(pytester, "cli-fail.yaml", "fail.scenario.yaml")
    result = pytester.runpytest("--junitxml=out.xml")
    result.assert_outcomes(failed=1)
    assert "- status: expected 201, got 200 OK" in (pytester.path / "out.xml").read_text()


def test_patch_and_read_returns_the_resource_after_a_204(pytester, serve, settings):
    from dataclasses import replace

    no_content = serve(replace(settings, profile=replace(settings.profile, patch_returns_resource=False)))
    pytester.makepyfile(
        test_patch="""
def test_patch(scim_client, unique_email):
    user = scim_client.post("/Users", json={"userName": unique_email, "active": True,
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}).json()
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "value": {"active": False}}]}
    assert scim_client.patch(f"/Users/{user['id']}", json=body).status_code == 204
    body["Operations"][0]["value"]["active"] = True
    assert scim_client.patch_and_read(f"/Users/{user['id']}", json=body).json()["active"] is True
"""
    )
    auth = f"--mockscim-auth=basic:{settings.auth.user}:{settings.auth.token}"
    pytester.runpytest(f"--mockscim-base-url={no_content.url}/scim/v2", auth).assert_outcomes(passed=1)


def test_mock_scenario_runs_against_the_embedded_mock(pytester):
    _copy(pytester, "cli-mock.yaml", "a_retry.scenario.yaml")
    _copy(pytester, "cli-pass.yaml", "b_after.scenario.yaml")
    pytester.runpytest().assert_outcomes(passed=2)


def test_a_target_without_admin_api_skips_the_scenario(pytester, fake_server):
    fake_server.reply(404, body="Not Found")
    _copy(pytester, "cli-mock.yaml", "retry.scenario.yaml")
    result = pytester.runpytest(f"--mockscim-base-url={fake_server.url}/scim/v2", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(
        ["SKIPPED*the next create fails once: requires mock-admin: no mockscim admin API: GET *404*"]
    )
    result.stdout.fnmatch_lines(["*give its admin API with --mockscim-admin-url*"])  # the plugin's option


@pytest.mark.parametrize("how", ["option", "environment"])
def test_admin_url_option_and_environment(pytester, monkeypatch, server, scim, how):
    _copy(pytester, "cli-mock.yaml", "retry.scenario.yaml")
    user, token = scim.session.auth
    args = [f"--mockscim-base-url={server.url}/scim/v2", f"--mockscim-auth=basic:{user}:{token}"]
    wrong = server.url + "/not-admin"
    if how == "option":
        args.append(f"--mockscim-admin-url={wrong}")
    else:
        monkeypatch.setenv("MOCKSCIM_ADMIN_URL", wrong)
    result = pytester.runpytest(*args, "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([f"*GET {wrong}/health answered 404*"])


TENANT_TESTS = """
import pytest

@pytest.mark.parametrize("n", range(6))
def test_isolated(scim_client, n):
    assert scim_client.get("/Users").json()["totalResults"] == 0
    assert scim_client.post("/Users", {"userName": f"same@example.com"}).status_code == 201
"""


def test_external_mockscim_with_a_tenant_per_test(pytester, server, scim):
    # One shared mockscim, every test creating the same userName: no 409, because each test
    # runs in its own tenant; the tenants are deleted afterwards.
    pytester.makepyfile(test_tenants=TENANT_TESTS)
    user, token = scim.session.auth
    result = pytester.runpytest(
        f"--mockscim-base-url={server.url}/scim/v2",
        f"--mockscim-auth=basic:{user}:{token}",
        "--mockscim-tenants",
    )
    result.assert_outcomes(passed=6)
    tenants = scim.session.get(server.url + "/__admin/tenants", timeout=5).json()["tenants"]
    assert [t["name"] for t in tenants] == ["default"]


def test_external_server_without_tenants_is_shared(pytester, server, scim):
    pytester.makepyfile(test_tenants=TENANT_TESTS)
    user, token = scim.session.auth
    result = pytester.runpytest(
        f"--mockscim-base-url={server.url}/scim/v2", f"--mockscim-auth=basic:{user}:{token}"
    )
    result.assert_outcomes(passed=1, failed=5)  # the same userName collides after the first test


def _library(pytester: pytest.Pytester, flow: str) -> None:
    """Copy a library flow into the inner test folder."""
    from mockscim.library import library_root

    (pytester.path / Path(flow).name).write_text((library_root() / flow).read_text())


def test_custom_attribute_flow_runs_against_the_embedded_mocks_extension(pytester):
    _library(pytester, "okta/oin/custom-attributes.scenario.yaml")
    pytester.runpytest().assert_outcomes(passed=1)


def test_mockscim_var_names_another_extension(pytester):
    # The embedded mock declares only the packaged example: another URN skips, with the reason.
    _library(pytester, "okta/aiw/custom-attributes.scenario.yaml")
    result = pytester.runpytest("--mockscim-var", "custom_urn=urn:acme:scim:User", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED*precondition not met: the target declares urn:acme:scim:User*"])


def test_bad_mockscim_var_is_a_usage_error(pytester):
    result = pytester.runpytest("--mockscim-var", "no-equals-sign")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--mockscim-var 'no-equals-sign' must be NAME=VALUE*"])
