"""The unit of work of the SQL storage: one connection per request (taken at its first statement),
the core's repositories on it.

Every statement is a `Statement` (statements.py) run on the unit of work's `Connection`
(connection.py, the drivers sqlite.py and postgres.py); each lookup is one query, joins folded
in Python (a client and its redirect URIs, a grant and its advertisers). The repositories live
in `repositories/`, one module per aggregate.

`SqlPortalUnitOfWork` is the same unit of work with the portal's repositories added.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Self

from consentry.core.errors import Refusal
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
from consentry.storage.sql.admissions import AdmissionMemory
from consentry.storage.sql.app_grant_cache import AppGrantCache
from consentry.storage.sql.client_cache import ClientCache
from consentry.storage.sql.connection import Connection, Database
from consentry.storage.sql.deferred import DeferredConnection
from consentry.storage.sql.repositories.accounts import SqlAccountRepository
from consentry.storage.sql.repositories.api_tokens import SqlApiTokenRepository
from consentry.storage.sql.repositories.apps import SqlAppRepository
from consentry.storage.sql.repositories.audit import SqlAuditRepository
from consentry.storage.sql.repositories.client_auth_failures import SqlClientAuthFailureRepository
from consentry.storage.sql.repositories.clients import SqlClientRepository
from consentry.storage.sql.repositories.codes import SqlAuthorizationCodeRepository
from consentry.storage.sql.repositories.consent_links import SqlConsentLinkRepository
from consentry.storage.sql.repositories.consents import SqlConsentRepository
from consentry.storage.sql.repositories.credentials import SqlCredentialRepository
from consentry.storage.sql.repositories.grants import SqlGrantRepository
from consentry.storage.sql.repositories.login_failures import SqlLoginFailureRepository
from consentry.storage.sql.repositories.pending import SqlPendingAuthorizationRepository
from consentry.storage.sql.repositories.redirect_uris import SqlRedirectUriRepository
from consentry.storage.sql.repositories.refresh_tokens import SqlRefreshTokenRepository
from consentry.storage.sql.repositories.signing_keys import SqlSigningKeyRepository
from consentry.storage.sql.repositories.token_state import SqlTokenStateRepository
from consentry.storage.sql.repositories.users import SqlUserRepository
from consentry.storage.sql.repositories.web_sessions import SqlWebSessionRepository


class SqlUnitOfWork:
    """One connection and (from its first write) one transaction; commits on a clean exit and on
    a refusal (`core.errors.Refusal`), rolls back on any other exception.

    `read_only` refuses writes; `autocommit` commits every statement on its own (no BEGIN,
    no COMMIT: for independent single-statement writes); `relaxed` takes a connection whose
    commits do not wait for the disk (see the drivers), for counters that may lose a few counts
    in a crash; `standalone_writes` lets a write that is atomic by itself and is the unit of
    work's last write commit on its own (`Statement.standalone`; the token endpoint).
    `clients`, `app_grants`: the node's memories of recent reads for the token endpoint's
    lookups (`ClientCache`, `AppGrantCache`); `admissions`: the partner API's (`AdmissionMemory`).
    """

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

    def __init__(
        self,
        database: Database,
        *,
        read_only: bool = False,
        autocommit: bool = False,
        relaxed: bool = False,
        standalone_writes: bool = False,
        clients: ClientCache | None = None,
        app_grants: AppGrantCache | None = None,
        admissions: AdmissionMemory | None = None,
    ) -> None:
        self._database = database
        self.recent = RecentReadsOfNode(clients, app_grants, admissions)
        self._read_only = read_only
        self._autocommit = autocommit
        self._relaxed = relaxed
        self._standalone_writes = standalone_writes
        self._connection: DeferredConnection | None = None

    @property
    def connection(self) -> Connection:
        """Taken from the database at its first statement (`deferred.py`)."""
        if self._connection is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._connection

    async def __aenter__(self) -> Self:
        self._connection = DeferredConnection(
            self._database,
            read_only=self._read_only,
            autocommit=self._autocommit,
            relaxed=self._relaxed,
            standalone_writes=self._standalone_writes,
        )
        return self

    if not TYPE_CHECKING:  # for the type checker the repositories are the attributes above

        def __getattr__(self, name: str) -> object:
            """A repository is built on its first use: a request uses two or three of them."""
            build = _REPOSITORIES.get(name)
            if build is None or self._connection is None:
                raise AttributeError(name)
            repository = build(self._connection, self.recent)
            setattr(self, name, repository)
            return repository

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection = self._connection
        if connection is None:
            raise RuntimeError("unit of work used outside `async with`")
        self._connection = None
        lease = connection.lease
        if lease is None:
            return  # no statement ran: nothing was taken, nothing to end
        clean = False
        try:
            if exc_type is None or issubclass(exc_type, Refusal):
                await connection.commit()  # a refusal keeps what was written before it
            else:
                await connection.rollback()
            clean = True
        finally:
            await lease.release(clean=clean)


class SqlPortalUnitOfWork(SqlUnitOfWork):
    """The SQL unit of work with the portal's repositories on the same connection."""

    accounts: AccountRepository
    apps: AppRepository
    credentials: CredentialRepository
    redirect_uris: RedirectUriRepository
    api_tokens: ApiTokenRepository
    login_failures: LoginFailureRepository
    consent_links: ConsentLinkRepository


@dataclass(frozen=True, slots=True)
class RecentReadsOfNode:
    """The node's memories of recent reads that repositories consult (none in some tests)."""

    clients: ClientCache | None = None
    app_grants: AppGrantCache | None = None
    admissions: AdmissionMemory | None = None


# Each repository of the units of work from the connection and the node's memories.
_REPOSITORIES: dict[str, Callable[[Connection, RecentReadsOfNode], object]] = {
    "clients": lambda conn, recent: SqlClientRepository(conn, recent.clients),
    "users": lambda conn, _: SqlUserRepository(conn),
    "pending": lambda conn, _: SqlPendingAuthorizationRepository(conn),
    "grants": lambda conn, recent: SqlGrantRepository(conn, recent.app_grants),
    "codes": lambda conn, _: SqlAuthorizationCodeRepository(conn),
    "refresh_tokens": lambda conn, _: SqlRefreshTokenRepository(conn),
    "signing_keys": lambda conn, _: SqlSigningKeyRepository(conn),
    "web_sessions": lambda conn, _: SqlWebSessionRepository(conn),
    "consents": lambda conn, _: SqlConsentRepository(conn),
    "token_state": lambda conn, _: SqlTokenStateRepository(conn),
    "client_auth_failures": lambda conn, _: SqlClientAuthFailureRepository(conn),
    "audit": lambda conn, _: SqlAuditRepository(conn),
    # the portal's (SqlPortalUnitOfWork declares them)
    "accounts": lambda conn, _: SqlAccountRepository(conn),
    "apps": lambda conn, recent: SqlAppRepository(conn, recent.clients),
    "credentials": lambda conn, recent: SqlCredentialRepository(conn, recent.clients),
    "redirect_uris": lambda conn, _: SqlRedirectUriRepository(conn),
    "api_tokens": lambda conn, _: SqlApiTokenRepository(conn),
    "login_failures": lambda conn, _: SqlLoginFailureRepository(conn),
    "consent_links": lambda conn, _: SqlConsentLinkRepository(conn),
}
