"""``pytest --mockscim-html-report FILE``: the same HTML report for the scenarios pytest ran, also
when xdist workers ran them."""

from __future__ import annotations

import pytest

from mockscim.library import library_root

FLOWS = ("okta/aiw/push-group", "okta/oin/push-group", "okta/common/test-connector")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The outer environment must not point the inner runs somewhere else."""
    for name in ("MOCKSCIM_BASE_URL", "MOCKSCIM_AUTH", "MOCKSCIM_ADMIN_URL", "MOCKSCIM_TENANTS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def flows(pytester: pytest.Pytester) -> None:
    """Library flows copied into the inner test folder under their library paths."""
    for flow in FLOWS:
        target = pytester.path / f"{flow}.scenario.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text((library_root() / f"{flow}.scenario.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("workers", [[], ["-p", "xdist", "-n", "2"]], ids=["one-process", "xdist"])
def test_the_plugin_writes_the_report_of_the_scenarios_it_ran(
    pytester, flows, defect_server, parse_html, workers
):
    _, base_url, _, auth = defect_server("409-on-group-put-of-its-own-name")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--mockscim-base-url", base_url, "--mockscim-auth", auth,
        "--mockscim-html-report", "reports/scim.html", *workers,
    )  # fmt: skip
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["mockscim: HTML report of 3 scenario(s) in reports/scim.html"])
    page = parse_html((pytester.path / "reports/scim.html").read_text(encoding="utf-8"))
    total = page.find("tr", id="summary-total")
    assert [total.find("td", data_count=s).text() for s in ("passed", "failed", "skipped")] == ["2", "1", "0"]
    failed = page.find("details", cls="scenario")
    assert failed.attrs["data-status"] == "failed" and "open" in failed.attrs
    assert "expected 200, got 409 Conflict" in failed.find(cls="differences").text()
    aiw, oin = page.find("article", data_dialect="aiw"), page.find("article", data_dialect="oin")
    assert aiw.find("tr", data_capability="push-groups").attrs["data-status"] == "not-ready"
    assert oin.find("tr", data_capability="push-groups").attrs["data-status"] == "ready"
    assert aiw.find("tr", data_capability="test-connector").attrs["data-status"] == "ready"
    assert aiw.find("tr", data_capability="import-users").attrs["data-status"] == "not-tested"
    assert "library-test-token" not in page.text()


def test_an_unknown_profile_is_a_usage_error(pytester, flows):
    result = pytester.runpytest("--mockscim-html-report", "r.html", "--mockscim-profile", "nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--mockscim-profile: unknown profile 'nope'; known profiles: all, invicti*"]
    )
    assert not (pytester.path / "r.html").exists()
