"""Keeping the current request's secrets out of everything the server writes about it.

The journal masks passwords where they are (``inspect.masking``); this module covers the text
they can be copied into: the ``detail`` of an error answer, a finding's message, and the log.
``request_secrets`` lists the passwords the current request carries, read by meaning from its
parsed body and its query; ``SecretLogFilter`` masks what the request log prints.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl
from urllib.parse import quote

from mockscim import jsontext
from mockscim.inspect.masking import MASK
from mockscim.inspect.masking import filter_secrets
from mockscim.inspect.masking import is_password
from mockscim.inspect.masking import mask_filter
from mockscim.inspect.masking import mask_text
from mockscim.inspect.masking import mentions_password
from mockscim.inspect.masking import redact
from mockscim.inspect.masking import secret_values
from mockscim.server.context import in_request
from mockscim.server.context import scope
from mockscim.server.reading import query_pairs

# The loggers the server writes through (the request log, errors, Flask's own).
LOGGERS = ("mockscim", "mockscim.server", "mockscim.access", "werkzeug")


NONE: frozenset[str] = frozenset()


def request_secrets() -> frozenset[str]:
    """The passwords the current request carries (body and query), computed once per request."""
    if not in_request():
        return NONE
    g = scope()
    known = g.get("mockscim_secrets")
    if known is None:
        # Only a body something parsed can have been quoted; an unread one (a 401) is not parsed here.
        body = g.get("mockscim_body")
        parse = body.parsed_already() if body is not None else None
        raw = (body.raw or b"") if body is not None else b""
        known = g.mockscim_secrets = secrets_in(parse, raw, query_pairs())
    return known


def secrets_in(parse: tuple[Any, Any] | None, raw: bytes, pairs: list[tuple[str, str]]) -> frozenset[str]:
    """The passwords a request carries: in its body's ``parse`` (value, error), read by meaning,
    and in its query ``pairs`` (password-named parameters, filter literals)."""
    found: set[str] = set()
    if parse is not None and parse[1] is None and _may_name_a_password(raw):
        found |= secret_values(parse[0])
    for key, value in pairs:
        if is_password(key) or "password" in key.casefold():
            found.add(value)
        elif key.casefold() == "filter":
            found |= filter_secrets(value)
    return frozenset(found) if found else NONE  # shared: most carry none


def _may_name_a_password(raw: bytes) -> bool:
    """False when JSON text cannot hold a password: no "password" in any letter case, and no
    ``\\u`` escape that could spell one (so most bodies are not walked at all)."""
    return b"password" in raw.lower() or b"\\u" in raw


def redacted(value: Any) -> Any:
    """``value`` with the current request's secrets masked (an error body, a journal entry)."""
    secrets = request_secrets()
    return redact(value, secrets) if secrets else value


def mask_request_line(line: str) -> str:
    """A logged request line (``GET /path?query 200``) with passwords in its query masked.

    By meaning where the query can be read (filter literals, password-named parameters);
    every value, when the query mentions a password in some other spelling.
    """
    head, sep, rest = line.partition("?")
    if not sep:
        return line
    query, space, tail = rest.partition(" ")
    if not mentions_password(query):
        return line
    pairs = parse_qsl(query, keep_blank_values=True)
    masked = [(k, _masked_parameter(k, v)) for k, v in pairs]
    if mentions_password("&".join(v for _, v in masked)) or not pairs:
        masked = [(k, MASK) for k, _ in pairs]
    text = "&".join(f"{quote(k, safe='')}={quote(v, safe='*')}" for k, v in masked)
    return head + sep + text + space + tail


def _masked_parameter(key: str, value: str) -> str:
    """One query parameter as the log may show it."""
    if is_password(key) or "password" in key.casefold():
        return MASK
    return mask_filter(value) if key.casefold() == "filter" else value


class SecretLogFilter(logging.Filter):
    """Masks passwords and the current request's secrets in log records, and makes every
    record encodable (a lone surrogate would make the handler fail)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drop a record."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad format string: log it as it came
            message = str(record.msg)
        message = mask_request_line(message) if record.name == "mockscim.access" else mask_text(message)
        record.msg, record.args = jsontext.scrub(redacted(message)), ()
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = jsontext.scrub(redacted(text))
        return True


def install_log_masking() -> None:
    """Attach one SecretLogFilter to each server logger (idempotent: apps share loggers)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, SecretLogFilter) for f in logger.filters):
            logger.addFilter(SecretLogFilter())
