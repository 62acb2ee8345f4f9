"""Matching recorded values against scenario templates with ``${name}`` placeholders.

An unbound name matches anything and binds to what it matched; a bound name must match its
value. A whole-value ``"${name}"`` matches any JSON value (its type kept); inside a longer string
it matches text. Bindings are copied per attempt, so a failed comparison binds nothing.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

from mockscim.inspect.masking import MASK
from mockscim.runner.pointer import MISSING
from mockscim.runner.variables import REFERENCE
from mockscim.runner.variables import WHOLE
from mockscim.runner.variables import as_text

Bindings = dict[str, Any]


def _lookup(reference: str, bindings: Bindings) -> Any:
    """The bound value of ``name`` or ``name.key.0``, or MISSING when not (fully) bound."""
    name, *keys = reference.split(".")
    value = bindings.get(name, MISSING)
    for key in keys:
        if isinstance(value, dict):
            value = value.get(key, MISSING)
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return MISSING
    return value


def _pattern(template: str, bindings: Bindings, segment: bool) -> tuple[re.Pattern[str], dict[str, str]]:
    """A regex for ``template``: bound names as literals, unbound ones as named groups."""
    references = sorted({m.group(1) for m in REFERENCE.finditer(template) if m.group(1)})
    bound = tuple((r, None if (v := _lookup(r, bindings)) is MISSING else as_text(v)) for r in references)
    return _build(template, bound, segment)


@lru_cache(maxsize=4096)
def _build(
    template: str, bound: tuple[tuple[str, str | None], ...], segment: bool
) -> tuple[re.Pattern[str], dict[str, str]]:
    """The regex and its group names for one template, given each reference's bound text (None:
    unbound). Cached: verify compares the same templates against every journal entry."""
    known = dict(bound)
    groups: dict[str, str] = {}
    parts, position = [], 0
    wildcard = r"[^/?&]+?" if segment else r".*?"
    for match in REFERENCE.finditer(template):
        parts.append(re.escape(template[position : match.start()]))
        position = match.end()
        if match.group(0) == "$${":
            parts.append(re.escape("${"))
            continue
        reference = match.group(1)
        text = known.get(reference)
        if text is not None:
            parts.append(re.escape(text))
        elif "." in reference:
            parts.append(wildcard)  # a key of an unbound object: cannot bind part of it
        elif reference in groups.values():
            parts.append(f"(?P={next(g for g, n in groups.items() if n == reference)})")
        else:
            group = f"g{len(groups)}"
            groups[group] = reference
            parts.append(f"(?P<{group}>{wildcard})")
    parts.append(re.escape(template[position:]))
    return re.compile("".join(parts), re.S), groups


def match_text(template: str, actual: str, bindings: Bindings, *, segment: bool = False) -> bool:
    """Match a string template; on success add the new bindings to ``bindings``."""
    regex, groups = _pattern(template, bindings, segment)
    found = regex.fullmatch(actual)
    if found is None:
        return False
    for group, name in groups.items():
        bindings[name] = found.group(group)
    return True


QUIET = "differs"  # the difference reported when no explanation was asked for


def _scalar(expected: Any, actual: Any, bindings: Bindings, where: str, explain: bool = True) -> list[str]:
    """Compare a leaf: templates bind, other values compare as JSON."""
    if isinstance(expected, str) and (whole := WHOLE.fullmatch(expected)):
        bound = _lookup(whole.group(1), bindings)
        if bound is MISSING:
            if "." not in whole.group(1):
                bindings[whole.group(1)] = actual
            return []
        expected = bound
    if actual == MASK and isinstance(expected, str):
        return []  # passwords are masked in the journal; any expected password matches
    if isinstance(expected, str) and "${" in expected:
        same = isinstance(actual, str) and match_text(expected, actual, bindings)
    else:
        same = expected == actual and isinstance(expected, bool) == isinstance(actual, bool)
    if same:
        return []
    return [f"{where or '/'} is {_show(actual)}, expected {_show(expected)}" if explain else QUIET]


def _show(value: Any) -> str:
    """A short JSON rendering for difference messages."""
    text = json.dumps(value, ensure_ascii=False) if value is not MISSING else "missing"
    return text if len(text) <= 80 else text[:77] + "..."


def match_value(
    expected: Any, actual: Any, bindings: Bindings, where: str = "", *, explain: bool = True
) -> list[str]:
    """Subset-match ``actual`` against ``expected``; return the differences (empty: a match).
    Without ``explain`` the first difference ends the comparison and is not described (the
    verdict is the same; the search compares thousands of requests and reads only that)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where or '/'} is {_show(actual)}, expected an object" if explain else QUIET]
        diffs: list[str] = []
        for key, item in expected.items():
            if key not in actual:
                diffs.append(f"{where}/{key} is missing" if explain else QUIET)
            else:
                diffs += match_value(item, actual[key], bindings, f"{where}/{key}", explain=explain)
            if diffs and not explain:
                return diffs
        return diffs
    if isinstance(expected, list):
        return _match_list(expected, actual, bindings, where, explain)
    return _scalar(expected, actual, bindings, where, explain)


def _match_list(
    expected: list[Any], actual: Any, bindings: Bindings, where: str, explain: bool = True
) -> list[str]:
    """Each expected item must match a different actual item, in any order; an expected ``[]``
    matches only ``[]`` (the runner's rule too: mockscim/runner/matchers.py)."""
    if not isinstance(actual, list):
        return [f"{where or '/'} is {_show(actual)}, expected an array" if explain else QUIET]
    if not expected and actual:
        return [f"{where or '/'} has {len(actual)} items, expected an empty array" if explain else QUIET]
    free = list(range(len(actual)))
    for index, item in enumerate(expected):
        tried: list[list[str]] = []
        for candidate in free:
            trial = dict(bindings)
            diffs = match_value(item, actual[candidate], trial, f"{where}/{candidate}", explain=explain)
            if not diffs:
                bindings.update(trial)
                free.remove(candidate)
                break
            tried.append(diffs)
        else:
            if not explain:
                return [QUIET]
            # Explain with the item that came closest, so the report says what differs.
            return (
                min(tried, key=len)
                if tried
                else [f"{where}/{index} is missing: no item matches {_show(item)}"]
            )
    return []


def bound_text(template: str, bindings: Bindings) -> str | None:
    """The text ``template`` must equal under ``bindings``, or None while a name is unbound.

    ``match_text`` turns bound names into literals, so a template without unbound names
    matches exactly this text; the journal index uses it to look candidates up."""
    parts, position = [], 0
    for match in REFERENCE.finditer(template):
        parts.append(template[position : match.start()])
        position = match.end()
        if match.group(0) == "$${":
            parts.append("${")
            continue
        value = _lookup(match.group(1), bindings)
        if value is MISSING:
            return None
        parts.append(as_text(value))
    parts.append(template[position:])
    return "".join(parts)


def bound_scalar(template: Any, bindings: Bindings) -> tuple[bool, Any]:
    """(True, value) when a body leaf ``template`` can only match a recorded ``value`` equal to
    it (as ``_scalar`` compares); (False, None) for objects, arrays and unbound names."""
    if isinstance(template, dict | list):
        return False, None
    if isinstance(template, str) and (whole := WHOLE.fullmatch(template)):
        value = _lookup(whole.group(1), bindings)
        if value is MISSING or isinstance(value, dict | list) or (isinstance(value, str) and "${" in value):
            return False, None
        return True, value
    if isinstance(template, str) and "${" in template:
        text = bound_text(template, bindings)
        return (text is not None), text
    return True, template


def wanted_query(query: dict[str, Any], literal: str) -> dict[str, str]:
    """The query parameters a step expects, as templates: its ``query`` mapping (booleans as
    ``true``/``false``, None left out) plus any written in the path (the journal holds decoded
    values, so they are decoded too)."""
    wanted = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in query.items() if v is not None}
    for pair in filter(None, literal.split("&")):
        key, _, value = pair.partition("=")
        wanted.setdefault(unquote_plus(key), unquote_plus(value))
    return wanted
