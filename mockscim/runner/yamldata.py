"""Plain data from a composed YAML node tree: what ``yaml.safe_load`` returns, built faster.

PyYAML's constructor is Python even when libyaml composes the nodes, and its generic machinery
(a generator per mapping, recursion bookkeeping, a resolver call per node) was about a third
of loading the scenario library: 22 ms, against 7 ms here (docs/performance.md). Scenarios are
plain maps, lists and scalars, so ``construct`` builds those directly and leaves each scalar's
value to the safe constructor's own function for its tag: ``yes``, ``0x1F``, ``1:30`` and
``.inf`` read as YAML 1.1 reads them. Anything else (merge keys, ``!!set`` and other tags, keys
that are not scalars, an anchor that contains itself, nesting deeper than Python recurses) goes
to PyYAML's constructor for the whole document, so the result and every error stay PyYAML's.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import SafeConstructor

_TAG = "tag:yaml.org,2002:"
_MAP, _SEQ, _STR = _TAG + "map", _TAG + "seq", _TAG + "str"
# Scalar tags whose safe-constructor function is called directly, and the tags a key may have.
_SCALARS = frozenset(_TAG + name for name in ("null", "bool", "int", "float"))
_KEY_TAGS = _SCALARS | {_STR}


class _Unusual(Exception):
    """The node tree holds something only PyYAML's own constructor builds the same way."""


def construct(loader: SafeConstructor, root: yaml.Node) -> Any:
    """``loader.construct_document(root)``'s result, built directly when the tree is plain."""
    try:
        return _Builder(loader).build(root)
    except (_Unusual, RecursionError):  # PyYAML builds deep nesting without recursing
        return loader.construct_document(root)


class _Builder:
    """Builds one document; an aliased node is built once and shared, as PyYAML does."""

    def __init__(self, loader: SafeConstructor) -> None:
        self._loader = loader
        self._built: dict[int, Any] = {}
        self._open: set[int] = set()  # nodes being built: meeting one again is a recursive anchor

    def build(self, node: yaml.Node) -> Any:
        """The value of ``node``."""
        if node.tag == _STR and isinstance(node, yaml.ScalarNode):
            return node.value
        key = id(node)
        if key in self._built:
            return self._built[key]
        if key in self._open:
            raise _Unusual
        self._open.add(key)
        value = self._value(node)
        self._open.discard(key)
        self._built[key] = value
        return value

    def _value(self, node: yaml.Node) -> Any:
        """The value of a node that is not a plain string."""
        if isinstance(node, yaml.ScalarNode) and node.tag in _SCALARS:
            return self._loader.yaml_constructors[node.tag](self._loader, node)
        if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
            return [self.build(item) for item in node.value]
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
            return self._mapping(node)
        raise _Unusual

    def _mapping(self, node: yaml.MappingNode) -> dict[Any, Any]:
        """A mapping whose keys are scalars without merge (``<<``) or value (``=``) keys."""
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _KEY_TAGS:
                raise _Unusual
            mapping[self.build(key_node)] = self.build(value_node)
        return mapping
