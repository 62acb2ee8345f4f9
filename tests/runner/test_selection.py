"""Choosing scenarios with -k expressions and --dialect."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockscim.runner import Scenario
from mockscim.runner import SelectionError
from mockscim.runner import select

CATALOG = [
    Scenario("Okta assigns a new user", (), Path("assign-new-user.scenario.yaml"), tags=("okta", "assign")),
    Scenario("AIW unassign", (), Path("unassign-aiw.scenario.yaml"), tags=("okta", "aiw", "unassign")),
    Scenario("OIN deactivate", (), Path("deactivate-oin.scenario.yaml"), tags=("okta", "oin", "deactivate")),
    Scenario("Paging", (), Path("rfc/paging.scenario.yaml"), tags=("rfc",)),
]


def _names(scenarios: list[Scenario]) -> list[str]:
    return [s.name for s in scenarios]


@pytest.mark.parametrize(
    ("expression", "names"),
    [
        ("okta", ["Okta assigns a new user", "AIW unassign", "OIN deactivate"]),
        ("ASSIGN", ["Okta assigns a new user", "AIW unassign"]),
        ("not okta", ["Paging"]),
        ("okta and not aiw and not oin", ["Okta assigns a new user"]),
        ("aiw or rfc", ["AIW unassign", "Paging"]),
        ("(aiw or oin) and deactivate", ["OIN deactivate"]),
        ("paging.scenario", ["Paging"]),
        ("nothing-matches", []),
    ],
)
def test_keyword_expression_selects_by_name_file_or_tag(expression, names):
    assert _names(select(CATALOG, keyword=expression)) == names


@pytest.mark.parametrize("expression", ["and", "okta and", "(okta", "okta rfc", "okta )", "not"])
def test_invalid_keyword_expression_is_an_error(expression):
    with pytest.raises(SelectionError):
        select(CATALOG, keyword=expression)


@pytest.mark.parametrize(
    ("dialect", "names"),
    [
        (None, ["Okta assigns a new user", "AIW unassign", "OIN deactivate", "Paging"]),
        ("aiw", ["Okta assigns a new user", "AIW unassign", "Paging"]),
        ("oin", ["Okta assigns a new user", "OIN deactivate", "Paging"]),
    ],
)
def test_dialect_keeps_neutral_scenarios(dialect, names):
    assert _names(select(CATALOG, dialect=dialect)) == names


def test_unknown_dialect_is_an_error():
    with pytest.raises(SelectionError):
        select(CATALOG, dialect="scim1")


def test_dialect_comes_from_tags():
    assert [s.dialect for s in CATALOG] == [None, "aiw", "oin", None]
