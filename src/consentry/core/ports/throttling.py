"""Ports to the shared failure counters: client authentication and sign-in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


@dataclass(frozen=True, slots=True)
class FailureWindow:
    """Failed attempts counted in the window that started at `started_at`."""

    count: int
    started_at: datetime


class ClientAuthFailureRepository(Protocol):
    async def record(self, client_id: str, now: datetime, window: timedelta) -> FailureWindow:
        """Count one failure (atomically, shared by all nodes); a new window once one ends."""
        ...


class LoginFailureRepository(Protocol):
    async def add(self, account_hash: bytes, address_hash: bytes, now: datetime) -> None: ...
    async def recent(
        self, *, account_hash: bytes, address_hash: bytes, since: datetime
    ) -> tuple[list[datetime], list[datetime]]:
        """Failure times since `since`, newest first: (for this account, from this address)."""
        ...

    async def forget(self, account_hash: bytes, before: datetime) -> None:
        """Forget this account's failures, and everyone's older than `before`."""
        ...
