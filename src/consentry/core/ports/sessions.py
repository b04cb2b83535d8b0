"""The port to browser sessions, held server-side so that they can be ended from here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class WebSession:
    id_hash: bytes
    user_id: int | None
    csrf_secret: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


class WebSessionRepository(Protocol):
    async def add(self, session: WebSession) -> None: ...
    async def get(self, id_hash: bytes) -> WebSession | None: ...
    async def revoke(self, id_hash: bytes, when: datetime) -> None: ...
    async def revoke_all(self, user_id: int, when: datetime) -> int:
        """End every open session of the user ("sign out everywhere"); returns how many."""
        ...
