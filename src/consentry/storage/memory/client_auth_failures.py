"""The in-memory `ClientAuthFailureRepository`: failed client authentications per window."""

from __future__ import annotations

from datetime import datetime, timedelta

from consentry.core.ports.throttling import FailureWindow
from consentry.storage.memory.tables import InMemoryRepository


class InMemoryClientAuthFailureRepository(InMemoryRepository):
    async def record(self, client_id: str, now: datetime, window: timedelta) -> FailureWindow:
        t = self._access.write()
        current = t.auth_failures.get(client_id)
        if current is None or current.started_at <= now - window:
            current = FailureWindow(count=1, started_at=now)
        else:
            current = FailureWindow(count=current.count + 1, started_at=current.started_at)
        t.auth_failures[client_id] = current
        return current
