"""The consent decision: which advertisers of the user's portfolio an app gets, turned into a Grant.

Only advertisers on which the user is admin, business manager or technical manager may be granted.
"""

from __future__ import annotations

from dataclasses import dataclass

from consentry.clock import Clock
from consentry.core.audit import AuditKind, record
from consentry.core.authorize import AuthorizationEndpoint
from consentry.core.hashing import new_identifier
from consentry.core.model import (
    Client,
    Grant,
    PendingAuthorization,
    PortfolioEntry,
    RedirectTo,
    User,
)
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.core.scopes import SERVICES, ScopeDescription, describe


class ConsentError(Exception):
    """A consent form that cannot be accepted as sent; the message is shown next to the form."""


class ConsentExpired(Exception):
    """The consent request is unknown, expired or already answered."""


@dataclass(frozen=True, slots=True)
class ConsentView:
    pending: PendingAuthorization
    client: Client
    service_title: str
    scopes: list[ScopeDescription]
    grantable: list[PortfolioEntry]
    not_grantable: list[PortfolioEntry]
    # Re-consent pre-selects what the user already grants this app (DESIGN §2).
    previously_granted: frozenset[int] = frozenset()


class ConsentService:
    def __init__(self, *, authorization: AuthorizationEndpoint, clock: Clock) -> None:
        self._authorization = authorization
        self._clock = clock

    async def _open_pending(self, uow: UnitOfWork, handle: str) -> PendingAuthorization:
        if not handle or len(handle) > 100:
            raise ConsentExpired()
        pending = await uow.pending.get(self._authorization.pending_id_hash(handle))
        if pending is None or pending.expires_at <= self._clock.now():
            raise ConsentExpired()
        return pending

    async def view(self, uow: UnitOfWork, handle: str, user: User) -> ConsentView:
        pending = await self._open_pending(uow, handle)
        client = await uow.clients.get_by_client_id(pending.client_id)
        if client is None or not client.app.activated:
            raise ConsentExpired()
        entries = await uow.users.portfolio(user.id)
        service = SERVICES.get(client.app.service)
        return ConsentView(
            pending=pending,
            client=client,
            service_title=f"{service.title} ({service.code})" if service else client.app.service,
            scopes=describe(pending.scopes),
            grantable=[e for e in entries if e.role.may_grant],
            not_grantable=[e for e in entries if not e.role.may_grant],
            previously_granted=await uow.consents.granted_advertisers(user.id, client.app.id),
        )

    async def approve(
        self, uow: UnitOfWork, handle: str, user: User, selected: list[str]
    ) -> RedirectTo:
        view = await self.view(uow, handle, user)
        grantable = {entry.advertiser.id for entry in view.grantable}
        # Advertiser ids are plain ASCII digits; int() alone would also take "²", " 7" or "1_0".
        if not all(value.isascii() and value.isdigit() and len(value) < 19 for value in selected):
            raise ConsentError("Choose advertisers from the list.")
        chosen = sorted({int(value) for value in selected})
        if not chosen:
            raise ConsentError("Choose at least one advertiser to grant.")
        if not set(chosen) <= grantable:
            raise ConsentError("You may only grant advertisers on which your role allows it.")
        pending = await uow.pending.consume(view.pending.id_hash, self._clock.now())
        if pending is None:
            raise ConsentExpired()  # answered in another tab, or expired meanwhile
        grant = Grant(
            id=new_identifier(),
            user_id=user.id,
            credential_id=pending.credential_id,
            app_id=view.client.app.id,
            scopes=pending.scopes,
            advertiser_ids=tuple(chosen),
            created_at=self._clock.now(),
        )
        target = await self._authorization.issue_code(uow, pending, grant)
        await record(
            uow,
            AuditKind.CONSENT_GRANTED,
            at=self._clock.now(),
            app_id=grant.app_id,
            user_id=user.id,
            client_id=pending.client_id,
            grant_id=grant.id,
            detail={"advertisers": " ".join(str(a) for a in chosen)},
        )
        return target

    async def deny(self, uow: UnitOfWork, handle: str, user: User | None = None) -> RedirectTo:
        pending = await self._open_pending(uow, handle)
        consumed = await uow.pending.consume(pending.id_hash, self._clock.now())
        if consumed is None:
            raise ConsentExpired()
        client = await uow.clients.get_by_client_id(consumed.client_id)
        await record(
            uow,
            AuditKind.CONSENT_DENIED,
            at=self._clock.now(),
            app_id=client.app.id if client else None,
            user_id=user.id if user else None,
            client_id=consumed.client_id,
        )
        return self._authorization.deny(consumed)
