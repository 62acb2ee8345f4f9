"""``--schema-extension FILE``: read, check and model a custom User extension schema.

The file is written like an entry of ``GET /Schemas`` (RFC 7643 §7), in YAML or JSON; the
packaged ``schema-extension.schema.json`` is the single source of truth for its format. Every
problem is reported as ``file: $.path: what is wrong. how to fix it``.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from mockscim.config import ConfigError
from mockscim.scim.schema import BUILT_IN_URNS
from mockscim.scim.schema import Schema
from mockscim.scim.schema import declared_schema

if TYPE_CHECKING:  # imported where used: `mockscim serve` without extensions starts without them
    from jsonschema.exceptions import ValidationError

EXAMPLE = "examples/custom-extension.yaml"


@cache
def file_schema() -> dict[str, Any]:
    """The packaged JSON Schema of an extension file (draft 2020-12)."""
    text = resources.files("mockscim").joinpath("schema-extension.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def example_path() -> Path:
    """The packaged example extension (what ``mockscim run``'s embedded mock declares)."""
    from mockscim.library import packaged_file

    return packaged_file(EXAMPLE)  # a real file also when mockscim is imported from a zip


def _where(path: Iterable[Any]) -> str:
    """A JSON path such as ``$.attributes[1].type``."""
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _hint(error: ValidationError) -> str:
    """The schema's description of the offending value, as the how-to-fix part."""
    description = error.schema.get("description") if isinstance(error.schema, dict) else None
    return f". {description}" if description else ""


def _message(error: ValidationError) -> str:
    """A short, specific message for the validators the format uses."""
    kind, value = error.validator, error.instance
    if kind == "required":
        missing = next(k for k in error.validator_value if k not in value)
        return f"missing required key {missing!r}{_hint(error)}"
    if kind in ("additionalProperties", "unevaluatedProperties"):
        allowed = sorted(_allowed_keys(error.schema))
        unknown = [k for k in value if k not in allowed]
        close = difflib.get_close_matches(str(unknown[0]), allowed, n=1) if unknown else []
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"unknown key {unknown[0]!r}; {hint}allowed keys: {', '.join(allowed)}"
    if kind == "enum":
        close = difflib.get_close_matches(str(value), [str(v) for v in error.validator_value], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        choices = ", ".join(map(str, error.validator_value))
        return f"{json.dumps(value)} is not one of: {choices}{hint}{_hint(error)}"
    return f"{error.message}{_hint(error)}"


def _echo(error: ValidationError) -> bool:
    """An ``unevaluatedProperties`` error that only repeats another one: a key whose value was
    wrong counts as not evaluated, though the key itself is allowed."""
    if error.validator != "unevaluatedProperties":
        return False
    return all(key in _allowed_keys(error.schema) for key in error.instance)


def _allowed_keys(schema: dict[str, Any]) -> set[str]:
    """The property names a (sub-)schema allows, following ``allOf`` and local ``$ref``s."""
    keys = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        ref = part.get("$ref", "")
        target = file_schema()["$defs"].get(ref.removeprefix("#/$defs/"), part) if ref else part
        keys |= _allowed_keys(target)
    return keys


def _semantic_problems(document: dict[str, Any]) -> list[str]:
    """What the JSON Schema cannot say: duplicates, complex without sub-attributes, clashes."""
    problems = []
    if document["id"].lower() in (urn.lower() for urn in BUILT_IN_URNS):
        problems.append(f"$.id: {document['id']} is built in; give your extension its own URN")
    problems += _attribute_problems(document["attributes"], "$.attributes")
    return problems


def _attribute_problems(attributes: list[dict[str, Any]], where: str) -> list[str]:
    """Duplicate names (case-insensitive, RFC 7643 §2.1), and type/subAttributes agreement."""
    problems, seen = [], set()
    for index, attr in enumerate(attributes):
        here = f"{where}[{index}]"
        if attr["name"].lower() in seen:
            problems.append(f"{here}.name: {attr['name']!r} is declared twice (names are case-insensitive)")
        seen.add(attr["name"].lower())
        complex_ = attr.get("type") == "complex"
        if complex_ and "subAttributes" not in attr:
            problems.append(f"{here}: type complex needs subAttributes: [{{name: ..., type: ...}}]")
        if not complex_ and "subAttributes" in attr:
            problems.append(f"{here}.subAttributes: only a type complex attribute has sub-attributes")
        if attr.get("required") and attr.get("mutability") == "readOnly":
            problems.append(f"{here}: a readOnly attribute cannot be required (clients cannot set it)")
        problems += _attribute_problems(attr.get("subAttributes", []), f"{here}.subAttributes")
    return problems


def check_extension(document: Any, source: str) -> Schema:
    """Validate one parsed extension document and return its Schema; raise ConfigError."""
    if not isinstance(document, dict):
        raise ConfigError(
            f"{source}: the file must be a mapping with id: (the extension URN) and attributes: [...]; "
            f"see {EXAMPLE} in the mockscim package"
        )
    from jsonschema import Draft202012Validator

    errors = sorted(Draft202012Validator(file_schema()).iter_errors(document), key=lambda e: list(e.path))
    problems = [f"{_where(e.absolute_path)}: {_message(e)}" for e in errors if not _echo(e)]
    if not problems:
        problems = _semantic_problems(document)
    if problems:
        raise ConfigError("\n".join(f"{source}: {problem}" for problem in problems))
    return declared_schema(document)


def read_extension(path: Path) -> Schema:
    """Read and check one ``--schema-extension`` file (YAML, or JSON for ``.json``)."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the schema extension file: {exc}") from None
    try:
        document = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
        raise ConfigError(f"{path}: not valid {kind}: {exc}") from None
    return check_extension(document, str(path))


def load_extension_files(paths: Iterable[Path | str]) -> tuple[Schema, ...]:
    """Every file's extension, in order; two files may not declare the same URN."""
    schemas: list[Schema] = []
    for path in map(Path, paths):
        schema = read_extension(path)
        clash = next((s for s in schemas if s.id.lower() == schema.id.lower()), None)
        if clash is not None:
            raise ConfigError(f"{path}: $.id: {schema.id} is already declared by another file; keep one")
        schemas.append(schema)
    return tuple(schemas)
