"""The consent dashboard: what a customer granted, and taking it back (DESIGN §2).

Revoking a grant or one advertiser of it changes the rows the token endpoint, introspection and the
partner API read on every request, so it applies at once on every node. A grant left without any
advertiser is revoked as a whole. Every revocation is recorded in the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass

from consentry.clock import Clock
from consentry.core.audit import AuditKind, record
from consentry.core.model import Grant, User
from consentry.core.ports.grants import GrantSummary
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.core.scopes import SERVICES, ScopeDescription, describe


class GrantNotFound(Exception):
    """No active grant of this user with that id (or that advertiser is not granted in it)."""


@dataclass(frozen=True, slots=True)
class DashboardEntry:
    summary: GrantSummary
    service_title: str
    domains: list[ScopeDescription]


class ConsentDashboard:
    def __init__(self, *, clock: Clock) -> None:
        self._clock = clock

    async def entries(self, uow: UnitOfWork, user: User) -> list[DashboardEntry]:
        entries = []
        for summary in await uow.consents.for_user(user.id):
            service = SERVICES.get(summary.service)
            entries.append(
                DashboardEntry(
                    summary=summary,
                    service_title=service.title if service else summary.service,
                    domains=describe(summary.scopes),
                )
            )
        return entries

    async def _own_grant(self, uow: UnitOfWork, user: User, grant_id: str) -> Grant:
        grant = await uow.grants.get(grant_id) if len(grant_id) <= 64 else None
        if grant is None or grant.user_id != user.id or not grant.active:
            raise GrantNotFound()
        return grant

    async def revoke_grant(self, uow: UnitOfWork, user: User, grant_id: str) -> None:
        grant = await self._own_grant(uow, user, grant_id)
        now = self._clock.now()
        await uow.grants.revoke(grant.id, now)
        await self._record(uow, grant, {"scope": "grant"})

    async def revoke_advertiser(
        self, uow: UnitOfWork, user: User, grant_id: str, advertiser_id: int
    ) -> None:
        grant = await self._own_grant(uow, user, grant_id)
        now = self._clock.now()
        if not await uow.consents.revoke_advertiser(grant.id, advertiser_id, now):
            raise GrantNotFound()
        remaining = [a for a in grant.advertiser_ids if a != advertiser_id]
        if not remaining:
            await uow.grants.revoke(grant.id, now)  # nothing left to grant: end it all
        await self._record(uow, grant, {"scope": "advertiser", "advertiser_id": str(advertiser_id)})

    async def sign_out_everywhere(self, uow: UnitOfWork, user: User) -> int:
        """End every session of the user, this one included (server-side)."""
        ended = await uow.web_sessions.revoke_all(user.id, self._clock.now())
        await record(
            uow,
            AuditKind.SESSIONS_REVOKED,
            at=self._clock.now(),
            user_id=user.id,
            detail={"sessions": str(ended)},
        )
        return ended

    async def _record(self, uow: UnitOfWork, grant: Grant, detail: dict[str, str]) -> None:
        await record(
            uow,
            AuditKind.CONSENT_REVOKED,
            at=self._clock.now(),
            app_id=grant.app_id,
            user_id=grant.user_id,
            grant_id=grant.id,
            detail=detail,
        )
