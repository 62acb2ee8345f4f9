"""Hostile input at the HTTP edge, one class per section: text JSON cannot carry, nesting,
undecodable credentials, Host-built redirects, query parameters in other scripts' digits, and
tenant names an anonymous client could enumerate. Each class is refused with a 4xx at the edge,
and every output (journal, file, event stream, export, download) still works afterwards."""

from __future__ import annotations

import base64
import datetime
import gc
import http.client
import json
import tracemalloc
from typing import Any

import pytest
import requests
from hardening.routes import HOSTILE_NUMBERS
from hardening.routes import concrete
from requests.structures import CaseInsensitiveDict

from mockscim import jsontext
from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.constants import ERROR_SCHEMA
from mockscim.constants import USER_SCHEMA
from mockscim.errors import InvalidSyntax
from mockscim.errors import InvalidValue
from mockscim.server import create_app
from mockscim.server.openapi import load_document

USER, TOKEN = "okta", "s3cr3t-token-for-tests"
SCIM = "/scim/v2"
JSON = {"Content-Type": "application/scim+json"}


def _basic() -> bytes:
    """The test credentials as a Basic Authorization value."""
    return b"Basic " + base64.b64encode(f"{USER}:{TOKEN}".encode())


def raw_request(
    port: int, method: str, path: str, headers: dict[str, bytes], body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """Send a request whose path, headers and body are bytes no HTTP client library would send."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in {**headers, "Content-Length": str(len(body)).encode()}.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        answer = connection.getresponse()
        # Header names are case-insensitive (waitress writes Www-Authenticate): compare them so.
        return answer.status, CaseInsensitiveDict(answer.getheaders()), answer.read()
    finally:
        connection.close()


# -- the JSON reader ------------------------------------------------------------------------------


def nested(depth: int, opener: str = "[", closer: str = "]") -> str:
    """``depth`` arrays (or objects under key "a") inside each other."""
    if opener == "{":
        return '{"a":' * depth + "1" + "}" * depth
    return opener * depth + closer * depth


@pytest.mark.parametrize(
    ("text", "error", "says"),
    [
        (nested(65), InvalidSyntax, "deeper than 64"),
        (nested(490), InvalidSyntax, "deeper than 64"),
        (nested(980, "{", "}"), InvalidSyntax, "deeper than 64"),
        (nested(100_000), InvalidSyntax, "deeper than 64"),
        (b'{"userName": "\xe9"}', InvalidSyntax, "not UTF-8 (byte 0xe9 at offset 14)"),
        (b'{"userName": "\xed\xa0\x80"}', InvalidSyntax, "not UTF-8"),  # a surrogate encoded in UTF-8
        ('{"userName": "a\\ud800"}', InvalidValue, "lone UTF-16 surrogate at /userName"),
        ('{"emails": [{"value": "\\udfff"}]}', InvalidValue, "at /emails/0/value"),
        ('{"a/b~c": {"\\ud800": 1}}', InvalidValue, "at /a~1b~0c/\\ud800"),
        ('{"x": NaN}', InvalidSyntax, "NaN is not valid JSON"),
        ('{"x": -Infinity}', InvalidSyntax, "-Infinity is not valid JSON"),
        ('{"x": 1e999}', InvalidValue, "number too large for this server at /x"),
        ('{"a": [1, -1' + "0" * 400 + ".5]}", InvalidValue, "number too large for this server at /a/1"),
        ('{"x": ' + "9" * 5000 + "}", InvalidSyntax, "not valid JSON"),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None,
)
def test_the_reader_refuses_what_json_cannot_carry(text, error, says):
    with pytest.raises(error, match=None) as refused:
        jsontext.loads(text.encode() if isinstance(text, str) else text)
    assert says in refused.value.detail


@pytest.mark.parametrize(
    "text",
    [
        nested(64),
        nested(64, "{", "}"),
        '{"a": "[[[[[[' + "[" * 200 + '"}',  # brackets inside a string are not nesting
        '{"emoji": "\\ud83d\\ude00", "text": "caf\\u00e9"}',  # a complete surrogate pair is fine
        '{"x": 1e308, "y": -0.0, "n": ' + "9" * 100 + "}",
    ],
)
def test_the_reader_accepts_what_json_can_carry(text):
    assert jsontext.loads(text.encode()) == json.loads(text)


def typed(value: Any) -> Any:
    """``value`` with the type of every number kept, so 1 and 1.0 (and 10**30 and 1e30) differ."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return (type(value).__name__, value)


@pytest.mark.parametrize(
    "text",
    [
        '{"n": [0, -0, 1, -1, 9223372036854775807, -9223372036854775808, 18446744073709551615]}',
        '{"past 64 bits": [18446744073709551616, -9223372036854775809, ' + "7" * 30 + "]}",
        '{"digits in a string": "1234567890123456789012", "n": 2}',
        '{"f": [0.1, -0.0, 1.0, 1e2, 1E-2, 1.5e-400, 5e-324, 1.7976931348623157e308, 2.2250738585072014e-308]}',
        r'{"s": "caf\u00e9 \n\t\" \\ \/ \u0000 \ud83d\ude00 \u20ac", "\u00e9": null, "b": [true, false]}',
        '{"a": 1, "a": 2, "A": [], "": {}}',  # the last duplicate wins, as in json
        " \n [ ] \t ",
    ],
)
def test_the_reader_gives_the_value_and_number_types_json_gives(text):
    assert typed(jsontext.loads(text.encode())) == typed(json.loads(text))


def test_the_writer_never_fails_on_text_that_came_in_some_other_way():
    value = {"path": "/Users/\ud800", "\udfff": ["caf\u00e9", "\U0001f600"]}
    text = jsontext.dumps(value)
    assert text.encode("utf-8") and json.loads(text) == value  # same value, escaped where needed
    assert "caf\u00e9" in text  # non-ASCII stays readable


def nested_value(depth: int) -> Any:
    """A list inside a list ``depth`` times."""
    value: Any = "core"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "value",
    [
        {"userName": "caf\u00e9", "emoji": "\U0001f600", "n": [0, -1, 2.5, 1e16, True, None]},
        {"big": 10**30, "small": -(10**30)},  # past 64 bits: orjson refuses, json writes them
        {"path": "/Users/\ud800", "\udfff": "key"},  # lone surrogates: escaped, as dumps does
        {"deep": nested_value(300)},  # past orjson's nesting limit
        {1: "an int key", "ok": 1},
    ],
)
def test_the_fast_encoder_writes_the_same_value_as_the_writer(value):
    data = jsontext.encode(value)
    assert json.loads(data) == json.loads(jsontext.dumps(value))
    assert b", " not in data and b'": ' not in data  # compact, as every response is


def _bytes_per_copy(value: Any) -> float:
    """Traced bytes per ``encode_kept(value)`` copy still held, over 200 copies: only what this
    thread allocated (tracemalloc counts every thread, and servers of earlier tests may still be
    completing journal entries in the background)."""
    gc.collect()
    tracemalloc.start(32)
    try:
        kept = [jsontext.encode_kept(value) for _ in range(200)]
        mine = tracemalloc.Filter(True, __file__, all_frames=True)
        snapshot = tracemalloc.take_snapshot().filter_traces([mine])
        return sum(stat.size for stat in snapshot.statistics("filename")) / len(kept)
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    "value",
    [
        [[("HTTP_HOST", "127.0.0.1:8080"), ("HTTP_X_NOTE", "caf\u00e9")], [("filter", 'userName eq "a"')]],
        [[("HTTP_X_ODD", "\udc80")], []],  # a lone surrogate: json takes over, and it reads back
        [],
    ],
)
def test_bytes_kept_are_the_encoders_bytes_at_their_own_length(value):
    per_copy = _bytes_per_copy(value)
    kept = [jsontext.encode_kept(value)]
    assert kept[0] == jsontext.encode(value)
    assert jsontext.loads(kept[0], lone_surrogates=True) == json.loads(json.dumps(value))
    assert per_copy < len(kept[0]) + 128  # orjson's own output keeps a 4 KB buffer


@pytest.mark.parametrize(
    "value", [datetime.datetime(2026, 12, 1), {"when": datetime.date(2026, 12, 1)}, {1, 2}]
)
def test_the_fast_encoder_refuses_what_json_has_no_form_for(value):
    with pytest.raises(TypeError):
        jsontext.encode(value)


@pytest.mark.parametrize(
    ("body", "status", "scim_type"),
    [
        (nested(490).encode(), 400, "invalidSyntax"),
        (nested(980, "{", "}").encode(), 400, "invalidSyntax"),
        (b'{"userName": "bad\xff"}', 400, "invalidSyntax"),
        (b'{"userName": "lone\\ud800@example.com"}', 400, "invalidValue"),
        (b'{"userName": "p@example.com", "password": "\\udc00"}', 400, "invalidValue"),
        (b'{"userName": "n@example.com", "x": NaN}', 400, "invalidSyntax"),
        (b"\xff\xfe{\x00}\x00", 400, "invalidSyntax"),  # UTF-16 with a BOM
    ],
)
@pytest.mark.parametrize("credentials", ["valid", "none"])
def test_bodies_json_cannot_carry_are_4xx_and_nothing_is_stored(
    launch, connect, body, status, scim_type, credentials
):
    server = launch()
    client = connect(auth=(USER, TOKEN) if credentials == "valid" else None)
    for method, path in (("POST", "/Users"), ("POST", "/Users/.search"), ("POST", "/Groups")):
        answer = client.request(method, server.url + SCIM + path, data=body, headers=JSON)
        assert answer.status_code == (status if credentials == "valid" else 401), answer.text
        assert answer.json()["schemas"] == [ERROR_SCHEMA]
        if credentials == "valid":
            assert answer.json()["scimType"] == scim_type
    users = connect().get(server.url + SCIM + "/Users")
    assert users.status_code == 200 and users.json()["totalResults"] == 0


def test_a_lone_surrogate_is_refused_in_every_writable_place(launch, connect):
    server = launch()
    client, base = connect(), server.url + SCIM
    uid = client.post(base + "/Users", json={"schemas": [USER_SCHEMA], "userName": "s@example.com"}).json()[
        "id"
    ]
    bodies = {
        ("PUT", f"/Users/{uid}"): '{"userName": "s@example.com", "name": {"givenName": "\\ud800"}}',
        ("PATCH", f"/Users/{uid}"): '{"Operations": [{"op": "replace", "value": {"password": "\\ud800"}}]}',
        ("POST", "/Groups"): '{"displayName": "\\udbff"}',
        ("POST", "/Users/.search"): '{"filter": "userName eq \\"\\ud800\\""}',
    }
    for (method, path), text in bodies.items():
        answer = client.request(method, base + path, data=text.encode(), headers=JSON)
        assert answer.status_code == 400 and answer.json()["scimType"] == "invalidValue", (path, answer.text)
    for admin in ("/__admin/seed", "/__admin/faults", "/__admin/tenants"):
        answer = client.post(server.url + admin, data=b'{"users": [{"userName": "\\ud800"}]}', headers=JSON)
        assert answer.status_code == 400, (admin, answer.text)
    assert client.get(base + "/Users").status_code == 200  # Okta's import still works


# -- every output survives whatever came in -------------------------------------------------------

OUTPUTS = (
    "/__admin/requests",
    "/__admin/requests.jsonl",
    "/__admin/export",
    "/__admin/dashboard/api/entries",
)


def read_outputs(client: requests.Session, url: str) -> dict[str, int]:
    """Status of each journal output, the event stream's backlog included."""
    found = {path: client.get(url + path, timeout=10).status_code for path in OUTPUTS}
    with client.get(url + "/__admin/dashboard/api/events?since=0", stream=True, timeout=(5, 1)) as stream:
        data = b""
        try:
            for chunk in stream.iter_content(chunk_size=None):
                data += chunk
        except requests.ConnectionError:
            pass  # the read timeout once the backlog has arrived
        found["events"] = stream.status_code if b"event: entry" in data else -1
    return found


def test_every_output_survives_text_json_cannot_carry(launch, connect, tmp_path):
    journal_file = tmp_path / "journal.jsonl"
    server = launch(journal_file=journal_file)
    client, anonymous = connect(), connect(auth=None)
    hostile = [
        ("GET", SCIM + "/Users/%ED%A0%80", {}, b""),
        ("GET", SCIM + "/Users?filter=userName%20eq%20%22%ED%A0%80%22&x%ff=%C0", {}, b""),
        ("GET", SCIM + "/Users", {"X-Odd": b"\xed\xa0\x80\xff", "User-Agent": b"caf\xc3\xa9"}, b""),
        ("POST", SCIM + "/Users", {"Content-Type": b"application/json"}, b'{"userName": "\\ud800"}'),
        ("POST", SCIM + "/Users", {"Content-Type": b"application/json"}, b'{"userName": "\xed\xa0\x80"}'),
    ]
    for auth in ({"Authorization": _basic()}, {}):
        for method, path, headers, body in hostile:
            status, _, _ = raw_request(server.port, method, path, {**auth, **headers}, body)
            assert status < 500
    assert anonymous.get(server.url + SCIM + "/Users").status_code == 401
    assert set(read_outputs(client, server.url).values()) == {200}
    lines = journal_file.read_bytes().decode("utf-8").splitlines()  # valid UTF-8 throughout
    assert len(lines) >= 2 * len(hostile) and all(json.loads(line)["id"] for line in lines)


# -- credentials that do not decode ----------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        b"Basic \xe9",
        b"Basic \xff\xfe",
        b"Basic " + base64.b64encode(b"okta:\xff\xfe"),  # decodes, but not as UTF-8
        b"Bearer \xe9\xe9",
        b"\xe9",
        b"Basic b2t0YTpzM2NyM3QtdG9rZW4tZm9yLXRlc3Rz\xe9",
        b"Basic =====",
    ],
)
@pytest.mark.parametrize(
    "path", [SCIM + "/Users", "/__admin/requests", "/__admin/", "/t/acme" + SCIM + "/Users"]
)
def test_any_authorization_header_is_a_401_never_a_500(launch, header, path):
    server = launch()
    status, headers, body = raw_request(server.port, "GET", path, {"Authorization": header})
    assert status == 401, body[:300]
    assert "WWW-Authenticate" in headers or path == "/__admin/"


@pytest.mark.parametrize("path", [SCIM + "/Users", "/__admin/requests"])
def test_a_control_character_in_a_header_is_a_scim_400_before_authentication(launch, path):
    # RFC 9110 §5.5: a field value holds no NUL or other control character; the server refuses
    # the request as HTTP, before any credential is read.
    server = launch()
    status, _, body = raw_request(server.port, "GET", path, {"Authorization": b"Basic \xff\xfe\x00"})
    error = json.loads(body)
    assert status == 400 and error["scimType"] == "invalidSyntax" and "HTTP/1.1" in error["detail"]


@pytest.mark.parametrize(
    ("headers", "read", "change"),
    [
        ({"Cookie": b"mockscim_dashboard=\xe9\xe9"}, 401, 401),
        ({"Cookie": b"mockscim_dashboard=caf\xc3\xa9"}, 401, 401),
        ({"Origin": b"http://[", "Authorization": _basic()}, 200, 403),  # reads stay allowed
        ({"Origin": b"http://\xe9.example", "Authorization": _basic()}, 200, 403),
    ],
)
def test_cookies_and_origins_that_do_not_parse_are_refused_not_500(launch, headers, read, change):
    server = launch()
    answers = [
        raw_request(server.port, method, path, headers)[0]
        for method, path in (("GET", "/__admin/dashboard/api/entries"), ("POST", "/__admin/reset"))
    ]
    assert answers == [read, change]


def test_a_utf8_bearer_token_is_accepted_as_sent():
    app = create_app(Settings(port=0, auth=AuthConfig.parse("bearer:jeton-café")))
    client = app.test_client()
    header = "Bearer jeton-café".encode().decode("latin-1")  # how WSGI hands UTF-8 bytes over
    assert client.get(SCIM + "/Users", headers={"Authorization": header}).status_code == 200


# -- redirects -------------------------------------------------------------------------------------

HOSTS = ["evil.example", "evil.example:8443", "[", "a b", "\u00e9vil.example", "//evil.example"]


@pytest.mark.parametrize("host", HOSTS)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/__admin"),
        ("GET", "/"),
        ("GET", "/t/acme/__admin"),
        ("GET", "/__admin/dashboard"),
        ("GET", "//__admin"),
    ],
)
def test_redirects_are_relative_and_never_name_the_host_sent(launch, host, method, path):
    server = launch()
    status, headers, _ = raw_request(server.port, method, path, {"Host": host.encode("utf-8")})
    location = headers.get("Location")
    if 300 <= status < 400:
        assert location and location.startswith("/") and not location.startswith("//"), location
        assert "evil" not in location
    assert status < 500


def test_a_dashboard_login_redirects_relatively(launch):
    server = launch()
    status, headers, _ = raw_request(
        server.port,
        "POST",
        "/__admin/dashboard/login",
        {"Host": b"evil.example", "Content-Type": b"application/x-www-form-urlencoded"},
        f"token={TOKEN}".encode(),
    )
    assert status == 303 and headers["Location"].startswith("/__admin")


# -- query parameters ------------------------------------------------------------------------------


def numeric_parameters() -> list[tuple[str, str]]:
    """(path, parameter) for every integer, boolean or entry-bound query parameter that the
    OpenAPI document declares on the admin API and the dashboard."""
    found = []
    for path, item in load_document()["paths"].items():
        if not path.startswith("/__admin") or "{" in path:
            continue
        for parameter in (item.get("get") or {}).get("parameters", []):
            kind = parameter.get("schema", {}).get("type")
            bound = parameter["name"] in ("since", "until")
            if parameter.get("in") == "query" and (kind in ("integer", "boolean") or bound):
                found.append((path, parameter["name"]))
    return found


NUMERIC = numeric_parameters()


def test_the_document_declares_the_numeric_parameters_we_check():
    names = {f"{path}?{name}" for path, name in NUMERIC}
    assert {
        "/__admin/requests?since",
        "/__admin/requests?limit",
        "/__admin/export?since",
        "/__admin/export?until",
        "/__admin/dashboard/api/entries?since",
        "/__admin/dashboard/api/events?since",
        "/__admin/dashboard/api/library-flows?since",
    } <= names


@pytest.fixture(scope="module")
def recorded() -> Any:
    """A server whose journal holds a few entries (module-wide: these tests only read)."""
    from mockscim.server.serving import start_background

    app = create_app(Settings(port=0, auth=AuthConfig.parse(f"basic:{USER}:{TOKEN}")))
    server = start_background(app)
    session = requests.Session()
    session.auth = (USER, TOKEN)
    for _ in range(3):
        session.get(server.url + SCIM + "/Users")
    yield server, session
    server.stop()


@pytest.mark.parametrize(("path", "name"), NUMERIC, ids=[f"{p}?{n}" for p, n in NUMERIC])
def test_numeric_parameters_in_any_script_are_a_400_naming_the_parameter(recorded, path, name):
    server, session = recorded
    for value in HOSTILE_NUMBERS:
        with session.get(server.url + path, params={name: value}, stream=True, timeout=(5, 5)) as answer:
            status = answer.status_code
            text = answer.raw.read(2000).decode("utf-8", "replace")
        assert status == 400, (path, name, value, status, text[:200])
        assert name in json.loads(text)["detail"], text


@pytest.mark.parametrize("header", ["²", "-1", "x", "9" * 40, "\u00e9"])
def test_a_garbled_last_event_id_starts_a_fresh_feed(recorded, header):
    server, _ = recorded
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.putrequest("GET", "/__admin/dashboard/api/events")
        connection.putheader("Authorization", _basic())
        connection.putheader("Last-Event-ID", header.encode("utf-8"))
        connection.endheaders()
        answer = connection.getresponse()
        assert answer.status == 200 and answer.read(6) == b"retry:"  # the stream's first frame
    finally:
        connection.close()


@pytest.mark.parametrize(("value", "count"), [("2", 1), ("2000-01-01T00:00:00Z", 3), ("2000-01-01", 3)])
def test_export_bounds_are_an_id_or_an_iso_time(recorded, value, count):
    server, session = recorded
    answer = session.get(server.url + "/__admin/export", params={"since": value})
    assert answer.status_code == 200 and answer.text.count("request:") >= count


# -- tenant names cannot be enumerated -------------------------------------------------------------


def _routes(settings: Settings) -> list[tuple[str, str]]:
    """(method, URL) of every rule of the URL map, with placeholders filled."""
    app = create_app(settings)
    return [
        (method, concrete(rule.rule))
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    ]


def _answer(client: Any, method: str, tenant: str, url: str) -> tuple[int, str, list[tuple[str, str]]]:
    """What an anonymous client can observe: status, body, and headers (minus the date), with
    the tenant's own name (which pages and redirects repeat) written as TENANT."""
    response = client.open(f"/t/{tenant}{url}", method=method, json={} if method != "GET" else None)
    headers = sorted((k, v.replace(tenant, "TENANT")) for k, v in response.headers.items() if k != "Date")
    return response.status_code, response.get_data(as_text=True).replace(tenant, "TENANT"), headers


@pytest.mark.parametrize("mode", ["dynamic", "static"])
def test_an_anonymous_client_cannot_tell_whether_a_tenant_exists(mode):
    auth = AuthConfig.parse(f"basic:{USER}:{TOKEN}")
    settings = Settings(port=0, auth=auth, tenant_mode=mode, tenants=(("acme", None),))
    app = create_app(settings)
    client = app.test_client()
    differences = []
    for method, url in _routes(settings):
        existing = _answer(client, method, "acme", url)
        missing = _answer(client, method, "qzxw", url)  # the same length: the same Content-Length
        if existing != missing:
            differences.append((method, url, existing[0], missing[0]))
    assert differences == []
    names = [t.name for t in app.extensions["mockscim.tenants"].all()]
    assert names == ["default", "acme"]  # and nothing was created


def test_credentials_still_create_a_dynamic_tenant_and_reach_a_static_404():
    dynamic = create_app(Settings(port=0, auth=AuthConfig.parse(f"basic:{USER}:{TOKEN}"))).test_client()
    assert dynamic.get("/t/new" + SCIM + "/Users", auth=(USER, TOKEN)).status_code == 200
    static = create_app(
        Settings(port=0, auth=AuthConfig.parse(f"basic:{USER}:{TOKEN}"), tenant_mode="static")
    ).test_client()
    assert static.get("/t/new" + SCIM + "/Users", auth=(USER, TOKEN)).status_code == 404
    assert static.get("/t/new" + SCIM + "/Users").status_code == 401


def test_the_dashboard_login_creates_a_tenant_only_with_the_right_token():
    app = create_app(Settings(port=0, auth=AuthConfig.parse(f"basic:{USER}:{TOKEN}")))
    client = app.test_client()
    assert client.post("/t/fresh/__admin/dashboard/login", data={"token": "wrong"}).status_code == 401
    assert not app.extensions["mockscim.tenants"].known("fresh")
    assert client.post("/t/fresh/__admin/dashboard/login", data={"token": TOKEN}).status_code == 303
    assert app.extensions["mockscim.tenants"].known("fresh")
    assert client.get("/t/fresh/__admin/dashboard/api/entries").status_code == 200  # the cookie works
