"""The unit of work: one transaction, handing out the repositories bound to it.

Lookups return None when nothing matches. A unit of work commits when its block ends normally or
with a decided refusal (`core.errors.Refusal`: a burned code or a revoked grant must stay so) and
rolls back on any other exception.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from consentry.core.ports.audit import AuditRepository
from consentry.core.ports.clients import ClientRepository
from consentry.core.ports.grants import (
    ConsentRepository,
    GrantRepository,
    PendingAuthorizationRepository,
)
from consentry.core.ports.keys import SigningKeyRepository
from consentry.core.ports.portal import (
    AccountRepository,
    ApiTokenRepository,
    AppRepository,
    ConsentLinkRepository,
    CredentialRepository,
    RedirectUriRepository,
)
from consentry.core.ports.sessions import WebSessionRepository
from consentry.core.ports.throttling import ClientAuthFailureRepository, LoginFailureRepository
from consentry.core.ports.tokens import (
    AuthorizationCodeRepository,
    RefreshTokenRepository,
    TokenStateRepository,
)
from consentry.core.ports.users import UserRepository


class StorageUnavailable(Exception):
    """The store could not take this unit of work in time: every pooled connection stayed busy,
    or another process held the database's write lock, past the configured wait. Nothing was
    written (the unit of work rolls back); the request is answered 503 `temporarily_unavailable`
    with `Retry-After: retry_after`."""

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UnitOfWork(Protocol):
    """One transaction: commits when the block ends normally, rolls back on an exception."""

    clients: ClientRepository
    users: UserRepository
    pending: PendingAuthorizationRepository
    grants: GrantRepository
    codes: AuthorizationCodeRepository
    refresh_tokens: RefreshTokenRepository
    signing_keys: SigningKeyRepository
    web_sessions: WebSessionRepository
    consents: ConsentRepository
    token_state: TokenStateRepository
    client_auth_failures: ClientAuthFailureRepository
    audit: AuditRepository

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(
        self,
        *,
        read_only: bool = False,
        autocommit: bool = False,
        relaxed: bool = False,
        standalone_writes: bool = False,
    ) -> UnitOfWork:
        """A new unit of work.

        `read_only` ones refuse writes; `autocommit` ones commit each statement on its own (for
        independent single-statement writes, such as counters); `relaxed` ones may lose their
        last commits in a crash of the machine (counters whose loss is harmless);
        `standalone_writes` ones promise that a write the storage can make atomic on its own
        (redeeming a code, rotating a refresh token) is their last: it may commit by itself.
        """
        ...


class PortalUnitOfWork(UnitOfWork, Protocol):
    accounts: AccountRepository
    apps: AppRepository
    credentials: CredentialRepository
    redirect_uris: RedirectUriRepository
    api_tokens: ApiTokenRepository
    login_failures: LoginFailureRepository
    consent_links: ConsentLinkRepository


class PortalUnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> PortalUnitOfWork: ...
