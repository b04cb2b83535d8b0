""" "Last used" bookkeeping at minute precision: at most one write per key and interval per node.

Credential pairs and grants show when they were last used (the portal, the consent dashboard).
Writing that on every token request would turn read-only requests (client credentials) into
write transactions; a node therefore records a use of the same pair or grant at most once per
`interval`. Nothing here must agree across nodes: another node may record the same minute again.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

DEFAULT_INTERVAL = timedelta(seconds=60)
DEFAULT_CAPACITY = 65_536


class UsageThrottle:
    """Says whether a use of `key` at `now` is worth writing down; `interval` 0 always says yes."""

    def __init__(
        self, interval: timedelta = DEFAULT_INTERVAL, capacity: int = DEFAULT_CAPACITY
    ) -> None:
        self._interval = interval
        self._capacity = capacity
        self._recorded: OrderedDict[str, datetime] = OrderedDict()

    def due(self, key: str, now: datetime) -> bool:
        if self._interval <= timedelta(0):
            return True
        last = self._recorded.get(key)
        if last is not None and timedelta(0) <= now - last < self._interval:
            return False
        self._recorded[key] = now
        self._recorded.move_to_end(key)
        if len(self._recorded) > self._capacity:
            self._recorded.popitem(last=False)  # forgetting a key only costs one more write
        return True


def always() -> UsageThrottle:
    """Record every use (tests, tools)."""
    return UsageThrottle(interval=timedelta(0))
