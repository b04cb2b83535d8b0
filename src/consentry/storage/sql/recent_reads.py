"""A node's bounded memory of recent reads, each kept for at most `ttl` (one second by default).

The token endpoint reads the same few rows on every request (a client's pair, an app's
app-level grants). A node may answer from what it read less than a second ago: DESIGN.md §2
promises that a revocation takes effect on every node within a second, and every such memory
keeps that bound. Each user says what a stale entry can mean (`client_cache.py`,
`app_grant_cache.py`).

`generation` counts the times the memory was emptied because this node wrote what it holds: a
reader notes it before going to the database and keeps what it read only if it has not moved
(`put(..., seen=...)`), so a read that raced with a local write is never kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from consentry.clock import Clock

K = TypeVar("K")
V = TypeVar("V")

DEFAULT_TTL = timedelta(seconds=1)
DEFAULT_CAPACITY = 10_000


class RecentReads(Generic[K, V]):
    """First in, first out once full: a forgotten entry costs one more read."""

    def __init__(
        self, clock: Clock, ttl: timedelta = DEFAULT_TTL, capacity: int = DEFAULT_CAPACITY
    ) -> None:
        self._clock = clock
        self._ttl = ttl
        self._capacity = capacity
        self._entries: dict[K, tuple[V, datetime]] = {}
        self.generation = 0

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, read_at = entry
        if not timedelta(0) <= self._clock.now() - read_at < self._ttl:
            del self._entries[key]
            return None
        return value

    def put(self, key: K, value: V, *, seen: int | None = None) -> None:
        """Keep `value`, unless the memory was emptied since the reader saw generation `seen`."""
        if self._capacity <= 0 or (seen is not None and seen != self.generation):
            return
        if len(self._entries) >= self._capacity:
            del self._entries[next(iter(self._entries))]  # the oldest
        self._entries[key] = (value, self._clock.now())

    def forget_where(self, stale: Callable[[V], bool]) -> None:
        for key in [key for key, (value, _) in self._entries.items() if stale(value)]:
            del self._entries[key]

    def clear(self) -> None:
        self._entries.clear()
        self.generation += 1

    def __len__(self) -> int:
        return len(self._entries)
