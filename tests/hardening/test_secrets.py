"""After a full Okta run against a real ``mockscim serve`` process, no credential or password is
found in any response, the journal (memory and file), exports, the state file, the logs or the
dashboard. Every GET route of the URL map is read, so new pages are covered when they land."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from hardening.leaks import REVEALS_CREDENTIALS
from hardening.leaks import every_answer
from hardening.leaks import every_file
from hardening.leaks import serving
from hardening.leaks import stop

from mockscim.constants import PATCH_OP
from mockscim.constants import USER_SCHEMA

USER, TOKEN = "okta", "tok-hardening-7c1e0f9a"
# The Okta flows (tests/conftest.py) push these passwords; the rest are sent below.
PASSWORDS = ["1mz050nq", "N3w-passw0rd", "pw-patch-path-55ab", "pw-put-66cd", "pw-broken-json-77ef"]
SECRETS = [TOKEN, base64.b64encode(f"{USER}:{TOKEN}".encode()).decode(), *PASSWORDS]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """``mockscim serve`` in a subprocess with a journal file and a state file; logs captured."""
    with serving(tmp_path_factory.mktemp("served"), USER, TOKEN) as running:
        yield running


@pytest.fixture
def scim(served: SimpleNamespace, scim_for: Any) -> Any:
    """The shared Okta client (tests/conftest.py ``okta``) talks to the served process."""
    return scim_for(served, auth=(USER, TOKEN))


def _found(text: str) -> list[str]:
    """Which secrets appear in ``text``."""
    return [secret for secret in SECRETS if secret in text]


def test_no_secret_leaks_after_a_full_okta_run(served, okta, okta_flows, figures):
    client = requests.Session()
    client.auth = (USER, TOKEN)
    for run in okta_flows.values():
        run(okta)  # both dialects: AIW (PUT) and OIN (PATCH), every action (docs/okta-reference.md §13)
        client.post(served.url + "/__admin/reset", json={"state": True, "journal": False})
    base = served.url + "/scim/v2"
    uid = client.post(
        base + "/Users", json={"schemas": [USER_SCHEMA], "userName": "leak@example.com"}
    ).json()["id"]
    patch = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": "password", "value": PASSWORDS[2]}],
    }
    assert client.patch(base + f"/Users/{uid}", json=patch).status_code == 200
    put = {"schemas": [USER_SCHEMA], "userName": "leak@example.com", "password": PASSWORDS[3]}
    assert client.put(base + f"/Users/{uid}", json=put).status_code == 200
    broken = '{"userName": "x@example.com", "password": "' + PASSWORDS[4] + '", '  # cut short
    assert (
        client.post(base + "/Users", data=broken, headers={"Content-Type": "application/json"}).status_code
        == 400
    )
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert requests.get(base + "/Users", headers=bearer, timeout=10).status_code == 401  # Basic mode
    assert requests.get(base + "/Users", auth=(USER, TOKEN + "x"), timeout=10).status_code == 401

    entries = client.get(served.url + "/__admin/requests").json()["requests"]
    leaks: dict[str, list[str]] = {}
    read = 0
    for endpoint, url, text in every_answer(served, USER, TOKEN):
        read += 1
        if endpoint in REVEALS_CREDENTIALS:
            assert TOKEN in text  # the detector works: this one must show it
        elif _found(text):
            leaks[f"GET {url}"] = _found(text)
    stop(served.process)
    for name, text in every_file(served.folder):
        if _found(text):
            leaks[name] = _found(text)
    figures["secret-leak checks (answers and files read)"] += read + len(list(served.folder.iterdir()))
    assert len(entries) > 50 and read > len(entries)
    assert (served.folder / "journal.jsonl").stat().st_size > 0 and "PATCH" in (
        served.folder / "stderr.txt"
    ).read_text()
    assert leaks == {}
