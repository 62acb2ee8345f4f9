"""Optional persistence: keep the default tenant's state in a file across restarts.

Every write is atomic: a temporary file in the same folder, ``fsync``, ``os.replace``, then an
``fsync`` of the folder, so a crash leaves either the old file or the new one, never a torn one.

Two sync modes (measured in docs/hardening.md):

- ``request``: the file is written before the response of every successful write is sent, so
  it holds every write that was acknowledged with a 2xx.
- ``batch`` (default): a background thread writes at most once per interval when something
  changed; a crash can lose the writes of the last interval.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from mockscim.errors import ScimError
from mockscim.store import InMemoryStore

FILE_FORMAT = "mockscim-state-file/1"
SYNC_MODES = ("request", "batch")


class StateFileError(ValueError):
    """The state file cannot be used; the message says what to do."""


def read_state_file(path: Path) -> dict[str, Any] | None:
    """The snapshot stored in ``path``, None if it does not exist; refuse foreign or corrupt files."""
    if not path.exists():
        return None
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StateFileError(
            f"{path} is not a readable mockscim state file ({exc.__class__.__name__}); "
            "move it away or choose another --state-file: it is never overwritten"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FILE_FORMAT or "state" not in document:
        raise StateFileError(
            f"{path} is not a mockscim state file (no 'format': '{FILE_FORMAT}'); "
            "move it away or choose another --state-file: it is never overwritten"
        )
    return document["state"]


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``: temp file, fsync, rename, fsync of the folder."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


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
        self._written = -1
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def load(self) -> int:
        """Restore the store from the file (if any); return how many resources it held."""
        snapshot = read_state_file(self.path)
        if snapshot is None:
            return 0
        try:
            self.store.restore(snapshot)
        except ScimError as exc:
            raise StateFileError(f"{self.path}: the stored state is inconsistent: {exc.detail}") from None
        self._written = self.store.generation
        return sum(self.store.counts().values())

    def flush(self) -> None:
        """Write the current state if it changed since the last write (serialized)."""
        with self._lock:
            generation, snapshot = self.store.versioned_snapshot()
            if generation <= self._written:
                return  # a later writer already stored this change (or a newer one)
            write_atomically(self.path, json.dumps({"format": FILE_FORMAT, "state": snapshot}))
            self._written = generation
            self.writes += 1

    def changed(self) -> None:
        """A write was served: in ``request`` mode store it before the response goes out."""
        if self.mode == "request":
            self.flush()

    def start(self) -> None:
        """In ``batch`` mode, start the background writer."""
        if self.mode == "batch" and self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="mockscim-state-file", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        """Write changes at most once per interval until stopped."""
        while not self._stop.wait(self.interval):
            self.flush()

    def stop(self) -> None:
        """Stop the writer and write what is left."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()
