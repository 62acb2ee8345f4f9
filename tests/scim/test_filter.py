"""Filter grammar (RFC 7644 §3.4.2.2): parse, print, compile and evaluate; every error path."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from mockscim.errors import InvalidFilter
from mockscim.scim.filter import And
from mockscim.scim.filter import Compare
from mockscim.scim.filter import Not
from mockscim.scim.filter import Or
from mockscim.scim.filter import Present
from mockscim.scim.filter import ValuePath
from mockscim.scim.filter import compile_filter
from mockscim.scim.filter import equality_terms
from mockscim.scim.filter import parse_filter
from mockscim.scim.filter import to_text
from mockscim.scim.filter.parser import parse_tokens
from mockscim.scim.paths import AttrPath
from mockscim.scim.schema import GROUP_TYPE
from mockscim.scim.schema import USER_TYPE

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.fixture
def alice() -> dict:
    """A stored user with every kind of attribute the filters below read."""
    return {
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "00uAbC",
        "userName": "Alice.Smith@Example.com",
        "name": {"givenName": "Alice", "familyName": "Smith"},
        "displayName": "Alice Smith",
        "title": "Engineer",
        "active": True,
        "emails": [
            {"value": "alice@example.com", "type": "work", "primary": True},
            {"value": "alice@home.example.org", "type": "home"},
        ],
        "meta": {"created": "2026-01-02T03:04:05.000Z", "lastModified": "2026-02-01T00:00:00.000Z"},
        ENTERPRISE: {"department": "Engineering", "manager": {"value": "boss-1"}},
        "groups": [{"value": "g-1", "display": "Admins"}],
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # eq on a caseExact=false attribute ignores case (RFC 7643 §4.1.1 userName).
        ('userName eq "alice.smith@example.com"', True),
        ('userName eq "ALICE.SMITH@EXAMPLE.COM"', True),
        ('userName eq "bob@example.com"', False),
        ('USERNAME Eq "alice.smith@example.com"', True),  # attribute names and operators
        ('userName ne "bob@example.com"', True),
        ('userName ne "alice.smith@example.com"', False),
        ('userName co "smith@"', True),
        ('userName co "jones"', False),
        ('userName sw "alice."', True),
        ('userName sw "smith"', False),
        ('userName ew "example.com"', True),
        ('userName ew "example"', False),
        ('userName gt "alice"', True),
        ('userName lt "alice"', False),
        ('userName ge "alice.smith@example.com"', True),
        ('userName le "alice.smith@example.com"', True),
        ("title pr", True),
        ("nickName pr", False),
        ("emails pr", True),
        # caseExact attributes compare exactly (RFC 7643 §3.1: id and externalId).
        ('externalId eq "00uAbC"', True),
        ('externalId eq "00uabc"', False),
        ('id eq "2819c223-7f76-453a-919d-413861904646"', True),
        # booleans compare as booleans.
        ("active eq true", True),
        ("active eq false", False),
        ("active ne false", True),
        # dates compare chronologically, not as text.
        ('meta.created gt "2026-01-01T00:00:00Z"', True),
        ('meta.created lt "2026-01-02T03:04:05.001Z"', True),
        ('meta.lastModified ge "2026-02-01T00:00:00+00:00"', True),
        ('meta.created gt "2027-01-01T00:00:00Z"', False),
        # sub-attributes and multi-valued attributes (any value matches).
        ('name.givenName eq "alice"', True),
        ('name.familyName eq "Jones"', False),
        ('emails.value ew "example.org"', True),
        ('emails.type eq "other"', False),
        ('emails co "home.example"', True),  # complex multi-valued: compares "value"
        ('groups.value eq "g-1"', True),
        # value paths: all conditions must hold for the same element.
        ('emails[type eq "work" and value co "@example.com"]', True),
        ('emails[type eq "home" and value co "@example.com"]', False),
        ('emails[type eq "home" or primary eq true]', True),
        ('emails[not (type eq "work")]', True),
        ("emails[primary pr]", True),
        # URN-qualified extension attributes.
        (f'{ENTERPRISE}:department eq "engineering"', True),
        (f'{ENTERPRISE}:manager.value eq "boss-1"', True),
        (f'{ENTERPRISE}:department eq "sales"', False),
        ('urn:ietf:params:scim:schemas:core:2.0:User:userName sw "alice"', True),
        # logical operators, precedence (and binds tighter than or), parentheses and not.
        ('userName eq "x" or title eq "Engineer"', True),
        ('userName eq "x" and title eq "Engineer"', False),
        ('userName eq "x" or title eq "Engineer" and active eq false', False),
        ('(userName eq "x" or title eq "Engineer") and active eq true', True),
        ('not (userName eq "x")', True),
        ("not (active eq true)", False),
        ('title eq "Engineer" and not (emails[type eq "other"])', True),
        # null: eq null means "has no value", ne null means "has a value".
        ("nickName eq null", True),
        ("title ne null", True),
    ],
)
def test_filter_matches_user(alice, text, expected):
    assert compile_filter(parse_filter(text), USER_TYPE)(alice) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('displayName eq "engineering"', True),
        ('members[value eq "u-2"]', True),
        ('members.value eq "u-9"', False),
        ('members[value eq "u-1" and display sw "al"]', True),
    ],
)
def test_filter_matches_group(text, expected):
    group = {
        "displayName": "Engineering",
        "members": [{"value": "u-1", "display": "alice"}, {"value": "u-2"}],
    }
    assert compile_filter(parse_filter(text), GROUP_TYPE)(group) is expected


def test_filter_and_binds_tighter_than_or():
    parsed = parse_filter('a eq "1" or b eq "2" and c eq "3"')
    assert isinstance(parsed, Or)
    assert isinstance(parsed.right, And)


@pytest.mark.parametrize(
    ("text", "ast"),
    [
        ("title pr", Present(AttrPath("title"))),
        ('name.givenName eq "A"', Compare(AttrPath("name", "givenName"), "eq", "A")),
        ("x eq 5", Compare(AttrPath("x"), "eq", 5)),
        ("x eq 1.5", Compare(AttrPath("x"), "eq", 1.5)),
        ("x eq -2", Compare(AttrPath("x"), "eq", -2)),
        ("x eq null", Compare(AttrPath("x"), "eq", None)),
        ("x eq FALSE", Compare(AttrPath("x"), "eq", False)),
        ('x eq "a \\"quoted\\" \\u00e9"', Compare(AttrPath("x"), "eq", 'a "quoted" é')),
        ('not (x eq "1")', Not(Compare(AttrPath("x"), "eq", "1"))),
        ('emails[type eq "work"]', ValuePath(AttrPath("emails"), Compare(AttrPath("type"), "eq", "work"))),
        (
            f'{ENTERPRISE}:manager.value eq "m"',
            Compare(AttrPath("manager", "value", ENTERPRISE), "eq", "m"),
        ),
        ('(((x eq "1")))', Compare(AttrPath("x"), "eq", "1")),
        ("$ref pr", Present(AttrPath("$ref"))),
    ],
)
def test_parse_builds_ast(text, ast):
    assert parse_filter(text) == ast


@pytest.mark.parametrize(
    "text",
    [
        'userName eq "a"',
        'a eq "1" and (b eq "2" or c eq "3")',
        'a eq "1" or b eq "2" and c eq "3"',
        'a eq "1" and (b eq "2" and c eq "3")',
        'not (a eq "1" or b pr)',
        'emails[type eq "work" and not (value co "x")]',
        'x eq "tab\\tand \\"quote\\""',
        "x gt 10 or y le -1.5",
    ],
)
def test_print_then_parse_gives_same_ast(text):
    parsed = parse_filter(text)
    assert parse_filter(to_text(parsed)) == parsed


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("userName", "must be followed by an operator"),
        ("userName eq", "expected a value after 'eq'"),
        ('userName eq "alice', "unexpected character"),
        ('userName equals "x"', "not an operator"),
        ("userName eq alice", "expected a value"),
        ('(userName eq "x"', "end of filter"),
        ('userName eq "x")', "unexpected ')'"),
        ('userName eq "x" userName eq "y"', "join expressions"),
        ('userName eq "x" and', "end of filter"),
        ('not userName eq "x"', "must be followed by '('"),
        ('emails[type eq "work"', "end of filter"),
        ('emails[type eq "work"]]', "unexpected ']'"),
        ('emails[type[value eq "x"]]', "cannot be nested"),
        ('name.givenName[value eq "x"]', "not a sub-attribute"),
        ('x eq "\\q"', "invalid string literal"),
        ("x eq @", "unexpected character"),
        ("1abc eq 2", "unexpected character"),
        ("a.b.c eq 1", "not a valid attribute path"),
        ('x eq "1" or ()', "expected an attribute name"),
    ],
)
def test_parse_rejects_malformed_filter(text, fragment):
    with pytest.raises(InvalidFilter) as caught:
        parse_filter(text)
    assert caught.value.scim_type == "invalidFilter"
    assert fragment in caught.value.detail


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('nosuch eq "x"', "is not an attribute"),
        ('name.nosuch eq "x"', "no sub-attribute"),
        ('urn:example:unknown:1.0:User:x eq "y"', "unknown schema"),
        ("active gt true", "boolean"),
        ('active eq "true"', "boolean"),
        ("userName eq 5", "quote the value"),
        ('active co "t"', "only to string"),
        ('meta.created gt "yesterday"', "RFC 3339"),
        ('name eq "Alice"', "is complex"),
        ("userName gt null", "null"),
        ('emails[nosuch eq "x"]', "not a sub-attribute"),
        ('userName[value eq "x"]', "complex attributes only"),
    ],
)
def test_compile_rejects_unsupported_filter(text, fragment):
    with pytest.raises(InvalidFilter) as caught:
        compile_filter(parse_filter(text), USER_TYPE)
    assert fragment in caught.value.detail


@pytest.mark.parametrize(
    ("text", "limit", "fragment"),
    [
        ('userName eq "' + "a" * 100 + '"', {"max_length": 50}, "limit is 50"),
        ("(" * 5 + 'a eq "1"' + ")" * 5, {"max_depth": 3}, "deeper than the limit of 3"),
        ("not (" * 5 + 'a eq "1"' + ")" * 5, {"max_depth": 4}, "deeper than the limit of 4"),
    ],
)
def test_parse_enforces_limits(text, limit, fragment):
    with pytest.raises(InvalidFilter) as caught:
        parse_filter(text, **limit)
    assert fragment in caught.value.detail


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ('userName eq "a"', [("userName", "a")]),
        ('userName eq "a" and active eq true', [("userName", "a"), ("active", True)]),
        ('userName eq "a" or title eq "b"', []),
        ('not (userName eq "a")', []),
        ("userName eq null", []),
    ],
)
def test_equality_terms_lists_index_candidates(text, terms):
    found = [(t.path.attr, t.value) for t in equality_terms(parse_filter(text))]
    assert found == terms


LOOKUP_LIKE = [
    'userName eq "alice@example.com"',
    '  userName   EQ  "Alice Smith"  ',
    'displayName Eq ""',
    'name.givenName eq "Ünïcødé ✓"',
    'x-y_z9 eq "a\x7fb"',
    'userName eq "a\\"b"',  # an escape: the full parser
    'userName eq "a\\u0041"',
    'userName eq "tab\there"',  # a control character: refused by the full parser
    'userName eq "a" and active eq true',
    "userName eq 5",
    'userName ne "a"',
    'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a"',
    '$ref eq "a"',
    'a.b.c eq "a"',
    '9a eq "a"',
    'userName eq "a',
    'userName\teq "a"',
    'userName eq\u00a0"a"',
    'userName eq "a" ',
    '(userName eq "a")',
]


def full_parse(text: str) -> object:
    """What the tokenizer and the full grammar make of ``text``: an AST, or the refusal's text."""
    try:
        return parse_tokens(text)
    except InvalidFilter as refused:
        return refused.detail


@pytest.mark.parametrize("text", LOOKUP_LIKE)
def test_the_lookup_shortcut_parses_as_the_full_parser_does(text):
    try:
        assert parse_filter(text) == full_parse(text)
    except InvalidFilter as refused:
        assert refused.detail == full_parse(text)


PIECES = st.sampled_from(["userName", "name.givenName", "a-b", "x", "$ref", "9", ".", "urn:a:b"])
OPS = st.sampled_from(["eq", "EQ", "eQ", "ne", "e q", "sw"])
SPACES = st.sampled_from(["", " ", "  ", "\t", "\u00a0"])
TEXTS = st.text(st.sampled_from('ab Z"\\\x00\x1f\x7féu0041'), max_size=6)


@hypothesis_settings(max_examples=300, deadline=None)
@given(SPACES, PIECES, SPACES, OPS, SPACES, TEXTS, SPACES, st.booleans())
def test_the_lookup_shortcut_agrees_with_the_full_parser_on_nearby_text(
    s1, attr, s2, op, s3, value, s4, quoted
):
    literal = f'"{value}"' if quoted else value
    text = f"{s1}{attr}{s2 or ' '}{op}{s3 or ' '}{literal}{s4}"
    expected = full_parse(text)
    try:
        assert parse_filter(text) == expected
    except InvalidFilter as refused:
        assert refused.detail == expected
