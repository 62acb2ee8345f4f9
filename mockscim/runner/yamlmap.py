"""Line numbers for JSON paths: ``yaml.compose`` keeps every node's ``start_mark``.

``yaml.safe_load`` returns plain data without positions; composing the same text gives the
node tree, and walking it along a jsonschema ``absolute_path`` finds the line to report.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Sequence

import yaml

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def json_path(path: Sequence[str | int]) -> str:
    """``["steps", 0, "expect"]`` -> ``$.steps[0].expect``; odd keys are quoted."""
    text = "$"
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _IDENTIFIER.fullmatch(part):
            text += f".{part}"
        else:
            text += f"[{part!r}]"
    return text


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    """(node to report, node to descend into) for one path part, or None if absent."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return key, value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item = node.value[part]
        return item, item
    return None


class LineMap:
    """Answers "which line is ``$.steps[1].request`` on?" for one composed document."""

    def __init__(self, root: yaml.Node | None):
        self.root = root

    def line(self, path: Sequence[str | int]) -> int:
        """1-based line of the deepest node along ``path`` (a mapping entry reports its key)."""
        if self.root is None or not path:
            return 1
        node, line = self.root, self.root.start_mark.line + 1
        for part in path:
            found = _child(node, part)
            if found is None:
                break
            line = found[0].start_mark.line + 1
            node = found[1]
        return line


def duplicate_keys(node: yaml.Node | None, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple, int]]:
    """(path, line) of every mapping key that appears twice; safe_load silently keeps the last."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else ""
            if name in seen:
                yield (*path, name), key.start_mark.line + 1
            seen.add(name)
            yield from duplicate_keys(value, (*path, name))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from duplicate_keys(item, (*path, index))
