"""Credentials a person configures: the server's and each tenant's, and the rules they obey.

A blank secret (an unset variable) is refused rather than read as "no credentials", and no
credentials at all are allowed only on loopback, for the server and every tenant alike.
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
from dataclasses import dataclass
from dataclasses import field
from functools import cached_property

from mockscim.errors import BadInput


class ConfigError(BadInput):
    """A setting is invalid; the message says how to fix it."""


@dataclass(frozen=True)
class AuthConfig:
    """How clients authenticate: ``basic`` (user + token), ``bearer`` (token) or ``none``."""

    mode: str
    user: str = ""
    token: str = field(default="", repr=False)
    generated: bool = False

    @classmethod
    def parse(cls, spec: str, source: str = "--auth") -> AuthConfig:
        """Parse ``basic:USER:TOKEN``, ``bearer:TOKEN`` or ``none``; a blank user or token is
        refused (an unset variable must not become a credential anyone can send)."""
        if not isinstance(spec, str):
            raise ConfigError(f"{source} must be text such as basic:USER:TOKEN, not {type(spec).__name__}")
        mode, _, rest = spec.partition(":")
        mode = mode.strip().lower()
        if mode == "none" and not rest:
            return cls("none")
        if mode == "bearer" and rest.strip():
            return cls("bearer", token=check_secret(rest, f"{source} bearer token"))
        if mode == "basic":
            user, sep, token = rest.partition(":")
            if user.strip() and sep and token.strip():
                user = check_secret(user, f"{source} user")
                return cls("basic", user=user, token=check_secret(token, f"{source} token"))
        shown = "an empty value" if not spec.strip() else "not valid"
        raise ConfigError(
            f"{source} is {shown} (a blank user or token, or an unset variable?); "
            "use basic:USER:TOKEN, bearer:TOKEN or none"
        )

    @classmethod
    def generate(cls) -> AuthConfig:
        """Fresh Basic credentials, printed at start-up (safe default: credentials required)."""
        return cls("basic", user="okta", token=secrets.token_urlsafe(24), generated=True)

    @cached_property
    def basic_header(self) -> bytes:
        """``Basic base64(user:token)`` as Okta writes it, as bytes (empty unless ``basic``)."""
        if self.mode != "basic":
            return b""
        return b"Basic " + base64.b64encode(f"{self.user}:{self.token}".encode("utf-8", "surrogatepass"))

    def describe(self) -> str:
        """Human-readable mode name as Okta's Provisioning tab calls it."""
        return {"basic": "Basic Auth", "bearer": "HTTP Header (Bearer token)", "none": "none"}[self.mode]


def check_secret(value: str, what: str) -> str:
    """``value`` if it can serve as a credential: not blank, and text a client can send (no
    undecodable bytes from the command line, which Python keeps as lone surrogates)."""
    if not value.strip():
        raise ConfigError(f"{what} is empty (an unset variable?); give a value or leave the option out")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError(f"{what} is not valid UTF-8 text; use letters, digits and punctuation") from None
    return value


def check_credentials_allowed(auth: AuthConfig, host: str, tenant: str | None = None) -> None:
    """No credentials only on loopback: for the server and for every tenant, however declared."""
    if auth.mode == "none" and not is_loopback(host):
        what, fix = (
            ("", "--auth basic:USER:TOKEN")
            if tenant is None
            else (f" tenant '{tenant}'", "auth: basic:USER:TOKEN")
        )
        raise ConfigError(
            f"refusing to serve{what} on {host} without credentials; use {fix} or bind to 127.0.0.1"
        )


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
