"""Traffic mixes: the built-in profiles, and custom YAML mixes with file:line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockscim.load.mix import FLOWS
from mockscim.load.mix import PROFILES
from mockscim.load.mix import MixError
from mockscim.load.mix import resolve


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_profile_names_known_flows(name):
    mix = resolve(name)
    assert set(mix.operations) <= set(FLOWS)
    assert any(mix.operations.values())


def test_a_custom_mix_is_read(tmp_path: Path):
    path = tmp_path / "nightly.yaml"
    path.write_text("name: nightly\noperations:\n  assign: 3\n  membership: 7\nshared_groups: 4\n")
    mix = resolve(str(path))
    assert (mix.name, mix.operations["membership"], mix.operations["import"], mix.shared_groups) == (
        "nightly",
        7,
        0,
        4,
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "operations:\n  assign: 3\n  membershp: 2\n",
            "mix.yaml:3: $.operations.membershp: unknown key 'membershp'; did you mean 'membership'?",
        ),
        ("operations:\n  assign: -1\n", "mix.yaml:2: $.operations.assign: -1 is below 0. A relative weight"),
        (
            "operations:\n  assign: 1\nshared_groups: many\n",
            'mix.yaml:3: $.shared_groups: "many" is not an integer. How many groups',
        ),
        ("name: x\n", "mix.yaml:1: $: missing required key 'operations'"),
        ("operations:\n  assign: 0\n", "mix.yaml:1: $.operations: every weight is 0"),
        ("operations: [assign\n", "mix.yaml:2: YAML syntax error"),
        (
            "operations:\n  assign: 1\ngroup_sise: 3\n",
            "mix.yaml:3: $.group_sise: unknown key 'group_sise'; did you mean 'group_size'?",
        ),
    ],
)
def test_a_bad_mix_is_named_by_line(tmp_path: Path, monkeypatch, text: str, message: str):
    monkeypatch.chdir(tmp_path)
    Path("mix.yaml").write_text(text)
    with pytest.raises(MixError) as error:
        resolve("mix.yaml")
    assert str(error.value).startswith(message)


def test_an_unknown_profile_lists_the_profiles():
    with pytest.raises(
        MixError, match="no profile named 'storm'; use one of balanced, group-storm, import, onboarding"
    ):
        resolve("storm")
