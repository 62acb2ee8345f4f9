"""The admin surface under hostile or careless configuration: blank secrets refused at start-up,
no credentials only on loopback for every tenant, and ``POST /__admin/verify`` reading only the
library and ``--flows-dir``."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mockscim.commands.serve import serve
from mockscim.commands.serve import settings_from_options
from mockscim.config import AuthConfig
from mockscim.config import ConfigError
from mockscim.config import Settings
from mockscim.library import library_root
from mockscim.server import create_app
from mockscim.server.flowfiles import MAX_FLOW_BYTES

USER, TOKEN = "okta", "s3cr3t-token-for-tests"
BASIC = AuthConfig.parse(f"basic:{USER}:{TOKEN}")


# -- blank secrets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["", " ", "\t\n"])
def test_a_blank_admin_token_is_refused_at_start_up(token):
    with pytest.raises(ConfigError, match="--admin-token is empty"):
        Settings(auth=BASIC, admin_token=token).validate()
    with pytest.raises(ConfigError):
        create_app(Settings(auth=BASIC, admin_token=token))  # embedding cannot skip the check
    result = CliRunner().invoke(serve, ["--port", "0", "--admin-token", token])
    assert result.exit_code == 2 and "--admin-token is empty" in result.output


def test_an_empty_admin_token_variable_leaves_admin_behind_the_scim_credentials(monkeypatch):
    monkeypatch.setenv("MOCKSCIM_ADMIN_TOKEN", "")
    settings = settings_from_options(serve.make_context("serve", ["--auth", f"basic:{USER}:{TOKEN}"]).params)
    client = create_app(settings).test_client()
    assert settings.admin_token is None
    assert client.get("/__admin/requests").status_code == 401
    assert client.get("/__admin/requests", auth=(USER, TOKEN)).status_code == 200


@pytest.mark.parametrize(
    "spec",
    ["basic:okta:", "basic:okta: ", "basic::token", "basic: :token", "bearer:", "bearer:   ", "basic:", ""],
)
def test_blank_users_and_tokens_are_refused(spec):
    with pytest.raises(ConfigError, match="use basic:USER:TOKEN"):
        AuthConfig.parse(spec)
    result = CliRunner().invoke(serve, ["--port", "0", "--auth", spec])
    assert result.exit_code == 2 and "basic:USER:TOKEN" in result.output


def test_a_secret_that_is_not_text_is_refused():
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        AuthConfig.parse("bearer:tok\udcff")  # how Python keeps an undecodable command-line byte


# -- tenants obey the loopback rule ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("tenants:\n  acme: {auth: ''}\n", "empty value"),
        ("tenants:\n  acme: {auth: '  '}\n", "empty value"),
        ("tenants:\n  acme: {auth: }\n", "tenants.acme.auth is empty"),
        ("tenants:\n  acme: {auth: 'bearer:'}\n", "tenants.acme.auth"),
        ("tenants:\n  acme: {auth: 5}\n", "must be text"),
        ("tenants:\n  acme: basic:u:t\n", "must be a mapping"),
        (
            "tenants:\n  acme: {auth: none}\n",
            "refusing to serve tenant 'acme' on 0.0.0.0 without credentials",
        ),
    ],
)
def test_a_tenants_file_with_blank_or_missing_credentials_is_refused(tmp_path, document, message):
    path = tmp_path / "tenants.yaml"
    path.write_text(document)
    args = ["--host", "0.0.0.0", "--port", "0", "--auth", f"basic:{USER}:{TOKEN}", "--tenants", str(path)]
    result = CliRunner().invoke(serve, args)
    assert result.exit_code == 2 and message in result.output, result.output


def test_a_tenant_without_credentials_is_allowed_on_loopback(tmp_path):
    path = tmp_path / "tenants.yaml"
    path.write_text("tenants:\n  open: {auth: none}\n")
    settings = settings_from_options(
        serve.make_context("serve", ["--auth", f"basic:{USER}:{TOKEN}", "--tenants", str(path)]).params
    )
    client = create_app(settings).test_client()
    assert client.get("/t/open/scim/v2/Users").status_code == 200
    assert client.get("/scim/v2/Users").status_code == 401


@pytest.mark.parametrize(("host", "status"), [("0.0.0.0", 400), ("192.168.1.10", 400), ("127.0.0.1", 201)])
def test_the_admin_api_applies_the_loopback_rule_to_new_tenants(host, status):
    client = create_app(Settings(host=host, port=0, auth=BASIC)).test_client()
    answer = client.post("/__admin/tenants", json={"name": "open", "auth": "none"}, auth=(USER, TOKEN))
    assert answer.status_code == status, answer.json
    if status == 400:
        assert "without credentials" in answer.json["detail"]
        assert client.get("/t/open/scim/v2/Users").status_code == 401  # nothing was created
    for blank in ("", " ", "bearer:"):
        refused = client.post("/__admin/tenants", json={"name": "blank", "auth": blank}, auth=(USER, TOKEN))
        assert refused.status_code == 400


# -- POST /__admin/verify opens only the library and --flows-dir ------------------------------------

LIBRARY_FLOW = "okta/common/test-connector"


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    """A --flows-dir holding one flow, a folder, a symlink out of it, and a file over the limit."""
    folder = tmp_path / "flows"
    (folder / "team").mkdir(parents=True)
    source = library_root() / (LIBRARY_FLOW + ".scenario.yaml")
    shutil.copy(source, folder / "mine.scenario.yaml")
    shutil.copy(source, folder / "team" / "theirs.scenario.yaml")
    outside = tmp_path / "outside.scenario.yaml"
    outside.write_text("name: not yours\nsecret: value-from-outside\nsteps: []\n")
    (folder / "escape.scenario.yaml").symlink_to(outside)
    (folder / "big.scenario.yaml").write_text("name: big\n# " + "x" * MAX_FLOW_BYTES + "\nsteps: []\n")
    return folder


@pytest.fixture
def verifying(flows: Path) -> Any:
    """A client of a server started with --flows-dir."""
    return create_app(Settings(port=0, auth=BASIC, flows_dir=flows)).test_client()


def _verify(client: Any, *names: str) -> Any:
    """POST /__admin/verify for these flows."""
    return client.post("/__admin/verify", json={"flows": list(names)}, auth=(USER, TOKEN))


@pytest.mark.parametrize(
    "name", [LIBRARY_FLOW, "okta/common", "mine", "mine.scenario.yaml", "team", "team/theirs"]
)
def test_verify_reads_library_ids_and_files_under_the_flows_dir(verifying, name):
    answer = _verify(verifying, name)
    assert answer.status_code == 200, answer.json
    assert answer.json["flows"] and "passed" in answer.json


HOSTILE_NAMES = [
    "/etc/passwd",
    "/etc/no-such-file",
    "/dev/zero",
    "/proc/self/environ",
    "../outside",
    "../outside.scenario.yaml",
    "okta/../../../../../etc/passwd",
    "team/../../outside",
    "escape",  # a symbolic link out of --flows-dir
    "big",  # over MAX_FLOW_BYTES
    "no-such-flow",
    "C:\\Windows\\win.ini",
    "a\x00b",
    "",
]


def test_every_other_name_gets_the_same_answer_whether_or_not_it_exists(verifying):
    answers = {}
    for name in HOSTILE_NAMES:
        answer = _verify(verifying, name)
        assert answer.status_code == 400, (name, answer.json)
        answers[name] = answer.json["detail"].replace(repr(name[:120]), "NAME")
        assert "value-from-outside" not in answer.json["detail"] and "root:" not in answer.json["detail"]
    shapes = {detail.split("; did you mean")[0] for detail in answers.values()}
    assert len(shapes) == 1, answers  # nothing tells an existing path from a missing one


def test_without_flows_dir_only_the_library_is_read(flows, monkeypatch):
    monkeypatch.chdir(flows)  # "mine.scenario.yaml" exists in the working directory
    client = create_app(Settings(port=0, auth=BASIC)).test_client()
    assert _verify(client, LIBRARY_FLOW).status_code == 200
    refused = _verify(client, "mine.scenario.yaml")
    assert refused.status_code == 400 and "--flows-dir" in refused.json["detail"]


def test_a_flows_dir_that_is_not_a_folder_is_refused_at_start_up(tmp_path):
    with pytest.raises(ConfigError, match="--flows-dir .* is not a folder"):
        Settings(auth=BASIC, flows_dir=tmp_path / "missing").validate()
