"""The scenario loader's YAML constructor gives exactly what PyYAML's pure-Python safe loader gives.

The oracle is ``yaml.load(text, Loader=yaml.SafeLoader)``: PyYAML's own parser and constructor,
sharing no code with ``mockscim.runner.yamldata``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from mockscim.library import library_root
from mockscim.runner.loader import _compose_and_construct

ROOT = Path(__file__).resolve().parents[2]

DOCUMENTS = {
    "plain map": "name: a\nsteps:\n  - request: {method: GET, path: /Users}\n",
    "YAML 1.1 booleans": "a: yes\nb: No\nc: on\nd: OFF\ne: true\nf: 'yes'\n",
    "integers in every base": "a: 0x1F\nb: 0o17\nc: 0777\nd: 0b101\ne: -1_000\nf: 1:30\ng: +12\n",
    "floats": "a: .inf\nb: -.Inf\nc: 1e3\nd: 1_000.5\ne: 1:30.5\nf: 6.8523015e+5\n",
    "not a number": "a: .nan\n",
    "nulls": "a: ~\nb: null\nc:\nd: Null\n",
    "scalar keys of every kind": "1: int\ntrue: bool\n~: null\n1.5: float\n'2': str\n",
    "duplicate keys keep the last value": "a: 1\nb: 2\na: 3\n",
    "quoted and block strings": 'a: "x\\ty"\nb: |\n  line\n  two\nc: >\n  folded\n  text\n',
    "a timestamp": "at: 2001-12-14t21:59:43.10-05:00\nday: 2002-12-14\n",
    "binary": "b: !!binary aGVsbG8=\n",
    "a set": "s: !!set {a, b}\n",
    "ordered map": "o: !!omap [a: 1, b: 2]\n",
    "merge keys": "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n",
    "a merge of several maps": "a: &a {x: 1}\nb: &b {y: 2}\nc: {<<: [*a, *b], z: 3}\n",
    "anchors and aliases": "a: &x [1, {k: v}]\nb: *x\nc: &s text\nd: *s\n",
    "a sequence at the top": "- 1\n- two\n- [3]\n",
    "a scalar document": "just text\n",
    "an explicit str tag": "a: !!str 12\nb: !!int '7'\n",
}

ERRORS = {
    "a mapping as a key": "? {a: 1}\n: v\n",
    "a sequence as a key": "? [1]\n: v\n",
    "an unknown tag": "a: !custom 1\n",
    "a python tag": "a: !!python/object:os.system x\n",
    "a merge of a scalar": "a: {<<: 1}\n",
}


def ours(text: str) -> Any:
    """The document as the scenario loader builds it (libyaml's nodes, then ``construct``)."""
    return _compose_and_construct(text)[1]


def oracle(text: str) -> Any:
    """The document as PyYAML's pure-Python safe loader builds it."""
    return yaml.load(text, Loader=yaml.SafeLoader)  # noqa: S506 - SafeLoader is the safe one


def same(a: Any, b: Any) -> bool:
    """Equal values of equal types all the way down (NaN equals NaN; 1 is not True)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


@pytest.mark.parametrize("text", DOCUMENTS.values(), ids=DOCUMENTS.keys())
def test_a_document_reads_as_pyyaml_reads_it(text: str) -> None:
    assert same(ours(text), oracle(text))


def test_aliases_share_one_value_as_in_pyyaml() -> None:
    data, reference = ours(DOCUMENTS["anchors and aliases"]), oracle(DOCUMENTS["anchors and aliases"])
    assert (data["a"] is data["b"]) is (reference["a"] is reference["b"]) is True


def test_nesting_deeper_than_python_recursion_is_built_as_pyyaml_builds_it() -> None:
    # PyYAML's constructor does not recurse; the builder does, and hands such a tree back to it.
    depth = 900  # libyaml stops at 1,000 flow levels
    data = ours("a: " + "[" * depth + "]" * depth + "\n")["a"]
    for _ in range(depth - 1):
        assert isinstance(data, list) and len(data) == 1
        data = data[0]
    assert data == []


def test_a_recursive_anchor_holds_itself_as_in_pyyaml() -> None:
    text = "a: &r [1, *r]\n"
    data, reference = ours(text), oracle(text)
    assert data["a"][1] is data["a"] and reference["a"][1] is reference["a"]


@pytest.mark.parametrize("text", ERRORS.values(), ids=ERRORS.keys())
def test_a_document_pyyaml_refuses_is_refused_the_same_way(text: str) -> None:
    with pytest.raises(yaml.YAMLError) as expected:
        oracle(text)
    with pytest.raises(type(expected.value)) as got:
        ours(text)
    assert getattr(got.value, "problem", None) == getattr(expected.value, "problem", None)


@pytest.mark.parametrize("root", ["library", "scenarios", "tests"])
def test_every_shipped_yaml_file_reads_as_pyyaml_reads_it(root: str) -> None:
    folder = library_root() if root == "library" else ROOT / root
    files = sorted(folder.rglob("*.yaml"))
    assert files, f"no YAML files under {folder}"
    for file in files:
        text = file.read_text(encoding="utf-8")
        try:
            reference = oracle(text)
        except yaml.YAMLError:
            continue  # a deliberately broken fixture: the loader's own tests cover those
        assert same(ours(text), reference), file


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["yes", "off", "0x1F", "1:30", "~", ".inf", "2002-12-14", "<<", "="]),
)
_DATA = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_DATA, st.sampled_from([None, True, False]))
def test_any_dumped_data_reads_as_pyyaml_reads_it(data: Any, flow: bool | None) -> None:
    text = yaml.safe_dump(data, default_flow_style=flow, allow_unicode=True)
    assert same(ours(text), oracle(text))
