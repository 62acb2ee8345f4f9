"""Masking secrets before anything is recorded: Authorization values and passwords.

Secrets are never stored, so they cannot leak through the journal, exports, logs or the
dashboard (docs/okta-reference.md §2.3 for the header forms).
"""

from __future__ import annotations

import re
from typing import Any

MASK = "***"
SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie", "x-api-key")
_PASSWORD_TEXT = re.compile(r'("password"\s*:\s*)"(?:[^"\\]|\\.)*"', re.IGNORECASE)


def mask_header(name: str, value: str) -> str:
    """Keep the scheme of an Authorization header (``Basic ***``), hide the credential."""
    if name.lower() not in SECRET_HEADERS:
        return value
    scheme, sep, _ = value.partition(" ")
    if sep and scheme.lower() in ("basic", "bearer", "ssws", "token", "digest"):
        return f"{scheme} {MASK}"
    return MASK


def mask_headers(headers: dict[str, str]) -> dict[str, str]:
    """A copy of ``headers`` (names lower-cased) with secret values masked."""
    return {name.lower(): mask_header(name, value) for name, value in headers.items()}


def mask_body(value: Any) -> Any:
    """A copy of a JSON value with every ``password`` masked, including PATCH values."""
    if isinstance(value, dict):
        out = {
            k: (MASK if k.lower() == "password" and v is not None else mask_body(v)) for k, v in value.items()
        }
        if isinstance(out.get("path"), str) and out["path"].strip().lower() == "password" and "value" in out:
            out["value"] = MASK  # {"op": "replace", "path": "password", "value": "..."}
        return out
    if isinstance(value, list):
        return [mask_body(v) for v in value]
    return value


def mask_text(text: str) -> str:
    """Mask ``"password": "..."`` in a body that is not valid JSON."""
    return _PASSWORD_TEXT.sub(rf'\1"{MASK}"', text)
