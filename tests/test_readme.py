"""The README stays true: its scenario excerpt is a real library file, its pytest example runs,
and every `mockscim` option it shows exists."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks(language: str) -> list[str]:
    """The README's fenced code blocks in ``language``."""
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def _subset(part: object, whole: object) -> bool:
    """True when ``part`` is contained in ``whole`` (mappings by key, lists item by item as a prefix)."""
    if isinstance(part, dict):
        return isinstance(whole, dict) and all(k in whole and _subset(v, whole[k]) for k, v in part.items())
    if isinstance(part, list):
        return isinstance(whole, list) and len(part) <= len(whole) and all(map(_subset, part, whole))
    return part == whole


def test_the_scenario_excerpt_is_the_start_of_a_real_library_file():
    (excerpt,) = blocks("yaml")
    linked = re.search(r"\]\((scenarios/[^)]+\.scenario\.yaml)\):\n\n```yaml", README)
    assert linked, "the YAML excerpt must follow a link to its scenario file"
    real = yaml.safe_load((ROOT / linked.group(1)).read_text(encoding="utf-8"))
    assert _subset(yaml.safe_load(excerpt), real)


def test_the_pytest_example_runs(pytester: pytest.Pytester):
    (example,) = blocks("python")
    pytester.makepyfile(test_okta_contract=example)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


@pytest.mark.parametrize("patch_response", ["resource", "no-content"])
def test_the_pytest_example_runs_twice_against_one_server(pytester: pytest.Pytester, patch_response):
    # A server that keeps its data (no fixed userName to collide on a second run) and one
    # whose PATCH answers 204 without a body (patch_and_read reads the user back).
    (example,) = blocks("python")
    pytester.makepyfile(test_okta_contract=example)
    proc = subprocess.Popen(
        [sys.executable, "-m", "mockscim", "serve", "--port", "0", "--auth", "basic:ci:readme-secret"]
        + ["--patch-response", patch_response],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = ""
        while "SCIM connector base URL" not in banner:
            line = proc.stdout.readline()  # type: ignore[union-attr]
            assert line, proc.stderr.read()  # type: ignore[union-attr]
            banner += line
        base_url = re.search(r"SCIM connector base URL\s+(\S+)", banner).group(1)  # type: ignore[union-attr]
        options = [
            "-p",
            "no:cacheprovider",
            "--mockscim-base-url",
            base_url,
            "--mockscim-auth",
            "basic:ci:readme-secret",
        ]
        for _ in range(2):
            pytester.runpytest_subprocess(*options).assert_outcomes(passed=1)
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


@pytest.mark.parametrize("command", ["serve", "run", "export", "verify", "validate"])
def test_every_option_shown_exists(command):
    help_text = subprocess.run(
        [sys.executable, "-m", "mockscim", command, "--help"], capture_output=True, text=True, timeout=30
    ).stdout
    shown = set()
    for line in re.findall(rf"mockscim {command}\b[^\n]*(?:\\\n[^\n]*)*", README):
        shown |= set(re.findall(r"(--[a-z][a-z-]+)", line))
    assert shown, f"the README shows no `mockscim {command}` options"
    assert {option for option in shown if option not in help_text} == set()


@pytest.mark.parametrize("path", sorted(set(re.findall(r"\]\(((?:docs|scenarios)/[^)#]+)\)", README))))
def test_linked_files_exist(path):
    assert (ROOT / path).exists()


def test_flow_ids_shown_in_the_readme_and_verify_help_exist():
    from mockscim.verify.flows import library_ids

    help_text = subprocess.run(
        [sys.executable, "-m", "mockscim", "verify", "--help"], capture_output=True, text=True, timeout=30
    ).stdout
    help_text = re.sub(r"-\n\s+", "-", help_text)  # click wraps long words at hyphens
    shown = set(re.findall(r"\b(okta/(?:aiw|oin|common|negative)/[a-z0-9-]+)", README + help_text))
    assert shown and shown <= set(library_ids())


def test_the_readme_and_the_library_readme_agree_on_the_k_example():
    library_readme = (ROOT / "scenarios" / "README.md").read_text(encoding="utf-8")
    (example,) = re.findall(r'mockscim run -k "([^"]+)"\s+# Okta compatibility', README)
    assert f'mockscim run -k "{example}"' in library_readme
