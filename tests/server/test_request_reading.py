"""The request path's shortcuts give what Flask and werkzeug give, and rely on what they assume."""

from __future__ import annotations

import inspect
import io
import random
from itertools import chain

import pytest
from flask import request
from werkzeug.exceptions import ClientDisconnected
from werkzeug.routing import Rule

from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.server import create_app
from mockscim.server.bodies import _USUAL_TYPES
from mockscim.server.bodies import RequestBody
from mockscim.server.bodies import _declares_no_body
from mockscim.server.reading import query_args
from mockscim.server.reading import query_pairs
from mockscim.server.reading import request_headers


@pytest.fixture(scope="module")
def app():
    return create_app(Settings(port=0, auth=AuthConfig.parse("basic:u:token-for-tests")))


HEADER_CASES = {
    "none": {},
    "okta": {
        "HTTP_AUTHORIZATION": "Basic YTpi",
        "HTTP_USER_AGENT": "Okta SCIM Client 1.0.0",
        "HTTP_ACCEPT_ENCODING": "gzip",
        "CONTENT_TYPE": "application/scim+json; charset=utf-8",
        "CONTENT_LENGTH": "42",
    },
    "empty content headers": {"CONTENT_TYPE": "", "CONTENT_LENGTH": ""},
    "http-prefixed content headers are shadowed": {
        "HTTP_CONTENT_TYPE": "text/plain",
        "HTTP_CONTENT_LENGTH": "7",
        "CONTENT_TYPE": "application/json",
    },
    "odd names": {"HTTP_X_OKTA__REQUEST_ID": "abc", "HTTP_X": "1", "HTTP_": "nameless"},
    "latin-1 value": {"HTTP_X_NAME": "Jos\u00e9"},
}


@pytest.mark.parametrize("extra", HEADER_CASES.values(), ids=HEADER_CASES.keys())
def test_request_headers_list_what_werkzeug_lists(app, extra):
    with app.test_request_context("/scim/v2/Users", environ_overrides=extra):
        assert request_headers() == dict(request.headers)
        assert list(request_headers()) == list(dict(request.headers))


QUERIES = [
    "",
    "a=1",
    "a=1&a=2&b=",
    "filter=userName%20eq%20%22x%40y%22&startIndex=1",
    'filter=userName+eq+"a+b%2Bc@example.com"&count=100',  # Okta's spaces as +, a plus as %2B
    "&",
    "&&a=1&&",
    "x",
    "=",
    "=v",
    "a==b",
    "a=1;b=2",  # ';' is no separator (Python 3.10+, and werkzeug)
    "%zz=1",
    "a=%",
    "a=%2",
    "a=%FF%FE",  # not UTF-8: kept percent-encoded
    "a=%E2%82%AC&b=%e2%82",  # the euro sign, then a cut sequence
    "na+me%3D=va%26lue",
    "a=\xc3\xa9",  # UTF-8 as WSGI hands it over (latin-1 text): werkzeug reads it as UTF-8
    "a=%C3%A9+%2b",
]


def _same_as_werkzeug(query: str) -> None:
    """query_pairs holds werkzeug's pairs, in the order they came; query_args its first values."""
    pairs = query_pairs()
    assert sorted(pairs) == sorted(request.args.items(multi=True)), query
    assert list(query_args().items()) == list(request.args.items()), query


@pytest.mark.parametrize("query", QUERIES)
def test_query_pairs_are_werkzeugs_pairs(app, query):
    with app.test_request_context("/scim/v2/Users", environ_overrides={"QUERY_STRING": query}):
        _same_as_werkzeug(query)


def test_query_pairs_of_random_queries_are_werkzeugs_pairs(app):
    # Every character that means something in a query, and escapes both valid and broken.
    alphabet = [
        "a",
        "B",
        "=",
        "&",
        "+",
        "%",
        "%2",
        "%20",
        "%3D",
        "%26",
        "%2B",
        "%FF",
        "%C3%A9",
        "%E2%82",
        ";",
        "~",
    ]
    rng = random.Random(17)
    for _ in range(2000):
        query = "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))
        with app.test_request_context("/scim/v2/Users", environ_overrides={"QUERY_STRING": query}):
            _same_as_werkzeug(query)


def test_query_pairs_keep_the_order_they_came_in(app):
    with app.test_request_context("/scim/v2/Users", environ_overrides={"QUERY_STRING": "b=1&a=2&b=3"}):
        assert query_pairs() == [("b", "1"), ("a", "2"), ("b", "3")]
        assert query_args() == {"b": "1", "a": "2"}


@pytest.mark.parametrize("query", ["a=\xe9", 'filter=userName eq "\xe9\xff"', "\xff=\xfe"])
def test_a_query_that_is_not_utf8_is_answered_not_crashed_on(app, query):
    # mockscim's own server refuses such a request target; another WSGI server may pass it on.
    response = app.test_client().get(
        "/scim/v2/Users", environ_overrides={"QUERY_STRING": query}, auth=("u", "token-for-tests")
    )
    assert response.status_code in (200, 400), response.data
    assert response.json["schemas"][0].startswith("urn:ietf:params:scim:api:messages:2.0:")


def test_no_view_or_hook_is_a_coroutine_function(app):
    # ScimFlask.ensure_sync returns every function as it is: that is only right for plain ones.
    hooks = chain.from_iterable(
        chain.from_iterable(funcs.values())
        for funcs in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
    )
    handlers = (
        h for spec in app.error_handler_spec.values() for codes in spec.values() for h in codes.values()
    )
    functions = [*app.view_functions.values(), *hooks, *handlers]
    assert len(functions) > 40
    assert [f for f in functions if inspect.iscoroutinefunction(inspect.unwrap(f))] == []


# (CONTENT_LENGTH, Transfer-Encoding, body bytes on the stream): what a server may hand the app.
BODY_CASES = {
    "GET, nothing declared": (None, None, b""),
    "empty length": ("", None, b""),
    "length 0": ("0", None, b""),
    "length 2": ("2", None, b"{}"),
    "chunked, no length": (None, "chunked", b"{}"),
    "length 00": ("00", None, b""),
    "length 7, read straight": ("7", None, b'{"a":1}'),
    "length with a sign": ("+7", None, b'{"a":1}'),
    "length and chunked": ("7", "chunked", b'{"a":1}'),
    "length with spaces": (" 7 ", None, b'{"a":1}'),
    "length not ASCII": ("\u0667", None, b"{"),
}


def _body_environ(case: tuple[str | None, str | None, bytes]) -> dict[str, object]:
    length, encoding, data = case
    environ: dict[str, object] = {"wsgi.input": io.BytesIO(data), "wsgi.input_terminated": True}
    environ.update({"CONTENT_LENGTH": length} if length is not None else {})
    environ.update({"HTTP_TRANSFER_ENCODING": encoding} if encoding else {})
    return environ


@pytest.mark.parametrize("case", BODY_CASES.values(), ids=BODY_CASES.keys())
def test_a_body_declared_absent_is_what_werkzeug_reads(app, case):
    with app.test_request_context("/scim/v2/Users", method="POST", environ_overrides=_body_environ(case)):
        werkzeugs = request.get_data()
    with app.test_request_context("/scim/v2/Users", method="POST", environ_overrides=_body_environ(case)):
        assert RequestBody().raw == werkzeugs
        assert request.get_data() == werkzeugs  # werkzeug's own readers see the same bytes later
        assert _declares_no_body(request.environ) == (case[0] in (None, "", "0") and case[1] is None)


@pytest.mark.parametrize("terminated", [True, False])
def test_a_body_shorter_than_its_length_is_a_client_that_left(app, terminated):
    environ = {"wsgi.input": io.BytesIO(b"{}"), "CONTENT_LENGTH": "10"}
    environ.update({"wsgi.input_terminated": True} if terminated else {})
    with app.test_request_context("/scim/v2/Users", method="POST", environ_overrides=environ):
        with pytest.raises(ClientDisconnected):
            RequestBody()


def _sample(converter: object) -> object:
    """A value each URL converter accepts."""
    if type(converter).__name__ == "AnyConverter":
        return sorted(converter.items)[0]  # type: ignore[attr-defined]
    return 7 if type(converter).__name__ in ("IntegerConverter", "NumberConverter") else "a b/c"


def test_url_rules_build_what_werkzeugs_own_builders_build(app):
    # LazyRule compiles werkzeug's builders on first use instead of at startup.
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 40 and all(type(rule).__name__ == "LazyRule" for rule in rules)
    for rule in rules:
        values = {name: _sample(rule._converters.get(name)) for name in rule.arguments}
        for unknown in (False, True):
            wanted = Rule._compile_builder(rule, unknown).__get__(rule, None)
            extra = {"q": "r s"} if unknown else {}
            assert rule.build({**values, **extra}, unknown) == wanted(**values, **extra), rule.rule


@pytest.mark.parametrize("content_type", sorted(_USUAL_TYPES))
def test_usual_content_types_name_werkzeugs_media_type(app, content_type):
    with app.test_request_context("/scim/v2/Users", environ_overrides={"CONTENT_TYPE": content_type}):
        assert _USUAL_TYPES[content_type] == request.mimetype
