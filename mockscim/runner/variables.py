"""``${name}`` substitution and the built-in variables.

- ``${name}`` inside a longer string is replaced by the value's text (JSON text for
  numbers, booleans, null, lists and objects).
- A string that is exactly ``"${name}"`` becomes the value itself, keeping its type.
- ``${name.key.0}`` reads into an object or list value (each part is a key or an index).
- ``$${`` writes a literal ``${``. Any other ``$`` is literal, so SCIM's ``$ref`` is safe.
- An unknown name is an error, never literal text (tavern's ``str.format`` pitfall).
"""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any

from mockscim.runner.errors import UnknownVariable

# "$${" escapes; "${...}" is a reference. The name syntax is checked separately for a clear message.
REFERENCE = re.compile(r"\$\$\{|\$\{([^}]*)\}")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*")
WHOLE = re.compile(r"\$\{([^}]*)\}")

BUILTINS = ("unique", "okta_user_id", "given_name", "family_name", "email", "password", "base_url")
LOOP_VARIABLES = ("index", "padded_index", "item")

# Realistic first and last names: Okta's own Runscope script randomises them (docs/okta-reference.md §12).
GIVEN_NAMES = (
    "Tina Jane Maria Aiko Priya Chen Olivia Fatima Lena Sofia Amara Ingrid Mateo James Noah Ravi "
    "Omar Lucas Kenji Diego Samuel Pavel Hugo Emeka"
).split()
FAMILY_NAMES = (
    "Erickson Doe Garcia Tanaka Sharma Wang Smith Haddad Novak Rossi Okafor Lindqvist Alvarez "
    "Johnson Kim Patel Costa Ivanova Dubois Mensah Nakamura Schmidt Oconnor Kowalski"
).split()
_ALNUM = string.ascii_letters + string.digits
_LOWER_ALNUM = string.ascii_lowercase + string.digits


def builtins(base_url: str, rng: random.Random | None = None) -> dict[str, Any]:
    """Fresh built-in values for one scenario run: each name has ONE value per scenario."""
    rng = rng or random.SystemRandom()
    unique = "".join(rng.choice(_LOWER_ALNUM) for _ in range(10))
    given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
    return {
        "unique": unique,
        # Okta user ids are "00u" + 17 alphanumerics, sent as externalId (docs/okta-reference.md §5.2).
        "okta_user_id": "00u" + "".join(rng.choice(_ALNUM) for _ in range(17)),
        "given_name": given,
        "family_name": family,
        # Built from the names like Okta's Runscope randomEmail (docs/okta-reference.md §12); the unique
        # token keeps it collision-free on servers that are not reset between runs.
        "email": f"{given}.{family}.{unique}@example.com",
        # Okta always sends an 8-character placeholder password on create (docs/okta-reference.md §5.2).
        "password": "".join(rng.choice(_LOWER_ALNUM) for _ in range(8)),
        "base_url": base_url,
    }


def references(text: str) -> Iterator[str]:
    """Every ``${...}`` reference in ``text`` (the raw text between the braces)."""
    for match in REFERENCE.finditer(text):
        if match.group(0) != "$${":
            yield match.group(1)


def root_name(reference: str) -> str:
    """``user.name.givenName`` -> ``user``."""
    return reference.split(".", 1)[0]


def check_reference(reference: str) -> str | None:
    """An error message if ``reference`` is not a valid ``name`` or ``name.key`` reference."""
    if NAME.fullmatch(reference):
        return None
    return (
        f"invalid variable reference ${{{reference}}}; use ${{name}} with letters, digits and _ "
        "(write $${ for a literal ${)"
    )


def lookup(reference: str, variables: Mapping[str, Any]) -> Any:
    """The value of ``name`` or ``name.key.0``; raise UnknownVariable if it does not exist."""
    name, *keys = reference.split(".")
    if name not in variables:
        raise UnknownVariable(name, list(variables))
    value = variables[name]
    for key in keys:
        if isinstance(value, dict) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            raise UnknownVariable(reference, detail=f"{as_text(value)[:80]} has no {key!r}")
    return value


def as_text(value: Any) -> str:
    """How a value reads inside a longer string: strings as-is, the rest as JSON text."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def substitute_text(text: str, variables: Mapping[str, Any]) -> Any:
    """Substitute one string; a whole ``"${name}"`` keeps the value's type."""
    whole = WHOLE.fullmatch(text)
    if whole:
        return lookup(whole.group(1), variables)

    def replace(match: re.Match[str]) -> str:
        """The text for one reference (or a literal ``${`` for ``$${``)."""
        if match.group(0) == "$${":
            return "${"
        return as_text(lookup(match.group(1), variables))

    return REFERENCE.sub(replace, text)


def substitute(value: Any, variables: Mapping[str, Any]) -> Any:
    """Substitute every string in a JSON-like value; a mapping key becomes the text it names,
    e.g. ``${custom_urn}: {...}`` for an extension object under a URN that a variable holds."""
    if isinstance(value, str):
        return substitute_text(value, variables) if "$" in value else value
    if isinstance(value, dict):
        return {_key(key, variables): substitute(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, variables) for item in value]
    return value


def _key(key: Any, variables: Mapping[str, Any]) -> Any:
    """A mapping key with its ``${...}`` references substituted, as text."""
    if isinstance(key, str) and "${" in key:
        return as_text(substitute_text(key, variables))
    return key
