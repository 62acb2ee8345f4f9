"""Every password form the server accepts, sent to a real ``mockscim serve`` process, and searched
for in every output: the answers themselves (error details), the journal (admin API, entry pages,
the dashboard, the event stream, the download, the export), the journal and state files, and the
logs. Each form carries its own secret, so a leak names the form that leaked.

The forms are generated from a table: key spellings × places in a request × body validity, sent
with and without credentials, to a server in the default mode and one in ``--strict`` mode
(whose refusals quote findings).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import quote

import pytest
import requests
from hardening.leaks import REVEALS_CREDENTIALS
from hardening.leaks import every_answer
from hardening.leaks import every_file
from hardening.leaks import serving
from hardening.leaks import stop

from mockscim.constants import PATCH_OP
from mockscim.constants import SEARCH_REQUEST
from mockscim.constants import USER_SCHEMA

USER, TOKEN = "okta", "tok-forms-3b7d11e0"
SCIM = "/scim/v2"

# How the attribute may be spelled: any case, URN-qualified (RFC 7644 §3.10), or with a JSON
# escape in the key (a JSON reader turns "p\u0061ssword" into "password").
SPELLINGS = {
    "plain": "password",
    "upper": "PASSWORD",
    "title": "Password",
    "mixed": "pAsSwOrD",
    "urn": f"{USER_SCHEMA}:password",
    "urn-upper": f"{USER_SCHEMA}:password".upper(),
    "escaped": "p\\u0061ssword",
}
FILTER_SPELLINGS = [k for k in SPELLINGS if k != "escaped"]  # a filter has no JSON escapes

# Where a password can travel in a request body: KEY is the spelling, SECRET the JSON string.
PLACES = {
    "create": ("POST", "/Users", '{"schemas": ["CORE"], "userName": "NAME", "KEY": SECRET}'),
    "replace": ("PUT", "/Users/ID", '{"schemas": ["CORE"], "userName": "target@example.com", "KEY": SECRET}'),
    "under-core-urn": ("POST", "/Users", '{"userName": "NAME", "CORE": {"KEY": SECRET}}'),
    "patch-path": (
        "PATCH",
        "/Users/ID",
        '{"schemas": ["PATCHOP"], "Operations": [{"op": "replace", "path": "KEY", "value": SECRET}]}',
    ),
    "patch-add": (
        "PATCH",
        "/Users/ID",
        '{"schemas": ["PATCHOP"], "Operations": [{"op": "add", "path": "KEY", "value": SECRET}]}',
    ),
    "patch-value": (
        "PATCH",
        "/Users/ID",
        '{"schemas": ["PATCHOP"], "Operations": [{"op": "replace", "value": {"KEY": SECRET}}]}',
    ),
    "patch-value-core-urn": (
        "PATCH",
        "/Users/ID",
        '{"schemas": ["PATCHOP"], "Operations": [{"op": "replace", "value": {"CORE": {"KEY": SECRET}}}]}',
    ),
    "patch-value-filter": (
        "PATCH",
        "/Users/ID",
        '{"schemas": ["PATCHOP"], "Operations": [{"op": "replace", "path": "KEY[value eq \\"RAW\\"]", "value": "x"}]}',
    ),
    "search-filter": ("POST", "/Users/.search", '{"schemas": ["SEARCH"], "filter": "KEY eq \\"RAW\\""}'),
}
URNS = {"CORE": USER_SCHEMA, "PATCHOP": PATCH_OP, "SEARCH": SEARCH_REQUEST}
# How valid the body is: JSON, cut inside or right after the secret, the wrong type, a form, or
# JSON under a media type the server refuses.
VALIDITY = ("json", "cut-inside", "cut-after", "list", "object", "form", "text-plain")
QUERIES = {
    "filter": 'filter=KEY eq "RAW"',
    "filter-and": 'filter=userName eq "x" and KEY ne "RAW"',
    "value-path": 'filter=emails[type eq "work" and KEY co "RAW"]',
    "parameter": "KEY=RAW",
}


@dataclass(frozen=True)
class Form:
    """One request carrying one secret."""

    name: str
    method: str
    path: str
    body: bytes | None
    content_type: str


def _body(template: str, key: str, secret: str, validity: str) -> tuple[bytes | None, str]:
    """The body of one form and its media type, or None when the validity does not apply."""
    quoted = json.dumps(secret)
    if validity in ("list", "object") and "SECRET" not in template:
        return None, ""
    value = {"list": f"[{quoted}]", "object": f'{{"v": {quoted}}}'}.get(validity, quoted)
    for token, urn in URNS.items():
        template = template.replace(token, urn)
    text = template.replace("KEY", key).replace("SECRET", value).replace("RAW", secret)
    if validity == "cut-inside":
        text = text[: text.index(secret) + len(secret)]
    elif validity == "cut-after":
        text = text[: text.index(secret) + len(secret) + 1]
    elif validity == "form":
        text = f"userName=x&{key}={secret}"
    kind = "text/plain" if validity == "text-plain" else "application/scim+json"
    return text.encode(), kind


def forms() -> list[Form]:
    """Every form of the table, each with its own secret."""
    found: list[Form] = []
    counter = itertools.count(1)
    for (spelling, key), (place, (method, path, template)), validity in itertools.product(
        SPELLINGS.items(), PLACES.items(), VALIDITY
    ):
        secret = f"Sx{next(counter):05d}qz"
        body, kind = _body(template.replace("NAME", f"{secret.lower()}@example.com"), key, secret, validity)
        if body is not None:
            found.append(Form(f"{spelling}/{place}/{validity}/{secret}", method, path, body, kind))
    for spelling, (place, query) in itertools.product(FILTER_SPELLINGS, QUERIES.items()):
        secret = f"Sx{next(counter):05d}qz"
        text = query.replace("KEY", quote(SPELLINGS[spelling], safe=":")).replace("RAW", secret)
        found.append(Form(f"{spelling}/query-{place}/{secret}", "GET", "/Users?" + text, None, ""))
    return found


FORMS = forms()


def _secret(form: Form) -> str:
    """The secret a form carries (the last part of its name)."""
    return form.name.rsplit("/", 1)[-1]


def _send_all(served: SimpleNamespace) -> tuple[int, dict[str, str]]:
    """Send every form with and without credentials; return how many went, and the answers
    that quoted their secret."""
    client, anonymous = requests.Session(), requests.Session()
    client.auth = (USER, TOKEN)
    base = served.url + SCIM
    target = {"schemas": [USER_SCHEMA], "userName": "target@example.com"}
    uid = client.post(base + "/Users", json=target, timeout=10).json()["id"]
    leaked: dict[str, str] = {}
    sent = 0
    for form, session in itertools.product(FORMS, (client, anonymous)):
        headers = {"Content-Type": form.content_type} if form.body is not None else {}
        answer = session.request(
            form.method, base + form.path.replace("ID", uid), data=form.body, headers=headers, timeout=10
        )
        sent += 1
        assert answer.status_code < 500, (form.name, answer.text[:300])
        if _secret(form) in json.dumps(dict(answer.headers)) + answer.text:
            leaked[form.name] = answer.text[:200]
    return sent, leaked


def _leaks(text: str) -> list[str]:
    """The forms whose secret appears in ``text``."""
    return [form.name for form in FORMS if _secret(form) in text]


@pytest.mark.parametrize("mode", [(), ("--strict",)], ids=["default", "strict"])
def test_no_password_form_leaks_into_any_output(tmp_path, mode, figures):
    with serving(tmp_path, USER, TOKEN, *mode) as served:
        sent, leaked = _send_all(served)
        assert leaked == {}, f"{len(leaked)} answers quote their secret: {dict(list(leaked.items())[:5])}"
        found: dict[str, list[str]] = {}
        read = 0
        for endpoint, url, text in every_answer(served, USER, TOKEN):
            read += 1
            if endpoint in REVEALS_CREDENTIALS:
                assert TOKEN in text  # the detector works: this one must show the token
            elif leaks := _leaks(text):
                found[f"GET {url}"] = leaks
        stop(served.process)
        files = list(every_file(served.folder))
        for name, text in files:
            if leaks := _leaks(text):
                found[name] = leaks
        journal = (served.folder / "journal.jsonl").read_text()
    figures["secret forms sent (with and without credentials, both modes)"] += sent
    figures["secret forms: answers and files searched"] += sent + read + len(files)
    figures["secret forms: secrets found in any output"] += sum(len(v) for v in found.values())
    assert journal.count("\n") >= len(FORMS)  # the forms were recorded, and searched there
    assert found == {}, {where: names[:5] for where, names in list(found.items())[:10]}


def test_the_table_covers_every_spelling_place_and_validity():
    names = [form.name.split("/") for form in FORMS]
    assert {n[0] for n in names} == set(SPELLINGS)
    assert {n[1] for n in names} >= set(PLACES) | {f"query-{q}" for q in QUERIES}
    assert {n[2] for n in names if len(n) == 4} == set(VALIDITY)
    assert len({_secret(form) for form in FORMS}) == len(FORMS)  # one secret per form


def test_the_search_finds_a_secret_where_one_is(tmp_path):
    # The detector works: a secret sent where nothing masks it (a userName) is found.
    with serving(tmp_path, USER, TOKEN) as served:
        client = requests.Session()
        client.auth = (USER, TOKEN)
        canary = f"{_secret(FORMS[0])}@example.com"
        client.post(served.url + SCIM + "/Users", json={"userName": canary}, timeout=10)
        texts = [text for _, _, text in every_answer(served, USER, TOKEN)]
        stop(served.process)
        texts += [text for _, text in every_file(served.folder)]
    assert sum(bool(_leaks(text)) for text in texts) >= 5  # journal, file, state, export, ...
