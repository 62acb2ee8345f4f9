"""Broken SCIM servers for the library tests: mockscim's real WSGI app behind a middleware that
breaks exactly one Okta expectation (docs/okta-reference.md §2.5, §3, §5.1, §7, §9.4, §11).

Each defect rewrites one kind of request or response and leaves everything else to mockscim,
so a scenario that fails against it fails because of that defect and nothing else.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from mockscim.config import AuthConfig
from mockscim.config import Settings
from mockscim.schema_extensions import example_path
from mockscim.server import create_app
from mockscim.server.serving import BackgroundServer
from mockscim.server.serving import start_background

USER, TOKEN = "okta", "library-test-token"
SCIM = "/scim/v2"
ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class Answer:
    """A complete WSGI response, as a defect sees and rewrites it."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def with_json(self, data: Any, status: int | None = None) -> Answer:
        """The same answer with a new JSON body (Content-Length recomputed)."""
        headers = [(k, v) for k, v in self.headers if k.lower() not in ("content-length", "content-type")]
        body = json.dumps(data).encode()
        headers += [("Content-Type", "application/scim+json"), ("Content-Length", str(len(body)))]
        return Answer(status or self.status, headers, body)


def error(status: int, detail: str) -> Answer:
    """A SCIM Error answer, as a broken server that at least speaks SCIM would send it."""
    body = {"schemas": [ERROR_URN], "status": str(status), "detail": detail}
    return Answer(status, [], b"").with_json(body, status)


class Defect:
    """A WSGI middleware around mockscim: ``intercept`` may answer instead, ``rewrite`` may change
    mockscim's answer. Subclasses override one of them."""

    def __init__(self, app: WsgiApp):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        data = request.get_data(cache=True)
        environ["wsgi.input"] = io.BytesIO(data)  # mockscim reads the body again
        answer = self.intercept(request) or self.rewrite(request, self.call(environ))
        reason = f"{answer.status} {_REASONS.get(answer.status, 'Status')}"
        start_response(reason, answer.headers)
        return [answer.body]

    def call(self, environ: dict[str, Any]) -> Answer:
        """Run mockscim on ``environ`` and collect its whole answer."""
        captured: dict[str, Any] = {}
        chunks: list[bytes] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.update(status=int(status.split()[0]), headers=list(headers))
            return chunks.append

        result = self.app(environ, start_response)
        try:
            chunks.extend(result)
        finally:
            getattr(result, "close", lambda: None)()
        return Answer(captured["status"], captured["headers"], b"".join(chunks))

    def get(self, request: Request, path: str) -> Answer:
        """A GET sub-request to mockscim with the caller's credentials (to look at stored state)."""
        headers = {"Authorization": request.headers.get("Authorization", "")}
        environ = EnvironBuilder(path=path, method="GET", headers=headers).get_environ()
        return self.call(environ)

    def intercept(self, request: Request) -> Answer | None:
        """An answer that replaces mockscim's, or None to pass the request on."""
        return None

    def rewrite(self, request: Request, answer: Answer) -> Answer:
        """mockscim's answer, changed or not."""
        return answer


def _body(request: Request) -> dict[str, Any]:
    """The request's JSON object body, or {} (mockscim itself reports bad bodies)."""
    try:
        body = json.loads(request.get_data() or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


_REASONS = {200: "OK", 201: "Created", 204: "No Content", 404: "Not Found", 409: "Conflict", 500: "Error"}


def _list_response(answer: Answer) -> dict[str, Any] | None:
    """The body if it is a ListResponse."""
    body = answer.json()
    return body if isinstance(body, dict) and LIST_URN in body.get("schemas", []) else None


class StringStartIndex(Defect):
    """``"startIndex": "1"``: a string where Okta needs an integer (docs/okta-reference.md §2.5, S26)."""

    def rewrite(self, request: Request, answer: Answer) -> Answer:
        body = _list_response(answer)
        if body is None or "startIndex" not in body:
            return answer
        return answer.with_json({**body, "startIndex": str(body["startIndex"])})


class PathlessPatch500(Defect):
    """500 for a PATCH operation without ``path``, like servers that only knew ``path: active``
    (docs/okta-reference.md §7.1, S18 #95)."""

    def intercept(self, request: Request) -> Answer | None:
        if request.method != "PATCH":
            return None
        operations = _body(request).get("Operations", [])
        if any(isinstance(op, dict) and "path" not in op for op in operations):
            return error(500, "NullPointerException: operation path is null")
        return None


class DeactivatedUser404(Defect):
    """404 for ``GET /Users/{id}`` of an inactive user, as if deactivation deleted it (docs/okta-reference.md §7.3)."""

    def rewrite(self, request: Request, answer: Answer) -> Answer:
        body = answer.json()
        is_user = request.method == "GET" and request.path.startswith(f"{SCIM}/Users/")
        if is_user and answer.status == 200 and isinstance(body, dict) and body.get("active") is False:
            return error(404, f"User {body.get('id')} not found")
        return answer


class GroupPutOwnName409(Defect):
    """409 for a group PUT that repeats the group's own displayName (docs/okta-reference.md §9.4, S28)."""

    def intercept(self, request: Request) -> Answer | None:
        if request.method != "PUT" or not request.path.startswith(f"{SCIM}/Groups/"):
            return None
        wanted = _body(request).get("displayName", "")
        current = self.get(request, request.path).json() or {}
        if str(current.get("displayName", "")).lower() == str(wanted).lower():
            return error(409, "Group with this name already exists")
        return None


class MissingResourcesWhenEmpty(Defect):
    """A ListResponse without ``Resources`` when nothing matched (docs/okta-reference.md §3, S14)."""

    def rewrite(self, request: Request, answer: Answer) -> Answer:
        body = _list_response(answer)
        if body is None or body.get("totalResults") != 0:
            return answer
        return answer.with_json({k: v for k, v in body.items() if k != "Resources"})


USER_NAME_EQ = re.compile(r'userName eq "([^"]*)"')


def _user_name_eq(request: Request) -> str | None:
    """The value of Okta's lookup filter ``userName eq "..."`` on GET /Users, if that is the request."""
    if request.method != "GET" or request.path != f"{SCIM}/Users":
        return None
    match = USER_NAME_EQ.fullmatch(request.args.get("filter", ""))
    return match.group(1) if match else None


class CaseSensitiveLookup(Defect):
    """``userName eq`` compares case-sensitively, so another case finds nothing (docs/okta-reference.md §5.1, S7)."""

    def rewrite(self, request: Request, answer: Answer) -> Answer:
        wanted, body = _user_name_eq(request), _list_response(answer)
        if wanted is None or body is None:
            return answer
        kept = [r for r in body.get("Resources", []) if r.get("userName") == wanted]
        return answer.with_json(
            {**body, "totalResults": len(kept), "itemsPerPage": len(kept), "Resources": kept}
        )


class CaseSensitiveDuplicates(Defect):
    """A userName that differs only in case is accepted as a new user (docs/okta-reference.md §5.1, §11; C9336)."""

    def intercept(self, request: Request) -> Answer | None:
        if request.method != "POST" or request.path != f"{SCIM}/Users":
            return None
        posted = _body(request)
        name = str(posted.get("userName", ""))
        query = quote(f'userName eq "{name}"', safe="")
        found = self.get(request, f"{SCIM}/Users?filter={query}").json() or {}
        if not any(r.get("userName") != name for r in found.get("Resources", [])):
            return None
        created = {**posted, "id": str(uuid.uuid4()), "meta": {"resourceType": "User"}}
        created.pop("password", None)
        return Answer(201, [], b"").with_json(created)


CORE_URNS = (
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:core:2.0:Group",
)


def _without_custom(resource: Any) -> Any:
    """A resource without its custom extension objects (and their URNs in ``schemas``)."""
    if not isinstance(resource, dict):
        return resource
    kept = {k: v for k, v in resource.items() if not k.lower().startswith("urn:") or k in CORE_URNS}
    if isinstance(kept.get("schemas"), list):
        kept["schemas"] = [
            u
            for u in kept["schemas"]
            if u in CORE_URNS or not str(u).startswith("urn:ietf:params:scim:schemas:")
        ]
    return kept


class DropsCustomAttributes(Defect):
    """Declares a custom extension in /Schemas but never returns its attributes, as a server that
    ignores unknown input does (docs/okta-reference.md §5.2, §15)."""

    def rewrite(self, request: Request, answer: Answer) -> Answer:
        body = answer.json()
        if not request.path.startswith(f"{SCIM}/Users") or not isinstance(body, dict):
            return answer
        if isinstance(body.get("Resources"), list):
            return answer.with_json({**body, "Resources": [_without_custom(r) for r in body["Resources"]]})
        return answer.with_json(_without_custom(body))


class EmptySchemaExtensions(Defect):
    """/ResourceTypes lists no schemaExtensions for User although /Schemas declares extensions, so
    Okta's Import User Schema finds no custom attributes (docs/okta-reference.md §15)."""

    def rewrite(self, request: Request, answer: Answer) -> Answer:
        body = answer.json()
        if not request.path.startswith(f"{SCIM}/ResourceTypes") or not isinstance(body, dict):
            return answer
        if isinstance(body.get("Resources"), list):
            return answer.with_json({**body, "Resources": [_no_extensions(r) for r in body["Resources"]]})
        return answer.with_json(_no_extensions(body))


def _no_extensions(resource_type: Any) -> Any:
    """A resource type document with an empty schemaExtensions list."""
    return {**resource_type, "schemaExtensions": []} if isinstance(resource_type, dict) else resource_type


DEFECTS: dict[str, type[Defect]] = {
    "string-startIndex": StringStartIndex,
    "500-on-pathless-patch": PathlessPatch500,
    "404-for-deactivated-users": DeactivatedUser404,
    "409-on-group-put-of-its-own-name": GroupPutOwnName409,
    "no-Resources-when-empty": MissingResourcesWhenEmpty,
    "case-sensitive-userName-lookup": CaseSensitiveLookup,
    "case-different-duplicate-accepted": CaseSensitiveDuplicates,
    "drops-custom-attributes": DropsCustomAttributes,
    "empty-schemaExtensions": EmptySchemaExtensions,
}


@dataclass
class Served:
    """A running server: its SCIM base URL and the ``--auth`` spec for it."""

    base_url: str
    auth: str


def serve(defect: type[Defect] | None, *, extension: bool = True) -> tuple[Served, BackgroundServer]:
    """mockscim, wrapped in ``defect`` when given, on a loopback port; it declares the packaged
    example extension (as ``mockscim run``'s embedded mock does) unless ``extension`` is False."""
    extensions = (example_path(),) if extension else ()
    settings = Settings(port=0, auth=AuthConfig.parse(f"basic:{USER}:{TOKEN}"), schema_extensions=extensions)
    app: Any = create_app(settings)
    running = start_background(defect(app) if defect else app)
    return Served(running.url + SCIM, f"basic:{USER}:{TOKEN}"), running


@pytest.fixture
def broken_server(request: pytest.FixtureRequest) -> Iterator[Served]:
    """mockscim with the defect named by the test's ``defect`` parameter (indirect)."""
    served, running = serve(DEFECTS[request.param])
    yield served
    running.stop()


@pytest.fixture
def plain_server() -> Iterator[Served]:
    """mockscim without a declared extension: a team's server with no custom attributes."""
    served, running = serve(None, extension=False)
    yield served
    running.stop()
