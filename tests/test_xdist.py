"""`pytest -n 2` over the scenario library: no cross-talk, embedded or on one shared server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = len(list((ROOT / "scenarios").rglob("*.scenario.yaml")))
# The custom-attribute flows skip against a server that declares no extension (the embedded
# mock declares the packaged example; the shared test server does not).
CUSTOM = len(list((ROOT / "scenarios").rglob("custom-attributes.scenario.yaml"))) + 1  # + import-user-schema


def pytest_n2(*args: str) -> subprocess.CompletedProcess:
    """Run the built-in library with two xdist workers."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-n",
        "2",
        "-q",
        "-p",
        "no:cacheprovider",
        str(ROOT / "scenarios"),
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)


def test_library_passes_with_two_workers_on_embedded_servers():
    result = pytest_n2()
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"\n{LIBRARY} passed in " in result.stdout


def test_library_passes_with_two_workers_sharing_one_server(server, scim):
    # Both workers target the same mockscim; each test runs in a tenant of its own.
    user, token = scim.session.auth
    result = pytest_n2(
        f"--mockscim-base-url={server.url}/scim/v2",
        f"--mockscim-auth=basic:{user}:{token}",
        "--mockscim-tenants",
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert f"\n{LIBRARY - CUSTOM} passed, {CUSTOM} skipped in " in result.stdout
    tenants = scim.session.get(server.url + "/__admin/tenants", timeout=5).json()["tenants"]
    assert [t["name"] for t in tenants] == ["default"]  # every test's tenant was removed
    assert scim.get("/Users").json()["totalResults"] == 0  # the default tenant was never touched
