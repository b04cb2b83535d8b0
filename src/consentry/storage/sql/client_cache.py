"""The token endpoint's credential pairs, kept by each node for at most one second.

Every token request authenticates a client: a query that joins the pair, its app and its
organization. A node keeps what it read for `ttl` (one second) and checks the presented secret
against the kept hash. What that can mean, and why it is safe:

- a pair deleted on another node may still authenticate here for up to a second; every token it
  gets then is dead on arrival (its refresh tokens and codes went with the pair, and the partner
  API's grant check starts from the pair on every call);
- an app deactivated or edited on another node is seen here up to a second late (the same
  bound as a revocation, DESIGN.md §6);
- changes made through this node's portal forget the app's pairs at once (`forget_app`).

Unknown client_ids are not kept (random ids would only fill the memory); the memory is bounded.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from consentry.clock import Clock
from consentry.core.model import Client

DEFAULT_TTL = timedelta(seconds=1)
DEFAULT_CAPACITY = 10_000


class ClientCache:
    def __init__(
        self, clock: Clock, ttl: timedelta = DEFAULT_TTL, capacity: int = DEFAULT_CAPACITY
    ) -> None:
        self._clock = clock
        self._ttl = ttl
        self._capacity = capacity
        self._entries: dict[str, tuple[Client, datetime]] = {}

    def get(self, client_id: str) -> Client | None:
        entry = self._entries.get(client_id)
        if entry is None:
            return None
        client, read_at = entry
        if not timedelta(0) <= self._clock.now() - read_at < self._ttl:
            del self._entries[client_id]
            return None
        return client

    def put(self, client: Client) -> None:
        if self._capacity <= 0:
            return
        if len(self._entries) >= self._capacity:
            del self._entries[next(iter(self._entries))]  # the oldest: at most one more read
        self._entries[client.client_id] = (client, self._clock.now())

    def forget_app(self, app_id: int) -> None:
        """Drop every pair of the app (after a change to the app or to one of its pairs)."""
        stale = [cid for cid, (client, _) in self._entries.items() if client.app.id == app_id]
        for client_id in stale:
            del self._entries[client_id]
