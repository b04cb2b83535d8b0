"""The consent decision: which advertisers of the user's portfolio an app gets, turned into a Grant.

Only advertisers on which the user is admin, business manager or technical manager may be granted.
"""

from __future__ import annotations

from dataclasses import dataclass

from consentry.clock import Clock
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
from consentry.core.scopes import SERVICES, ScopeDescription, describe
from consentry.storage.repositories import UnitOfWork


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
        )

    async def approve(
        self, uow: UnitOfWork, handle: str, user: User, selected: list[str]
    ) -> RedirectTo:
        view = await self.view(uow, handle, user)
        grantable = {entry.advertiser.id for entry in view.grantable}
        try:
            chosen = sorted({int(value) for value in selected})
        except ValueError as exc:
            raise ConsentError("Choose advertisers from the list.") from exc
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
        return await self._authorization.issue_code(uow, pending, grant)

    async def deny(self, uow: UnitOfWork, handle: str) -> RedirectTo:
        pending = await self._open_pending(uow, handle)
        consumed = await uow.pending.consume(pending.id_hash, self._clock.now())
        if consumed is None:
            raise ConsentExpired()
        return self._authorization.deny(consumed)
