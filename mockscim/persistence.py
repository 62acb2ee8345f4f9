"""Optional persistence: keep the default tenant's state in a file across restarts.

Every write is atomic: a temporary file in the same folder, ``fsync``, ``os.replace``, then an
``fsync`` of the folder, so a crash leaves either the old file or the new one, never a torn one.
Temporary files a crash left behind are removed at start-up (only our own naming pattern).
The file carries a checksum of its state's text: while it matches, a restart loads the file
without checking every resource again (a write checked them); after a hand edit every resource
is checked and problems are reported as ``file: $.state.path: what is wrong``.

Two sync modes (measured in docs/hardening.md):

- ``request``: the file is written before the response of every successful write is sent, so
  it holds every write that was acknowledged with a 2xx. If the write fails, the client gets a
  503 instead of the 2xx.
- ``batch`` (default): a background thread writes soon after a change, at most once per
  interval (measured from the start of the previous write). A crash loses at most the writes
  acknowledged since the snapshot of the last completed write: one interval plus one write's
  duration. SIGTERM and SIGINT write everything first (``end_on_signals``, ``shutdown``).

A failing write (a full disk, a folder that went away) never stops the writer: it retries with
a growing pause, logs once per failure streak and once on recovery, and ``health()`` (shown by
``GET /__admin/health``) says whether the file is current.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import signal
import threading
import time
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

from mockscim.errors import ScimError
from mockscim.snapshots import FILE_FORMAT
from mockscim.snapshots import SnapshotError
from mockscim.snapshots import shape_problems
from mockscim.store import InMemoryStore

__all__ = ["FILE_FORMAT", "StateFile", "StateFileError", "end_on_signals", "read_state_file"]

SYNC_MODES = ("request", "batch")
_STATE_KEY = ',"state":'
MAX_BACKOFF_S = 30.0
log = logging.getLogger("mockscim.persistence")


class StateFileError(ValueError):
    """The state file cannot be used; the message says what to do."""


class StateFileUnavailable(ScimError):
    """503: a change was applied in memory but the state file could not be written."""

    status = 503


def read_state_file(path: Path) -> dict[str, Any] | None:
    """The snapshot stored in ``path``, None if it does not exist (see ``read_state_document``)."""
    return read_state_document(path)[0]


def read_state_document(path: Path) -> tuple[dict[str, Any] | None, bool]:
    """(the snapshot stored in ``path`` or None if there is no file, whether it is unchanged
    since mockscim wrote it); refuse foreign or corrupt files with ``path: $.where: what is
    wrong``. The snapshot itself is checked by ``restore``."""
    if not path.exists():
        return None, False
    try:
        text = path.read_text(encoding="utf-8")
        document = json.loads(text, parse_constant=_no_constant)
    except (OSError, ValueError) as exc:
        raise StateFileError(
            f"{path}: is not a readable mockscim state file ({exc}); "
            "move it away or choose another --state-file: it is never overwritten"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
        raise StateFileError(
            f"{path}: $.format: is not a mockscim state file (no 'format': '{FILE_FORMAT}'); "
            "move it away or choose another --state-file: it is never overwritten"
        )
    problems = shape_problems(document, "envelope")
    if problems:
        raise StateFileError(
            "\n".join(f"{path}: {where}: {text}" for where, text in problems)
            + "\n(the file is never overwritten while it is refused)"
        )
    return document["state"], _unchanged(text, document)


def state_file_text(snapshot: dict[str, Any], as_of: str) -> str:
    """The file's text: format, ``as_of``, the checksum of the state's exact text, the state."""
    state = json.dumps(snapshot, separators=(",", ":"))
    digest = hashlib.sha256(state.encode()).hexdigest()
    head = json.dumps({"format": FILE_FORMAT, "as_of": as_of, "sha256": digest}, separators=(",", ":"))
    return head[:-1] + _STATE_KEY + state + "}"


def _unchanged(text: str, document: dict[str, Any]) -> bool:
    """True when the state's text still has the checksum it was written with."""
    start, digest = text.find(_STATE_KEY), document.get("sha256")
    if not isinstance(digest, str) or start < 0 or not text.endswith("}"):
        return False
    return hashlib.sha256(text[start + len(_STATE_KEY) : -1].encode()).hexdigest() == digest


def _no_constant(name: str) -> Any:
    """JSON has no NaN or Infinity; Python's parser would accept them."""
    raise ValueError(f"{name} is not valid JSON")


def temporary_name(path: Path) -> Path:
    """Where ``write_atomically`` writes first: ``.NAME.PID.THREAD.tmp`` next to ``path``."""
    return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``: temp file, fsync, rename, fsync of the folder."""
    temporary = temporary_name(path)
    try:
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)  # a failed write leaves nothing behind
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def remove_stale_temporaries(path: Path) -> list[Path]:
    """Remove temporary files of ``path`` left by a crashed process; return them.

    Only our own pattern (``.NAME.PID.THREAD.tmp``) is touched, and never the file of a running
    process other than this one (two servers on one state file is a mistake, but not ours to
    break further). This process has not written yet when it calls this, so its pid is stale.
    """
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.(\d+)\.\d+\.tmp$")
    removed = []
    for entry in path.parent.iterdir() if path.parent.is_dir() else ():
        match = pattern.match(entry.name)
        if match and (int(match.group(1)) == os.getpid() or not _alive(int(match.group(1)))):
            entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed


def _alive(pid: int) -> bool:
    """True when a process with that id exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # someone else's process, or not a pid we can ask about: leave it alone
    return True


def end_on_signals() -> None:
    """SIGTERM (``docker stop``, systemd) and SIGINT end ``mockscim serve`` the same way: the
    server loop stops and the ``finally`` that calls ``StateFile.shutdown`` runs. A second
    signal while that final write runs is ignored, so it cannot tear the write."""
    if threading.current_thread() is not threading.main_thread():
        return

    def stop(signum: int, frame: Any) -> None:
        for number in (signal.SIGTERM, signal.SIGINT):
            signal.signal(number, signal.SIG_IGN)
        raise KeyboardInterrupt

    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, stop)


class StateFile:
    """Keeps one store's state in a file; ``changed()`` is called after every successful write."""

    def __init__(self, path: Path, store: InMemoryStore, *, mode: str = "batch", interval: float = 1.0):
        if mode not in SYNC_MODES:
            raise StateFileError(f"--state-sync must be one of {', '.join(SYNC_MODES)}")
        self.path = path
        self.store = store
        self.mode = mode
        self.interval = interval
        self.writes = 0
        self.loaded = 0  # resources the file held at start-up
        self.failed_writes = 0  # every failed attempt, for the health figure
        self._written = -1
        self._streak = 0  # failed attempts since the last successful write
        self._failing_since: str | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def load(self) -> int:
        """Remove stale temporary files, then restore the store from the file (if any); return
        how many resources it held."""
        for stale in remove_stale_temporaries(self.path):
            log.warning("removed %s, a temporary file left by a crashed mockscim", stale)
        snapshot, unchanged = read_state_document(self.path)
        if snapshot is None:
            return 0
        try:
            self.store.restore(snapshot, trusted=unchanged)
        except SnapshotError as exc:
            lines = [f"{self.path}: $.state{where[1:]}: {text}" for where, text in exc.problems]
            raise StateFileError(
                "\n".join(lines) + "\n(the stored state is inconsistent; the file is never overwritten "
                "while it is refused)"
            ) from None
        self._written = self.store.generation
        self.loaded = sum(self.store.counts().values())
        return self.loaded

    def flush(self) -> bool:
        """Write the current state if it changed since the last write (serialized); return
        whether it wrote. A failure is counted, logged once per streak, and raised."""
        with self._lock:
            # Taken before the snapshot: every write acknowledged before this instant is in it.
            as_of = datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
            generation, snapshot = self.store.versioned_snapshot()
            if generation <= self._written:
                return False  # a later writer already stored this change (or a newer one)
            try:
                write_atomically(self.path, state_file_text(snapshot, as_of))
            except Exception as exc:
                self._failed(exc)
                raise
            self._succeeded()
            self._written = generation
            self.writes += 1
            return True

    def _failed(self, exc: Exception) -> None:
        """Count a failed write; log only the first of a streak (the disk may stay full)."""
        self.failed_writes += 1
        self._streak += 1
        if self._streak == 1:
            self._failing_since = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
            log.error(
                "cannot write the state file %s (%s); changes stay in memory and the write is retried",
                self.path,
                exc,
            )

    def _succeeded(self) -> None:
        """End a failure streak, saying so once."""
        if self._streak:
            log.warning(
                "the state file %s is written again after %d failed attempts", self.path, self._streak
            )
        self._streak, self._failing_since = 0, None

    def changed(self) -> None:
        """A write was served: in ``request`` mode store it before the response goes out (503
        if that fails); in ``batch`` mode wake the writer."""
        if self.mode == "batch":
            self._wake.set()
            return
        try:
            self.flush()
        except Exception:
            self._wake.set()  # the writer retries in the background
            raise StateFileUnavailable(
                "the change was applied but could not be saved to the state file; the server keeps "
                "retrying (GET /__admin/health shows when it succeeds); see the server log"
            ) from None

    def health(self) -> dict[str, Any]:
        """Whether the file is current, for ``GET /__admin/health`` (no paths, no error text)."""
        return {
            "mode": self.mode,
            "status": "failing" if self._streak else "ok",
            "writes": self.writes,
            "failed_writes": self.failed_writes,
            "failing_since": self._failing_since,
            "unsaved_changes": self.store.generation > self._written,
        }

    def start(self) -> None:
        """Start the background writer (in ``request`` mode it only retries failed writes)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="mockscim-state-file", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        """Write soon after a change, at most once per interval, until stopped; survive failures."""
        while True:
            self._wake.wait(self.interval)  # a change, or a poll for changes made without a request
            if self._stop.is_set():
                return
            if self.store.generation <= self._written or (self.mode == "request" and not self._streak):
                self._wake.clear()
                continue
            self._wake.clear()
            started = time.monotonic()
            try:
                self.flush()
                pause = self.interval - (time.monotonic() - started)
            except Exception:  # noqa: BLE001 - the writer outlives any failure (flush logged it)
                pause = self._backoff()
                self._wake.set()  # still unsaved: try again after the pause
            if pause > 0 and self._stop.wait(pause):
                return

    def _backoff(self) -> float:
        """The pause before retrying: the interval, doubled per failure, at most 30 s."""
        return min(MAX_BACKOFF_S, self.interval * 2 ** min(max(self._streak - 1, 0), 16))

    def stop(self) -> bool:
        """Stop the writer and write what is left; False (logged) if that write failed."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        try:
            self.flush()
        except Exception:  # noqa: BLE001 - logged by flush; the caller is shutting down
            return False
        return True

    def shutdown(self, attempts: int = 3) -> bool:
        """The process is ending: write everything, with the store locked for good, so that no
        write can be acknowledged after the last one was saved. Retries a failing write a few
        times; returns whether the file holds every change."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if not self.store.lock.acquire(timeout=30):  # never released: the process exits next
            log.error("the store stayed busy for 30 s; the state file %s may miss recent changes", self.path)
            return False
        for attempt in range(attempts):
            try:
                self.flush()
                return True
            except Exception:  # noqa: BLE001 - logged by flush; try again
                time.sleep(0.2 * (attempt + 1))
        log.error("the state file %s could not be written at shutdown; recent changes are lost", self.path)
        return False
