"""Ports to consents: pending authorizations, grants, and the customer's view of them.

Deciding a pending authorization is one atomic conditional update: of two racing callers exactly
one wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from consentry.core.model import (
    Advertiser,
    Grant,
    PendingAuthorization,
)


class PendingAuthorizationRepository(Protocol):
    async def add(self, pending: PendingAuthorization) -> None: ...
    async def get(self, id_hash: bytes) -> PendingAuthorization | None: ...
    async def consume(self, id_hash: bytes, now: datetime) -> PendingAuthorization | None:
        """Mark it decided; returns it only if it was open and unexpired."""
        ...


class GrantRepository(Protocol):
    async def add(self, grant: Grant) -> None: ...
    async def get(self, grant_id: str) -> Grant | None: ...
    async def revoke(self, grant_id: str, when: datetime) -> None: ...
    async def touch(self, grant_id: str, when: datetime) -> None: ...
    async def app_level(self, app_id: int) -> list[Grant]:
        """The app's active app-level grants (credential_id NULL: client-credentials consent)."""
        ...


@dataclass(frozen=True, slots=True)
class GrantSummary:
    """One active grant as the consent dashboard shows it."""

    grant_id: str
    app_id: int
    app_name: str
    organization_name: str
    service: str
    scopes: tuple[str, ...]
    advertisers: tuple[Advertiser, ...]
    created_at: datetime
    last_used_at: datetime | None
    app_level: bool


class ConsentRepository(Protocol):
    """The customer's side of grants: what they granted, and taking one advertiser back."""

    async def for_user(self, user_id: int) -> list[GrantSummary]:
        """The user's active grants, newest first, with their still-granted advertisers."""
        ...

    async def granted_advertisers(self, user_id: int, app_id: int) -> frozenset[int]:
        """Advertisers the user currently grants to the app (any active grant)."""
        ...

    async def revoke_advertiser(self, grant_id: str, advertiser_id: int, when: datetime) -> bool:
        """Take one advertiser out of a grant; False when it was not granted there."""
        ...
