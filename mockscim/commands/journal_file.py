"""Reading a journal for ``mockscim export`` and ``mockscim verify``: from a JSON Lines file
(``serve --journal-file``) or from a running mockscim's admin API, with errors a user can act on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from mockscim.constants import ADMIN_PREFIX
from mockscim.constants import DEFAULT_BASE_PATH

EXIT_USAGE, EXIT_UNREACHABLE = 2, 3
Entry = dict[str, Any]


def _problem(line: str) -> tuple[Entry | None, str | None]:
    """One line as a journal entry, or what is wrong with it."""
    try:
        entry = json.loads(line)
    except ValueError:
        return None, "not JSON"
    if not isinstance(entry, dict):
        return None, "not a JSON object"
    request, response = entry.get("request"), entry.get("response")
    if not (
        isinstance(entry.get("id"), int)
        and isinstance(request, dict)
        and isinstance(request.get("method"), str)
        and isinstance(request.get("path"), str)
        and isinstance(response, dict)
        and isinstance(response.get("status"), int)
    ):
        return None, "not a journal entry (one needs id, request.method, request.path and response.status)"
    return entry, None


def read_journal(path: Path) -> list[Entry]:
    """Every entry of a JSON Lines journal; say which lines were skipped, refuse a file with none."""
    entries: list[Entry] = []
    problems: list[tuple[int, str]] = []
    lines = 0
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            lines += 1
            entry, problem = _problem(line)
            if entry is None:
                problems.append((number, problem or ""))
            else:
                entries.append(entry)
    shown = "; ".join(f"line {n}: {p}" for n, p in problems[:3]) + ("; ..." if len(problems) > 3 else "")
    if not entries:
        what = "it is empty" if not lines else f"no line is a journal entry ({shown})"
        click.echo(
            f"error: {path} is not a mockscim journal: {what}. "
            "Write one with `mockscim serve --journal-file FILE`, or read a running server with --from URL.",
            err=True,
        )
        raise click.exceptions.Exit(EXIT_USAGE)
    if problems:
        click.echo(f"warning: {path}: skipped {len(problems)} of {lines} lines ({shown})", err=True)
    return entries


def admin_url(server_url: str) -> str:
    """``http://host:8080`` or ``http://host:8080/t/acme/scim/v2`` -> the matching ``/__admin``."""
    url = server_url.rstrip("/")
    if url.endswith(DEFAULT_BASE_PATH):
        url = url[: -len(DEFAULT_BASE_PATH)]
    return url + ADMIN_PREFIX


def fetch_entries(server_url: str, auth_spec: str | None, timeout: float = 30) -> list[Entry]:
    """Read the whole journal of a running mockscim through its admin API (exit 3 when unreachable)."""
    import requests

    from mockscim.runner import Credentials

    if not server_url.startswith(("http://", "https://")):
        raise click.UsageError(f"--from {server_url!r} must start with http:// or https://")
    try:
        credentials = Credentials.parse(auth_spec)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    url = admin_url(server_url) + "/requests"
    headers = {credentials.header: credentials.value} if credentials.header and credentials.value else {}
    try:
        response = requests.get(url, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        click.echo(f"error: cannot reach {url}: {exc.__class__.__name__}; check --from", err=True)
        raise click.exceptions.Exit(EXIT_UNREACHABLE) from None
    if response.status_code == 401:
        raise click.ClickException(f"{url} refused the credentials; pass the server's with --auth")
    try:
        document = response.json() if response.status_code == 200 else None
    except ValueError:
        document = None
    if not isinstance(document, dict) or not isinstance(document.get("requests"), list):
        raise click.ClickException(
            f"{url} answered {response.status_code} without a journal; is this a mockscim server?"
        )
    return list(reversed(document["requests"]))  # the admin API lists newest first
