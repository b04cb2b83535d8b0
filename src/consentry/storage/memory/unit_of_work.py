"""The in-memory unit of work: one transaction on a `MemoryDatabase`, handing out the repositories
bound to it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from consentry.core.errors import Refusal
from consentry.core.ports.audit import AuditRepository
from consentry.core.ports.clients import ClientRepository
from consentry.core.ports.grants import (
    ConsentRepository,
    GrantRepository,
    PendingAuthorizationRepository,
)
from consentry.core.ports.keys import SigningKeyRepository
from consentry.core.ports.sessions import WebSessionRepository
from consentry.core.ports.throttling import ClientAuthFailureRepository
from consentry.core.ports.tokens import (
    AuthorizationCodeRepository,
    RefreshTokenRepository,
    TokenStateRepository,
)
from consentry.core.ports.users import UserRepository
from consentry.storage.memory.audit import InMemoryAuditRepository
from consentry.storage.memory.client_auth_failures import InMemoryClientAuthFailureRepository
from consentry.storage.memory.clients import InMemoryClientRepository
from consentry.storage.memory.codes import InMemoryAuthorizationCodeRepository
from consentry.storage.memory.consents import InMemoryConsentRepository
from consentry.storage.memory.grants import InMemoryGrantRepository
from consentry.storage.memory.pending_authorizations import InMemoryPendingAuthorizationRepository
from consentry.storage.memory.refresh_tokens import InMemoryRefreshTokenRepository
from consentry.storage.memory.signing_keys import InMemorySigningKeyRepository
from consentry.storage.memory.tables import MemoryDatabase, TableAccess
from consentry.storage.memory.token_state import InMemoryTokenStateRepository
from consentry.storage.memory.users import InMemoryUserRepository
from consentry.storage.memory.web_sessions import InMemoryWebSessionRepository


class InMemoryUnitOfWork:
    """One transaction on an `InMemoryStore`: commits on a clean exit, rolls back on an error."""

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

    def __init__(self, database: MemoryDatabase, *, read_only: bool = False) -> None:
        self._database = database
        self._read_only = read_only
        self._access: TableAccess | None = None

    async def __aenter__(self) -> Self:
        if self._access is not None:
            raise RuntimeError("unit of work entered twice")
        tables = await self._database.begin(read_only=self._read_only)
        access = self._access = TableAccess(tables, read_only=self._read_only)
        self.clients = InMemoryClientRepository(access)
        self.users = InMemoryUserRepository(access)
        self.pending = InMemoryPendingAuthorizationRepository(access)
        self.grants = InMemoryGrantRepository(access)
        self.codes = InMemoryAuthorizationCodeRepository(access)
        self.refresh_tokens = InMemoryRefreshTokenRepository(access)
        self.signing_keys = InMemorySigningKeyRepository(access)
        self.web_sessions = InMemoryWebSessionRepository(access)
        self.consents = InMemoryConsentRepository(access)
        self.token_state = InMemoryTokenStateRepository(access)
        self.client_auth_failures = InMemoryClientAuthFailureRepository(access)
        self.audit = InMemoryAuditRepository(access)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._access is None:
            raise RuntimeError("unit of work exited without being entered")
        access, self._access = self._access, None
        tables = access.tables
        access.close()  # repositories kept by the caller stop working, like a closed connection
        # A refusal (`core.errors.Refusal`) keeps what was written before it, as SQL does.
        commit = exc_type is None or issubclass(exc_type, Refusal)
        self._database.end(tables, read_only=self._read_only, commit=commit)
