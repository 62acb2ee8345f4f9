"""The pieces of a report view: secrets redacted, JSON lines that know their pointers, bodies
marked where they differ and cut (with a note) when long, report groups from tags."""

from __future__ import annotations

import base64
import json

import pytest

from mockscim.runner.client import Credentials
from mockscim.runner.groups import group_of
from mockscim.runner.html_report import MAX_LINES
from mockscim.runner.html_report import body_view
from mockscim.runner.html_report import json_lines
from mockscim.runner.redaction import Redactor

TOKEN = "t0ken-for-the-target"


@pytest.fixture
def redactor() -> Redactor:
    """A redactor for a target with Basic credentials okta:TOKEN."""
    return Redactor(Credentials.parse(f"basic:okta:{TOKEN}"))


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        ("Authorization", "Basic b2t0YTp3cm9uZy1wYXNzd29yZA==", "Basic <redacted>"),
        ("authorization", "Bearer abc.def.ghi", "Bearer <redacted>"),
        ("Authorization", "non-token", "<redacted>"),
        ("Authorization", "<redacted>", "<redacted>"),
        ("Cookie", "session=s3cr3t", "<redacted>"),
        ("Set-Cookie", "session=s3cr3t; HttpOnly", "<redacted>"),
        ("Cookie", "sid abc", "<redacted>"),
        ("Content-Type", "application/scim+json", "application/scim+json"),
        ("X-Echo", f"you sent {TOKEN}", "you sent <redacted>"),
    ],
)
def test_headers_keep_only_the_scheme_of_credentials(redactor, name, value, shown):
    assert redactor.header(name, value) == shown


def test_the_target_credentials_are_hidden_wherever_they_appear(redactor):
    basic = base64.b64encode(f"okta:{TOKEN}".encode()).decode()
    text = f"echo: Basic {basic} / okta:{TOKEN} / {TOKEN}"
    assert redactor.text(text) == "echo: <redacted> / <redacted> / <redacted>"


def test_a_custom_credential_header_is_redacted():
    redactor = Redactor(Credentials.parse("header:X-Api-Key: k3y-value-1234"))
    assert redactor.header("x-api-key", "k3y-value-1234") == "<redacted>"
    assert redactor.text("key k3y-value-1234") == "key <redacted>"


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ({"userName": "a", "password": "p4ssw0rd!"}, {"userName": "a", "password": "<redacted>"}),
        (
            {"Operations": [{"op": "replace", "value": {"password": "n3w-pass"}}]},
            {"Operations": [{"op": "replace", "value": {"password": "<redacted>"}}]},
        ),
        ({"changePassword": {"supported": True}}, {"changePassword": {"supported": True}}),
        ({"clientSecret": "abcdef123"}, {"clientSecret": "<redacted>"}),
    ],
)
def test_passwords_in_json_bodies_are_redacted(redactor, body, shown):
    assert redactor.data(body) == shown


def test_a_learned_password_is_hidden_in_any_later_text(redactor):
    redactor.learn_body(json.dumps({"userName": "a", "password": "Xk7!secret"}))
    assert redactor.text('check: /password: expected absent, got "Xk7!secret"') == (
        'check: /password: expected absent, got "<redacted>"'
    )


@pytest.mark.parametrize(
    "raw",
    ['{"userName": "a", "password": "p4ssw0rd!", ', "user=a&password=p4ssw0rd!&x=1"],
)
def test_passwords_in_bodies_that_are_not_json_are_redacted(redactor, raw):
    redactor.learn_body(raw)
    assert "p4ssw0rd!" not in redactor.raw(raw)
    assert "p4ssw0rd!" not in redactor.text(f"got {raw}")


def test_json_lines_know_the_pointer_of_each_value():
    body = {"Resources": [{"id": "1", "a/b": True}], "totalResults": 1}
    assert list(json_lines(body)) == [
        ("{", ""),
        ('  "Resources": [', "/Resources"),
        ("    {", "/Resources/0"),
        ('      "id": "1",', "/Resources/0/id"),
        ('      "a/b": true', "/Resources/0/a~1b"),
        ("    }", "/Resources/0"),
        ("  ],", "/Resources"),
        ('  "totalResults": 1', "/totalResults"),
        ("}", ""),
    ]


def test_the_lines_a_failure_points_at_are_marked(redactor):
    text = json.dumps({"startIndex": "1", "Resources": [{"id": "x"}], "totalResults": 1})
    view = body_view(text, redactor, ["/startIndex", "/Resources"])
    marked = [line["text"].strip() for line in view["lines"] if line["mark"]]
    assert marked == ['"startIndex": "1",', '"Resources": [', "{", '"id": "x"', "}", "],"]
    assert view["note"] is None and view["json"]


def test_a_long_body_is_cut_with_a_note_but_keeps_a_marked_line_past_the_cut(redactor):
    body = {"Resources": [{"id": str(i)} for i in range(200)]}
    text = json.dumps(body)
    view = body_view(text, redactor, ["/Resources/150/id"])
    shown = [line for line in view["lines"] if "text" in line]
    assert len(shown) == MAX_LINES + 5  # the marked line with two lines of context each side
    assert [line["text"].strip() for line in shown if line["mark"]] == ['"id": "150"']
    assert view["lines"][MAX_LINES]["gap"] > 0
    assert view["note"].startswith(f"showing {MAX_LINES + 5} of 604 lines (")


def test_a_body_that_is_not_json_is_shown_as_sent(redactor):
    view = body_view("<html><body>Bad gateway</body></html>", redactor)
    assert view == {
        "json": False,
        "lines": [{"text": "<html><body>Bad gateway</body></html>", "mark": False}],
        "note": None,
    }
    assert body_view("", redactor) == {"json": False, "lines": [], "note": "no body"}


@pytest.mark.parametrize(
    ("tags", "group"),
    [
        (["okta", "aiw", "groups"], "Okta AIW"),
        (["okta", "oin"], "Okta OIN"),
        (["okta", "spec-test", "runscope"], "Okta SPEC test"),
        (["okta", "mock", "negative", "connector"], "Okta negative cases"),
        (["okta", "mock", "retry"], "mockscim faults"),
        (["okta", "connector"], "Okta, both dialects"),
        (["rfc", "filter"], "RFC 7644"),
        (["custom"], "Other"),
        ([], "Other"),
    ],
)
def test_report_groups_come_from_tags(tags, group):
    assert group_of(tags) == group
