"""``mock:`` steps: configure a mockscim target through its admin API, over HTTP only.

The admin API lives next to the SCIM base path (docs/faults.md): ``http://h/scim/v2`` has
``http://h/__admin`` and tenant ``acme`` at ``http://h/t/acme/scim/v2`` has
``http://h/t/acme/__admin``. Scenarios that need it declare ``requires: [mock-admin]``; when the
target does not answer ``GET {admin}/health`` like mockscim, they are skipped with the reason.
The runner imports no server code: mockscim validates the fault specifications itself.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from mockscim.runner.client import Credentials
from mockscim.runner.client import Exchange
from mockscim.runner.client import Outgoing
from mockscim.runner.client import ScimClient
from mockscim.runner.errors import TargetUnreachable
from mockscim.runner.matchers import Failure
from mockscim.runner.model import MockSpec
from mockscim.runner.variables import substitute

SCIM_SUFFIX = "/scim/v2"
ADMIN_SUFFIX = "/__admin"
HEALTH_TIMEOUT = 5.0  # a probe, not an Okta request: no reason to wait 60 s


def derive_admin_url(base_url: str) -> str | None:
    """``.../scim/v2`` -> ``.../__admin`` (any ``/t/{tenant}`` prefix kept); None for other paths."""
    trimmed = base_url.rstrip("/")
    if not urlsplit(trimmed).path.endswith(SCIM_SUFFIX):
        return None
    return trimmed[: -len(SCIM_SUFFIX)] + ADMIN_SUFFIX


class MockAdmin:
    """An HTTP client for one mockscim admin API, sending the target's credentials."""

    def __init__(self, url: str, credentials: Credentials, timeout: float):
        self.url = url.rstrip("/")
        self.client = ScimClient(self.url, credentials, timeout=timeout)
        self.added_faults = False

    def close(self) -> None:
        """Close pooled connections."""
        self.client.close()

    def unavailable(self) -> str | None:
        """Why this URL is not a mockscim admin API (None when ``GET /health`` says ``ok``).

        The probe carries the target's credentials although health is open: mockscim creates a
        dynamic tenant (``/t/{name}``) only for an authenticated request.
        """
        health = f"{self.url}/health"
        probe = ScimClient(
            self.url, self.client.credentials, timeout=min(self.client.timeout, HEALTH_TIMEOUT)
        )
        try:
            exchange = probe.send(Outgoing("GET", health, self._headers()))
        except TargetUnreachable as exc:
            return f"no mockscim admin API: cannot connect to {health} ({exc.reason})"
        finally:
            probe.close()
        if exchange.error:
            return f"no mockscim admin API: GET {health} failed ({exchange.error})"
        if exchange.status != 200 or _json(exchange.text).get("status") != "ok":
            return (
                f'no mockscim admin API: GET {health} answered {exchange.status}, not 200 {{"status": "ok"}}'
            )
        return None

    def send(self, method: str, path: str, body: Any = None) -> Exchange:
        """One admin call with the target's credentials and a JSON body."""
        headers = self._headers()
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        return self.client.send(Outgoing(method, self.url + path, headers, data))

    def _headers(self) -> dict[str, str]:
        """JSON headers and the target's credentials (the admin API takes the server's)."""
        headers = {"Accept": "application/json", "User-Agent": "mockscim-runner"}
        if self.client.credentials.header:
            headers[self.client.credentials.header] = self.client.credentials.value or ""
        return headers

    def apply(self, spec: MockSpec, scope: dict[str, Any]) -> tuple[list[Failure], Exchange | None]:
        """Carry out a ``mock:`` step; the first admin call that does not answer 2xx fails it."""
        calls: list[tuple[str, str, Any]] = []
        if spec.reset:
            calls += [("POST", "/reset", None), ("DELETE", "/faults", None)]
        calls += [("POST", "/faults", fault) for fault in substitute(list(spec.faults), scope)]
        exchange = None
        for method, path, body in calls:
            exchange = self.send(method, path, body)
            self.added_faults |= path == "/faults" and method == "POST"
            if exchange.error or not 200 <= exchange.status < 300:
                return [Failure("admin", _refused(exchange))], exchange
        return [], exchange

    def clean_up(self) -> None:
        """Remove the faults this scenario added, so they cannot leak into the next scenario.

        Best effort: it runs in a ``finally`` and must not hide the scenario's own outcome; a
        server that went away is reported by the next request anyway.
        """
        if self.added_faults:
            self.added_faults = False
            try:
                self.send("DELETE", "/faults")
            except TargetUnreachable:
                pass


def _json(text: str) -> dict[str, Any]:
    """A JSON object body, or {} for anything else."""
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _refused(exchange: Exchange) -> str:
    """``POST http://h/__admin/faults answered 400 BAD REQUEST: <detail>``."""
    call = f"{exchange.request.method} {exchange.request.url}"
    if exchange.error:
        return f"{call} failed: {exchange.error}"
    detail = _json(exchange.text).get("detail") or exchange.text.strip()[:200] or "(no body)"
    return f"{call} answered {exchange.status} {exchange.reason}: {detail}"
