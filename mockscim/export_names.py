"""Naming for the export: recorded values become variables, so an exported scenario replays.

- ids the server assigned become variables saved from the response that created them;
- values Okta chose (user names, ``externalId``, group names, renames) become ``vars`` made
  unique per run with ``${unique}`` (``literal=True`` keeps them as recorded);
- ``userName`` and ``emails`` values are case-insensitive (RFC 7643 §4.1.1): a case variant of a
  recorded value gets a derived variable (``user_1_name_case_2``) made from its own letters, so
  a duplicate that differed only in case still conflicts on replay;
- ETags the server sent (RFC 7644 §3.14) are saved from their response, so If-Match and
  If-None-Match carry the replay target's own versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from mockscim.inspect.classify import route_of
from mockscim.inspect.masking import MASK

Entry = dict[str, Any]


@dataclass
class Names:
    """The value → variable table built while reading the journal, in order of appearance."""

    literal: bool
    vars: dict[str, Any] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)  # recorded text -> "${name}"
    counts: dict[str, int] = field(default_factory=dict)
    unknown_ids: set[str] = field(default_factory=set)
    # casefolded recorded value -> (variable, how to make a variant's value), RFC 7643 §4.1.1
    insensitive: dict[str, tuple[str, Any]] = field(default_factory=dict)
    etags: dict[str, str] = field(default_factory=dict)  # recorded ETag -> "${etag_N}"

    def resource(self, kind: str) -> int:
        """Number the next created resource of ``kind`` (user_1, user_2, group_1, ...)."""
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return self.counts[kind]

    def bind(self, recorded: Any, name: str, value: Any | None = None, make: Any = None) -> None:
        """Replace ``recorded`` by ``${name}`` from now on; ``value`` goes into ``vars``.

        ``make`` (text -> value) marks a case-insensitive value: its case variants get
        variables of their own, made the same way from the variant's text.
        """
        if not isinstance(recorded, str) or not recorded or recorded in self.values:
            return
        self.values[recorded] = "${" + name + "}"
        if value is not None:
            self.vars[name] = recorded if self.literal else value
        if make is not None:
            self.insensitive.setdefault(recorded.casefold(), (name, make))

    def _variants(self, text: str) -> None:
        """Bind every case variant of a case-insensitive recorded value found in ``text``."""
        folded = text.casefold()
        if len(folded) != len(text):
            return  # casefold changed lengths (e.g. "ß"): positions would not line up
        for key, (name, make) in self.insensitive.items():
            start = folded.find(key)
            while start >= 0:
                variant = text[start : start + len(key)]
                if variant not in self.values:
                    number = sum(1 for v in self.vars if v.startswith(name + "_case_")) + 2
                    self.bind(variant, f"{name}_case_{number}", make(variant))
                start = folded.find(key, start + 1)

    def apply(self, value: Any) -> Any:
        """Substitute every known recorded value inside strings, recursively."""
        if isinstance(value, dict):
            return {k: self.apply(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.apply(v) for v in value]
        if not isinstance(value, str):
            return value
        if value == MASK:
            return "${password}"
        if self.insensitive:
            self._variants(value)
        for recorded in sorted(self.values, key=len, reverse=True):
            if recorded in value:
                value = value.replace(recorded, self.values[recorded])
        return value


def unique_email(address: str) -> str:
    """``tina@example.com`` -> ``tina+${unique}@example.com`` (still a valid address)."""
    local, at, domain = address.partition("@")
    return f"{local}+${{unique}}@{domain}" if at else f"{address}-${{unique}}"


def learn_created(names: Names, entry: Entry) -> str | None:
    """Register the ids and Okta-chosen values of a resource created by this entry."""
    rtype = (entry.get("resource") or {}).get("type")
    body = entry["response"].get("body")
    request_body = entry["request"].get("body") if isinstance(entry["request"].get("body"), dict) else {}
    if (
        entry["request"]["method"] != "POST"
        or entry["response"]["status"] != 201
        or not isinstance(body, dict)
    ):
        return None
    kind = {"User": "user", "Group": "group"}.get(rtype or "")
    if kind is None or not isinstance(body.get("id"), str):
        return None
    prefix = f"{kind}_{names.resource(kind)}"
    if kind == "user":
        user_name = request_body.get("userName")
        names.bind(user_name, f"{prefix}_name", unique_email(str(user_name)), make=unique_email)
        external = request_body.get("externalId")
        names.bind(external, f"{prefix}_external_id", f"00u${{unique}}{names.counts['user']:07d}")
    else:
        names.bind(
            request_body.get("displayName"),
            f"{prefix}_name",
            f"{request_body.get('displayName')} ${{unique}}",
        )
    names.bind(body["id"], f"{prefix}_id")
    return f"{prefix}_id"


def learn_renames(names: Names, entry: Entry) -> None:
    """A new userName or group displayName set by a successful write (a rename) becomes a variable
    made unique per run, like the names chosen at create time; a name built on a known one
    (``${group_1_name} (renamed)``) is already unique."""
    request = entry["request"]
    _, rtype, rid = route_of(request.get("scim_path") or request["path"])
    key = {"User": "userName", "Group": "displayName"}.get(rtype or "")
    if key is None or rid is None or request["method"] not in ("PUT", "PATCH"):
        return
    if not 200 <= entry["response"]["status"] < 300:
        return
    prefix = (names.values.get(rid) or "${resource").removeprefix("${").removesuffix("_id}")
    body = request.get("body")
    operations = body.get("Operations") if isinstance(body, dict) else None
    by_path = [  # PATCH {op: replace, path: displayName, value: "..."}
        op["value"]
        for op in operations or []
        if isinstance(op, dict)
        and str(op.get("path", "")).lower() == key.lower()
        and isinstance(op.get("value"), str)
    ]
    for value in _strings_under(body, key) + by_path:
        if names.apply(value) != value:
            continue
        number = sum(1 for v in names.vars if v.startswith(f"{prefix}_name")) + 1
        if key == "userName":
            names.bind(value, f"{prefix}_name_{number}", unique_email(value), make=unique_email)
        else:
            names.bind(value, f"{prefix}_name_{number}", f"{value} ${{unique}}")


def _strings_under(value: Any, key: str) -> list[str]:
    """Every string under ``key`` anywhere in a JSON value (PUT bodies and PATCH operations)."""
    if isinstance(value, dict):
        found = [v for k, v in value.items() if k == key and isinstance(v, str)]
        return found + [s for k, v in value.items() if k != key for s in _strings_under(v, key)]
    if isinstance(value, list):
        return [s for item in value for s in _strings_under(item, key)]
    return []


def conditions(entries: list[Entry]) -> str:
    """Every If-Match and If-None-Match value the entries sent, as one text to search."""
    return "\n".join(
        value
        for entry in entries
        for name, value in (entry["request"].get("headers") or {}).items()
        if name.lower() in ("if-match", "if-none-match") and isinstance(value, str)
    )


def learn_etag(names: Names, entry: Entry, sent: str) -> str | None:
    """An ETag the server sent (RFC 7644 §3.14) and a later If-Match or If-None-Match carried
    (``sent``) becomes a variable saved from its response, so the replay sends the target's own
    version."""
    headers = {k.lower(): v for k, v in (entry["response"].get("headers") or {}).items()}
    etag = headers.get("etag")
    if not isinstance(etag, str) or not etag or etag in names.etags or etag not in sent:
        return None
    name = f"etag_{len(names.etags) + 1}"
    names.etags[etag] = "${" + name + "}"
    return name


def conditional_headers(entry: Entry, names: Names) -> dict[str, str]:
    """If-Match / If-None-Match as recorded, with known ETags replaced by their variables."""
    headers = entry["request"].get("headers") or {}
    out = {}
    for name in ("If-Match", "If-None-Match"):
        value = headers.get(name.lower())
        if isinstance(value, str):
            for etag, variable in names.etags.items():
                value = value.replace(etag, variable)
            out[name] = value
    return out
