"""Secrets out of reports: credential headers, the target's credentials wherever they appear, and
passwords in bodies (Okta sends one on every create, docs/okta-reference.md §5.2, §8).

``ScimClient.redact`` already replaces the target's own credential header; a report also shows
a step's own credentials (``Authorization: Basic ...`` of a wrong-password check), bodies and
failure messages that may echo a password. The ``Redactor`` covers all of them; what it cannot
recognise as a secret (a password in a field called something else) it cannot hide.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING
from typing import Any

from mockscim.runner.client import REDACTED
from mockscim.runner.client import Credentials
from mockscim.runner.pointer import MISSING

if TYPE_CHECKING:
    from mockscim.runner.execute import ScenarioResult

SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"}
)
SECRET_KEY = re.compile(r"password|passwd|secret", re.IGNORECASE)
# "password": "..." in a body that is not JSON (truncated, or sent raw by a scenario).
_JSON_PAIR = re.compile(
    r'("[^"]*(?:password|passwd|secret)[^"]*"\s*:\s*")((?:[^"\\]|\\.)*)(")', re.IGNORECASE
)
_FORM_PAIR = re.compile(r"((?:^|[&?])[^=&]*(?:password|passwd|secret)[^=&]*=)([^&]*)", re.IGNORECASE)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)\s+\S")  # Basic, Bearer, SSWS, ... (RFC 9110 §11.4)
MIN_SECRET = 6  # shorter values would blank out ordinary text


class Redactor:
    """Replaces secrets with ``<redacted>``; learns the passwords it sees so later text hides them too."""

    def __init__(self, credentials: Credentials | None = None):
        self.header_names = set(SENSITIVE_HEADERS)
        self.secrets: set[str] = set()
        if credentials is not None and credentials.header:
            self.header_names.add(credentials.header.lower())
            self._learn_credential(credentials.value or "")

    def _learn_credential(self, value: str) -> None:
        """The header value, its token and, for Basic, the decoded user:password and password."""
        self.learn(value)
        scheme, _, token = value.partition(" ")
        self.learn(token)
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(token, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return
            self.learn(decoded)
            self.learn(decoded.partition(":")[2])

    def learn(self, secret: Any) -> None:
        """Remember a secret value (long enough to be one) to hide wherever it appears."""
        if isinstance(secret, str) and len(secret) >= MIN_SECRET and secret != REDACTED:
            self.secrets.add(secret)

    def learn_body(self, text: str | None) -> None:
        """Remember every password-like value in a body."""
        if not text:
            return
        try:
            self._learn_data(json.loads(text))
        except ValueError:
            for match in _JSON_PAIR.finditer(text):
                self.learn(match.group(2))
            for match in _FORM_PAIR.finditer(text):
                self.learn(match.group(2))

    def _learn_data(self, value: Any) -> None:
        """Walk JSON data for values under password-like keys."""
        if isinstance(value, dict):
            for key, item in value.items():
                if SECRET_KEY.search(str(key)) and isinstance(item, str):
                    self.learn(item)
                else:
                    self._learn_data(item)
        elif isinstance(value, list):
            for item in value:
                self._learn_data(item)

    def learn_results(self, results: Iterable[ScenarioResult]) -> None:
        """Learn every scenario's passwords before any is shown: one scenario's password may
        appear in another's failure."""
        for result in results:
            self.learn_result(result)

    def learn_result(self, result: ScenarioResult) -> None:
        """Learn every password a scenario sent, received or expected, before any of it is shown."""
        for step in result.steps:
            if step.exchange is not None:
                body = step.exchange.request.body
                self.learn_body(None if body is None else body.decode("utf-8", errors="replace"))
                self.learn_body(step.exchange.text)
            if step.expect is not None and step.expect.json is not MISSING:
                self.learn_body(json.dumps(step.expect.json, default=str))

    def body(self, text: str) -> str:
        """A body for a text report: JSON with password-like values replaced, else ``raw``."""
        try:
            data = json.loads(text)
        except ValueError:
            return self.raw(text)
        return json.dumps(self.data(data), ensure_ascii=False)

    def text(self, value: str) -> str:
        """``value`` with every known secret replaced, longest first (a token inside its header value)."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            value = value.replace(secret, REDACTED)
        return value

    def header(self, name: str, value: str) -> str:
        """A header value for a report: credentials keep only their scheme (``Basic <redacted>``)."""
        if name.lower() not in self.header_names or value == REDACTED:
            return self.text(value)
        scheme = _SCHEME.match(value) if "cookie" not in name.lower() else None
        return f"{scheme.group(1)} {REDACTED}" if scheme else REDACTED

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        """Every header, redacted."""
        return {name: self.header(name, value) for name, value in headers.items()}

    def data(self, value: Any) -> Any:
        """JSON data with password-like values replaced and known secrets hidden."""
        if isinstance(value, dict):
            return {
                key: REDACTED if SECRET_KEY.search(str(key)) and isinstance(item, str) else self.data(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self.data(item) for item in value]
        return self.text(value) if isinstance(value, str) else value

    def raw(self, text: str) -> str:
        """A body that is not JSON: password-like pairs blanked, known secrets hidden."""
        text = _JSON_PAIR.sub(lambda m: m.group(1) + REDACTED + m.group(3), text)
        text = _FORM_PAIR.sub(lambda m: m.group(1) + REDACTED, text)
        return self.text(text)
