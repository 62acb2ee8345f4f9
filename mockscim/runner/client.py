"""The HTTP side of the runner: Okta's default headers, credentials, URL joining, timing.

``ScimClient`` knows a base URL and nothing else about the server.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from dataclasses import field
from json import dumps
from typing import Any
from urllib.parse import quote
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from urllib3.exceptions import ConnectTimeoutError
from urllib3.exceptions import NewConnectionError

from mockscim.constants import OKTA_CONTENT_TYPE
from mockscim.constants import OKTA_USER_AGENT
from mockscim.constants import SCIM_MEDIA_TYPE
from mockscim.runner.errors import RunnerError
from mockscim.runner.errors import TargetUnreachable

# The header set of Okta's SCIM 2.0 client, captured by Okta (docs/okta-reference.md §2.2, S9).
OKTA_HEADERS = {
    "User-Agent": OKTA_USER_AGENT,
    "Accept": SCIM_MEDIA_TYPE,
    "Accept-Charset": "utf-8",
    "Accept-Encoding": "gzip,deflate",
}
DEFAULT_TIMEOUT = 60.0  # Okta closes the socket after 60 s (docs/okta-reference.md §2.5, S3).
REDACTED = "<redacted>"


class CredentialsError(RunnerError, ValueError):
    """An ``--auth`` spec cannot be parsed."""


@dataclass(frozen=True)
class Credentials:
    """The credential header to send: ``header`` name and ``value`` (None for no credentials)."""

    header: str | None = None
    value: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, spec: str | None) -> Credentials:
        """Parse ``basic:USER:PASS``, ``bearer:TOKEN``, ``header:Name: value`` or ``none``."""
        mode, _, rest = (spec or "none").partition(":")
        mode = mode.strip().lower()
        if mode == "none" and not rest:
            return cls()
        if mode == "bearer" and rest:
            return cls("Authorization", f"Bearer {rest}")
        user, sep, password = rest.partition(":")
        if mode == "basic" and user and sep:
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            return cls("Authorization", f"Basic {token}")
        name, sep, value = rest.partition(":")
        if mode == "header" and name.strip() and sep:
            return cls(name.strip(), value.strip())
        raise CredentialsError(
            f"auth {spec!r} is not valid; use basic:USER:PASSWORD, bearer:TOKEN, 'header:Name: value' or none"
        )


@dataclass(frozen=True)
class Outgoing:
    """A fully substituted request, ready to send."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None = None


@dataclass(frozen=True)
class Exchange:
    """One request and what came back (``status`` 0 and ``error`` set if nothing came back)."""

    request: Outgoing
    status: int = 0
    reason: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    text: str = ""
    elapsed_ms: float = 0.0
    error: str | None = None

    def header(self, name: str) -> str | None:
        """A response header, case-insensitively."""
        return CaseInsensitiveDict(self.headers).get(name)


def join_url(base_url: str, path: str) -> str:
    """Append ``path`` to the base URL (urljoin would drop ``/scim/v2``)."""
    if path.startswith(("http://", "https://")):
        return path
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def encode_query(query: dict[str, Any]) -> str:
    """Percent-encode like Okta: ``filter=userName%20eq%20%22a%40b.c%22`` (docs/okta-reference.md §2.4)."""
    pairs = []
    for name, value in query.items():
        for item in value if isinstance(value, list) else [value]:
            if item is None:
                continue
            text = dumps(item) if isinstance(item, bool) else str(item)
            pairs.append(f"{quote(str(name), safe='')}={quote(text, safe='')}")
    return "&".join(pairs)


def _keep_request(request: requests.PreparedRequest) -> requests.PreparedRequest:
    """An auth hook that adds nothing: stops requests adding ~/.netrc credentials."""
    return request


def _unreachable(exc: requests.RequestException) -> bool:
    """True when no connection was made at all (refused, DNS, connect timeout)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


class EnvironmentOnce(requests.Session):
    """A requests session that reads the environment's settings (proxies, ``NO_PROXY``, the CA
    bundle) once per origin, not on every request: requests does it for each call, and it was
    about a twelfth of a library run (benchmarks.runner_overhead). A run does not change its
    environment, and those settings depend on the URL's scheme, host and port only."""

    def __init__(self) -> None:
        super().__init__()
        self._settings: dict[tuple[Any, ...], dict[str, Any]] = {}

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> dict[str, Any]:
        """requests' own answer, computed once per origin and arguments; a fresh copy each time."""
        parts = urlsplit(str(url))
        key = (parts.scheme, parts.netloc, tuple(sorted((proxies or {}).items())), stream, verify, str(cert))
        if key not in self._settings:
            self._settings[key] = super().merge_environment_settings(url, proxies, stream, verify, cert)
        merged = self._settings[key]
        return {**merged, "proxies": dict(merged["proxies"])}


class ScimClient:
    """Sends Okta-shaped requests to one base URL with one set of credentials."""

    def __init__(
        self, base_url: str, credentials: Credentials | None = None, *, timeout: float = DEFAULT_TIMEOUT
    ):
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials or Credentials()
        self.timeout = timeout
        self.session = EnvironmentOnce()
        self.session.headers.clear()  # no python-requests User-Agent: only Okta's headers go out

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def forget_cookies(self) -> None:
        """Drop cookies earlier responses set: each scenario starts as a new client would."""
        self.session.cookies.clear()

    def __enter__(self) -> ScimClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def default_headers(self, *, with_body: bool, auth: bool = True) -> CaseInsensitiveDict:
        """Okta's headers, the credential header, and Content-Type when there is a body."""
        headers = CaseInsensitiveDict(OKTA_HEADERS)
        if auth and self.credentials.header:
            headers[self.credentials.header] = self.credentials.value
        if with_body:
            headers["Content-Type"] = OKTA_CONTENT_TYPE
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        query: dict[str, Any] | None = None,
        headers: dict[str, str | None] | None = None,
    ) -> requests.Response:
        """Send an Okta-shaped request and return the ``requests`` response (for hand-written tests)."""
        body = None if json is None else dumps(json, ensure_ascii=False, separators=(",", ":")).encode()
        merged = self.default_headers(with_body=body is not None)
        for name, value in (headers or {}).items():
            merged[name] = value  # None removes the header (requests drops None values)
        url = join_url(self.base_url, path)
        encoded = encode_query(query or {})
        if encoded:
            url += ("&" if "?" in url else "?") + encoded
        return self.session.request(
            method,
            url,
            headers=dict(merged),
            data=body,
            timeout=self.timeout,
            allow_redirects=False,
            auth=_keep_request,
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        """GET base + path."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        """POST a JSON body to base + path."""
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        """PUT a JSON body to base + path."""
        return self.request("PUT", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        """PATCH a JSON body to base + path."""
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        """DELETE base + path."""
        return self.request("DELETE", path, **kwargs)

    def patch_and_read(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        """PATCH ``path``, then return the resource: the 200 answer itself, or, when the server
        answered 204 without a body (RFC 7644 §3.5.2 allows both), a GET of the same path."""
        response = self.patch(path, json=json, **kwargs)
        return self.get(path) if response.status_code == 204 else response

    def send(self, outgoing: Outgoing) -> Exchange:
        """Send one request (redirects are not followed, so a 3xx is visible to expectations)."""
        started = time.perf_counter()
        try:
            response = self.session.request(
                outgoing.method,
                outgoing.url,
                headers=outgoing.headers,
                data=outgoing.body,
                timeout=self.timeout,
                allow_redirects=False,
                auth=_keep_request,
            )
        except requests.RequestException as exc:
            if _unreachable(exc):
                raise TargetUnreachable(outgoing.url, _reason(exc)) from None
            error = f"{type(exc).__name__}: {_reason(exc)}"
            return Exchange(self.redact(outgoing), elapsed_ms=_ms(started), error=error)
        return Exchange(
            self.redact(outgoing),
            status=response.status_code,
            reason=response.reason or "",
            headers=dict(response.headers),
            text=_decode(response),
            elapsed_ms=_ms(started),
        )

    def redact(self, outgoing: Outgoing) -> Outgoing:
        """A copy for reports without the secret (a step's own wrong credentials stay visible)."""
        headers = {
            name: REDACTED if self.credentials.header and value == self.credentials.value else value
            for name, value in outgoing.headers.items()
        }
        return Outgoing(outgoing.method, outgoing.url, headers, outgoing.body)


def _decode(response: requests.Response) -> str:
    """Body text: the declared charset, else UTF-8 (JSON's encoding, RFC 8259 §8.1), never a guess."""
    encoding = requests.utils.get_encoding_from_headers(response.headers) or "utf-8"
    try:
        return response.content.decode(encoding, errors="replace")
    except LookupError:  # an unknown charset name
        return response.content.decode("utf-8", errors="replace")


def _ms(started: float) -> float:
    """Milliseconds since ``started``."""
    return (time.perf_counter() - started) * 1000


def _reason(exc: BaseException) -> str:
    """The innermost useful text of a requests/urllib3 error."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    text = str(reason or exc)
    return text.split(": ", 1)[-1] if text.startswith("<") else text
