"""Fuzz the live server at its HTTP edge with hypothesis: thousands of requests, anonymous and
authenticated, on every route of the URL map (at the root, under a tenant, under an unknown
tenant), with bytes no client library would send: invalid UTF-8 and lone surrogates in bodies,
paths, query strings and headers, deep nesting, broken JSON, hostile numbers and admin bodies.

Seeded and bounded (derandomized, no example database). The check is the edge's promise: no
5xx (except the declared 501 of /Me and /Bulk), every redirect relative, every JSON answer
parseable; and afterwards every output (journal, download, export, event stream) still answers.
"""

from __future__ import annotations

import base64
import json
import re
import socket
from collections import Counter
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from hardening.routes import HOSTILE_NUMBERS
from hardening.routes import concrete
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.server import create_app
from mockscim.server.openapi import load_document
from mockscim.server.serving import start_background

USER, TOKEN = "okta", "s3cr3t-token-for-tests"
EXAMPLES = 1500  # per test; three tests: about 4,500 requests, plus schemathesis's
FUZZED = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


# -- the target ------------------------------------------------------------------------------------


class Target:
    """One live server for the module, and the tally of what the fuzzers saw."""

    def __init__(self) -> None:
        self.app = create_app(Settings(port=0, auth=AuthConfig.parse(f"basic:{USER}:{TOKEN}")))
        self.server = start_background(self.app)
        self.statuses: Counter[int] = Counter()
        self.failures: list[str] = []

    def calm(self) -> None:
        """Remove any fault a fuzzed admin body managed to register (an injected 500 is not ours)."""
        for state in self.app.extensions["mockscim.tenants"].all():
            state.faults.clear()


@pytest.fixture(scope="module")
def target() -> Any:
    """The module's server, with a user and a tenant to aim at."""
    running = Target()
    client = running.app.test_client()
    client.post("/scim/v2/Users", json={"userName": "alice@example.com"}, auth=(USER, TOKEN))
    client.post("/__admin/tenants", json={"name": "acme"}, auth=(USER, TOKEN))
    yield running
    running.server.stop()


def send(port: int, request: bytes, timeout: float = 10) -> bytes:
    """Send raw bytes and read one answer: its head and Content-Length bytes of body (an event
    stream: its head only). The answer, not the connection's end, decides: a server may keep a
    connection whose request body it did not read."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
            if _complete(data):
                break
    return data


def _complete(data: bytes) -> bool:
    """True once ``data`` holds a whole answer (or the head of an event stream)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    if b"text/event-stream" in head:
        return True
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return length is not None and len(body) >= int(length[1])


def check(target: Target, method: bytes, path: bytes, answer: bytes) -> None:
    """The edge's promise for one answer; failures are collected with the request line."""
    head, _, body = answer.partition(b"\r\n\r\n")
    match = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    line = f"{method.decode()} {path[:120]!r}"
    if match is None:
        target.failures.append(f"{line}: no HTTP answer ({answer[:80]!r})")
        return
    status = int(match[1])
    target.statuses[status] += 1
    declared = status == 501 and re.search(rb"/(Me|Bulk)\b", path)
    if status >= 500 and not declared:
        target.failures.append(f"{line}: {status} {body[:200]!r}")
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (h.partition(b":") for h in head.split(b"\r\n")[1:])
    }
    location = headers.get(b"location")
    if 300 <= status < 400 and location is not None and not re.match(rb"/(?!/)", location):
        target.failures.append(f"{line}: redirect to {location!r}")
    kind = headers.get(b"content-type", b"")
    if b"json" in kind and body:
        documents = body.splitlines() if b"ndjson" in kind else [body]  # JSON Lines: one per line
        try:
            for document in documents:
                json.loads(document.decode("utf-8"))
        except ValueError as exc:
            target.failures.append(f"{line}: unparseable JSON answer ({exc})")


# -- strategies ------------------------------------------------------------------------------------


def _routes() -> list[tuple[str, str]]:
    """(method, path) of every rule of the URL map."""
    app = create_app(Settings(port=0, auth=AuthConfig.parse(f"basic:{USER}:{TOKEN}")))
    return sorted(
        (method, concrete(rule.rule))
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


ROUTES = _routes()
SCIM_ROUTES = [(m, p) for m, p in ROUTES if p.startswith("/scim/")]
ADMIN_ROUTES = [(m, p) for m, p in ROUTES if not p.startswith("/scim/")]
PARAMETERS = sorted(
    {
        parameter["name"]
        for item in load_document()["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for parameter in operation.get("parameters", [])
        if isinstance(parameter, dict) and parameter.get("in") == "query"
    }
    | {"filter", "startIndex", "count", "attributes", "since", "limit"}
)
HOSTILE_TEXT = st.sampled_from(
    [
        *HOSTILE_NUMBERS,
        "1e999",
        "NaN",
        "\ud800",
        "\udfff\ud800",
        "é",
        "\x00",
        "",
        'password eq "x"',
        "userName eq",
        "((((((((((((",
        "2026-13-45T99:99:99Z",
        "0",
        "1",
        "true",
    ]
)
BYTES_TEXT = st.binary(max_size=40)


def _encode(value: str | bytes) -> bytes:
    """Percent-encode text (lone surrogates as the UTF-8 bytes Python would give them) or bytes."""
    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    return quote_from_bytes(raw, safe="").encode()


QUERIES = st.lists(
    st.tuples(
        st.sampled_from(PARAMETERS) | st.text(max_size=8), HOSTILE_TEXT | BYTES_TEXT | st.text(max_size=20)
    ),
    max_size=4,
).map(lambda pairs: b"&".join(_encode(k) + b"=" + _encode(v) for k, v in pairs))

SURROGATE_ESCAPES = st.sampled_from(["\\ud800", "\\udfff", "\\udbff\\u0041", "\\ud83d"])
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=25,
)
SCIM_KEYS = st.sampled_from(
    [
        "userName",
        "password",
        "PASSWORD",
        "urn:ietf:params:scim:schemas:core:2.0:User:password",
        "displayName",
        "members",
        "emails",
        "Operations",
        "schemas",
        "filter",
        "active",
        "name",
        "id",
        "meta",
    ]
)
SCIM_OBJECTS = st.dictionaries(SCIM_KEYS, JSON_VALUES, max_size=6)


def _with_surrogate(pair: tuple[dict[str, Any], str]) -> bytes:
    """A JSON object with a lone surrogate escape added as a value (or a key)."""
    body, escape = pair
    text = json.dumps(body)
    member = f'"{escape}": 1' if len(text) % 2 else f'"x": "{escape}"'
    return (text[:-1] + (", " if len(text) > 2 else "") + member + "}").encode()


def _nested(pair: tuple[int, int]) -> bytes:
    """Arrays or objects nested ``depth`` deep, balanced or not."""
    depth, kind = pair
    if kind == 0:
        return b"[" * depth + b"]" * depth
    if kind == 1:
        return b'{"a":' * depth + b"1" + b"}" * depth
    return b"[" * depth


BODIES = st.one_of(
    st.just(b""),
    SCIM_OBJECTS.map(lambda v: json.dumps(v).encode()),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.tuples(SCIM_OBJECTS, SURROGATE_ESCAPES).map(_with_surrogate),
    st.tuples(st.integers(50, 5000), st.integers(0, 2)).map(_nested),
    st.binary(max_size=200),
    st.tuples(SCIM_OBJECTS, st.integers(1, 60)).map(lambda p: json.dumps(p[0]).encode()[: p[1]]),
    st.sampled_from([b'{"x": NaN}', b'{"x": 1e999}', b'{"userName": "\xed\xa0\x80"}', b"\xff\xfe{\x00}\x00"]),
)
HEADER_VALUES = st.binary(max_size=60).map(
    lambda b: b.replace(b"\r", b"").replace(b"\n", b"").replace(b"\x00", b"")
)
GOOD_BASIC = b"Basic " + base64.b64encode(f"{USER}:{TOKEN}".encode())
AUTHORIZATION = st.one_of(
    st.just(None),
    st.just(b"Basic " + base64.b64encode(b"okta:wrong")),
    HEADER_VALUES.map(lambda b: b"Basic " + b),
    HEADER_VALUES.map(lambda b: b"Bearer " + b),
    HEADER_VALUES,
)
EXTRA_HEADERS = st.dictionaries(
    st.sampled_from(
        [
            b"Host",
            b"Origin",
            b"Cookie",
            b"Last-Event-ID",
            b"If-Match",
            b"X-Forwarded-Host",
            b"User-Agent",
            b"X-Odd",
        ]
    ),
    HEADER_VALUES,
    max_size=3,
)
CONTENT_TYPES = st.sampled_from(
    [
        b"application/scim+json",
        b"application/json",
        b"text/plain",
        b"application/x-www-form-urlencoded",
        b"",
        b"\xe9/json",
    ]
)
PREFIXES = st.sampled_from([b"", b"/t/acme", b"/t/ghost", b"/t/%ED%A0%80", b"/t/\xe9"])
PATH_NOISE = st.one_of(
    st.just(b""), BYTES_TEXT.map(lambda b: b"/" + _encode(b)), st.just(b"/%ED%A0%80"), st.just(b"/\xc3\xa9")
)


@st.composite
def requests_to(draw: Any, routes: list[tuple[str, str]], authorization: Any) -> tuple[bytes, bytes, bytes]:
    """(method, target, whole request) for one fuzzed request to one of ``routes``."""
    method, path = draw(st.sampled_from(routes))
    target = draw(PREFIXES) + path.encode() + draw(PATH_NOISE)
    query = draw(QUERIES)
    if query:
        target += b"?" + query
    body = draw(BODIES)
    headers = {b"Host": b"127.0.0.1", b"Connection": b"close", b"Content-Type": draw(CONTENT_TYPES)}
    credential = draw(authorization)
    if credential is not None:
        headers[b"Authorization"] = credential
    headers.update(draw(EXTRA_HEADERS))
    headers[b"Content-Length"] = str(len(body)).encode()
    lines = [method.encode() + b" " + target + b" HTTP/1.1"] + [k + b": " + v for k, v in headers.items()]
    return method.encode(), target, b"\r\n".join(lines) + b"\r\n\r\n" + body


def _fuzz(target: Target, request: tuple[bytes, bytes, bytes], figures: Counter) -> None:
    """Send one fuzzed request, check the answer, and undo any fault it registered."""
    method, path, raw = request
    check(target, method, path, send(target.server.port, raw))
    figures["edge fuzz: requests sent (hypothesis)"] += 1
    target.calm()
    assert not target.failures, target.failures[-1]  # fail at once, so hypothesis shows the request


# -- the fuzzers -----------------------------------------------------------------------------------


@FUZZED
@given(request=requests_to(ROUTES, AUTHORIZATION))
def test_anonymous_and_wrong_credentials_never_get_a_5xx(target, request, figures):
    _fuzz(target, request, figures)


@FUZZED
@given(request=requests_to(SCIM_ROUTES, st.just(GOOD_BASIC)))
def test_authenticated_scim_requests_never_get_a_5xx(target, request, figures):
    _fuzz(target, request, figures)


@FUZZED
@given(request=requests_to(ADMIN_ROUTES, st.just(GOOD_BASIC)))
def test_authenticated_admin_and_dashboard_requests_never_get_a_5xx(target, request, figures):
    _fuzz(target, request, figures)


def test_the_fuzz_found_no_5xx_and_every_output_still_answers(target, figures):
    statuses = target.statuses
    assert sum(statuses.values()) >= 3 * EXAMPLES, statuses  # the fuzzers above really ran
    figures["edge fuzz: 5xx seen"] += sum(
        n for status, n in statuses.items() if status >= 500 and status != 501
    )
    assert target.failures == [], target.failures[:20]
    assert {400, 401, 404} <= set(statuses), statuses  # the edge refused things, and served others
    # A fuzzed reset may have emptied the journal: record some hostile text again before reading.
    for path in (b"/scim/v2/Users/%ED%A0%80?filter=%ED%A0%80", b"/scim/v2/Users?x=\xe9", b"/scim/v2/Groups"):
        hostile = (
            b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Odd: \xed\xa0\x80\r\n"
        )
        send(target.server.port, hostile + b"Authorization: " + GOOD_BASIC + b"\r\n\r\n")
    outputs = [
        b"/__admin/requests",
        b"/__admin/requests.jsonl",
        b"/__admin/export",
        b"/__admin/dashboard/api/entries",
        b"/__admin/dashboard/api/flows",
        b"/__admin/dashboard/api/library-flows",
        b"/t/acme/__admin/requests.jsonl",
        b"/__admin/dashboard/api/events?since=0",
    ]
    for output in outputs:
        request = b"GET " + output + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        answer = send(target.server.port, request + b"Authorization: " + GOOD_BASIC + b"\r\n\r\n", timeout=30)
        assert answer.startswith(b"HTTP/1.1 200"), (output, answer[:300])
