"""Injected id generation: uuid-shaped ids from a seedable random source."""

from __future__ import annotations

import random
import threading
import uuid


class IdGenerator:
    """Hands out uuid4-shaped ids; the same seed gives the same sequence."""

    def __init__(self, seed: int | None = None):
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def reseed(self, seed: int | None) -> None:
        """Restart the sequence from ``seed``."""
        with self._lock:
            self._random.seed(seed)

    def new_id(self) -> str:
        """Return a fresh id such as ``2819c223-7f76-453a-919d-413861904646``."""
        with self._lock:
            bits = self._random.getrandbits(128)
        return str(uuid.UUID(int=bits, version=4))
