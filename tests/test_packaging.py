"""mockscim as users get it: a wheel installed in a fresh venv outside the checkout, run from elsewhere.

The module builds the wheel once (``pip wheel --no-deps``), installs it with its dependencies
(pip resolves them from its cache or index) and pytest into a venv under a temporary folder,
and runs every journey from a working directory that is neither the checkout nor the venv.
It also imports mockscim straight from the wheel (``zipimport``), where nothing is a file.
"""

from __future__ import annotations

import configparser
import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
SUFFIX = ".scenario.yaml"
AUTH = ("okta", "packaging-secret")
NOT_SOURCE = (".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis")


@dataclass(frozen=True)
class Installed:
    """A venv holding the built wheel, and a working directory outside it and the checkout."""

    wheel: Path
    build_log: str
    venv: Path
    elsewhere: Path

    def bin(self, name: str) -> str:
        """An executable of the venv."""
        return str(self.venv / "bin" / name)

    def run(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """Run a venv command from the other directory."""
        return subprocess.run(
            list(args), capture_output=True, text=True, timeout=300, cwd=self.elsewhere, env=env
        )

    def library(self) -> Path:
        """The installed library folder inside site-packages."""
        found = list(self.venv.glob("lib/python*/site-packages/mockscim/builtin_scenarios"))
        assert found, "the wheel installed no mockscim/builtin_scenarios"
        return found[0]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel and install it (with pytest) into a fresh venv outside the checkout."""
    base = tmp_path_factory.mktemp("wheel-install")
    # Build from a clean copy: setuptools reuses a checkout's build/ folder, stale files included.
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCE))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(base), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    wheel = next(base.glob("mockscim-*.whl"))
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel), "pytest"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    return Installed(wheel, built.stdout + built.stderr, venv, elsewhere)


def library_ids() -> list[str]:
    """Every flow id in the checkout's scenarios/."""
    root = ROOT / "scenarios"
    return sorted(p.relative_to(root).as_posix()[: -len(SUFFIX)] for p in root.rglob("*" + SUFFIX))


def test_every_package_is_listed():
    # Every folder that ships files is a package (data folders too), else setuptools warns.
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = {line.strip() for line in config["options"]["packages"].splitlines() if line.strip()}
    code = {
        ".".join(folder.relative_to(ROOT).parts)
        for folder in (ROOT / "mockscim").rglob("*")
        if folder.is_dir() and folder.name != "__pycache__"
    }
    scenarios = {
        ".".join(("mockscim", "builtin_scenarios", *folder.relative_to(ROOT / "scenarios").parts))
        for folder in (ROOT / "scenarios").rglob("*")
        if folder.is_dir() and folder.name.isidentifier()
    }
    assert code | {"mockscim"} | {"mockscim.builtin_scenarios"} | scenarios == listed


def test_wheel_builds_without_setuptools_warnings(installed: Installed):
    assert not re.search(r"warning", installed.build_log, re.IGNORECASE), installed.build_log


def test_wheel_ships_every_library_scenario_and_resource(installed: Installed):
    shipped = installed.library()
    assert sorted(p.relative_to(shipped).as_posix()[: -len(SUFFIX)] for p in shipped.rglob("*" + SUFFIX)) == (
        library_ids()
    )
    package = shipped.parent
    for resource in (
        "runner/scenario.schema.json",
        "runner/templates/report.html.j2",
        "server/openapi.yaml",
        "server/templates/dashboard.html",
        "server/static/dashboard.js",
        "schemas/okta/create-user.json",
        "schemas/scim/User.json",
    ):
        assert (package / resource).is_file(), resource


def test_run_the_library_from_another_directory(installed: Installed):
    result = installed.run(installed.bin("mockscim"), "run", "--dialect", "aiw")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"\b\d+ passed", result.stdout) and "cannot read" not in result.stderr


def test_verify_list_shows_every_library_flow(installed: Installed):
    result = installed.run(installed.bin("mockscim"), "verify", "--list")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == library_ids()


@contextlib.contextmanager
def serving(
    installed: Installed, command: list[str], *options: str, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Run ``COMMAND serve OPTIONS`` from the other directory; yield its URL from the banner."""
    proc = subprocess.Popen(
        [*command, "serve", "--port", "0", "--auth", "basic:" + ":".join(AUTH), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=installed.elsewhere,
        env=env,
    )
    banner = ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not re.search(r"Listening on (\S+)", banner):
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            break
        banner += line
    match = re.search(r"Listening on (\S+)", banner)
    try:
        assert match, banner
        yield match.group(1)
    finally:
        proc.terminate()
        proc.communicate(timeout=15)


@pytest.fixture(scope="module")
def served(installed: Installed) -> Iterator[tuple[str, Path]]:
    """``mockscim serve`` from the venv with a journal file: (server URL, journal path)."""
    journal = installed.elsewhere / "journal.jsonl"
    with serving(installed, [installed.bin("mockscim")], "--journal-file", str(journal)) as url:
        yield url, journal


def test_verify_a_flow_played_against_the_installed_server(installed: Installed, served):
    url, journal = served
    flow = installed.library() / "okta" / "aiw" / ("push-group" + SUFFIX)
    played = installed.run(
        installed.bin("mockscim"),
        "run",
        str(flow),
        "--base-url",
        url + "/scim/v2",
        "--auth",
        "basic:" + ":".join(AUTH),
    )
    assert played.returncode == 0, played.stdout + played.stderr
    verdict = None
    for _ in range(50):  # the journal file is written as each entry completes
        verdict = installed.run(
            installed.bin("mockscim"), "verify", "okta/aiw/push-group", "--journal", str(journal)
        )
        if verdict.returncode == 0:
            break
        time.sleep(0.1)
    assert verdict is not None and verdict.returncode == 0, verdict.stdout + verdict.stderr
    assert "no flow" not in verdict.stderr


def test_verify_of_an_unplayed_flow_fails(installed: Installed, served):
    _, journal = served
    verdict = installed.run(
        installed.bin("mockscim"), "verify", "okta/oin/rename-group", "--journal", str(journal)
    )
    assert verdict.returncode == 1, verdict.stdout + verdict.stderr


def test_dashboard_library_flows_over_http(served):
    url, _ = served
    response = requests.get(url + "/__admin/dashboard/api/library-flows", auth=AUTH, timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["flows"] and not body["errors"]
    assert {flow["flow"] for flow in body["flows"]} >= {"okta/aiw/push-group", "okta/oin/push-group"}
    verdict = requests.post(
        url + "/__admin/verify", json={"flows": ["okta/aiw/push-group"]}, auth=AUTH, timeout=30
    )
    assert verdict.status_code == 200, verdict.text


def test_pytest_plugin_runs_a_library_scenario(installed: Installed):
    scenario = installed.library() / "okta" / "common" / ("assign-new-user" + SUFFIX)
    result = installed.run(
        installed.bin("python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(scenario)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_run_from_the_wheel_as_a_zip(installed: Installed):
    # zipimport: nothing is a file, so the library is read through importlib.resources.
    env = {**os.environ, "PYTHONPATH": str(installed.wheel)}
    where = installed.run(installed.bin("python"), "-c", "import mockscim; print(mockscim.__file__)", env=env)
    assert str(installed.wheel) in where.stdout
    result = installed.run(installed.bin("python"), "-m", "mockscim", "run", "--dialect", "oin", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    listed = installed.run(installed.bin("python"), "-m", "mockscim", "verify", "--list", env=env)
    assert listed.stdout.split() == library_ids()


def test_library_root_finds_the_scenarios():
    from mockscim.library import library_root

    assert (library_root() / "README.md").is_file()


@pytest.mark.parametrize("imported", ["installed", "zip"])
def test_the_dashboard_and_its_static_files_are_served(installed: Installed, imported):
    # From the wheel itself (zipimport) templates and static files are not files on disk.
    if imported == "zip":
        command, env = (
            [installed.bin("python"), "-m", "mockscim"],
            {**os.environ, "PYTHONPATH": str(installed.wheel)},
        )
    else:
        command, env = [installed.bin("mockscim")], None
    with serving(installed, command, env=env) as url:
        page = requests.get(url + "/__admin/", auth=AUTH, timeout=30)
        assert page.status_code == 200 and "dashboard.css" in page.text, page.text[:300]
        css = requests.get(url + "/__admin/dashboard/static/dashboard.css", timeout=30)
        assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
        assert (
            requests.get(
                url + "/__admin/dashboard/static/../templates/dashboard.html", timeout=30
            ).status_code
            == 404
        )
        again = requests.get(css.url, headers={"If-None-Match": css.headers["ETag"]}, timeout=30)
        assert again.status_code == 304
