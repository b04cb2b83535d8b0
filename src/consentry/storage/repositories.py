"""Repository protocols, one per aggregate, and the UnitOfWork that hands them out per transaction.

Lookups return None when nothing matches. `consume_*` methods are single atomic conditional updates:
of two racing callers exactly one gets the record back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar

from consentry.core.model import (
    Advertiser,
    AuthorizationCode,
    Client,
    Grant,
    PendingAuthorization,
    PortfolioEntry,
    RefreshToken,
    User,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Consumed(Generic[T]):
    """The outcome of consuming a one-time value.

    `record` is the value when this caller won; `previous` is the stored value when it was already
    used (a replay) or otherwise not consumable; both None when no such value exists.
    """

    record: T | None
    previous: T | None = None


@dataclass(frozen=True, slots=True)
class StoredSigningKey:
    kid: str
    algorithm: str
    encrypted_private_key: bytes
    public_jwk: dict[str, str]
    created_at: datetime
    retired_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class WebSession:
    id_hash: bytes
    user_id: int | None
    csrf_secret: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


class ClientRepository(Protocol):
    async def get_by_client_id(self, client_id: str) -> Client | None: ...
    async def get_image(self, app_id: int) -> tuple[bytes, str] | None: ...
    async def touch_credential(self, credential_id: int, when: datetime) -> None: ...


class UserRepository(Protocol):
    async def get(self, user_id: int) -> User | None: ...
    async def get_by_email(self, email: str) -> User | None: ...
    async def portfolio(self, user_id: int) -> list[PortfolioEntry]: ...
    async def advertisers(self, advertiser_ids: tuple[int, ...]) -> list[Advertiser]: ...


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


class AuthorizationCodeRepository(Protocol):
    async def add(self, code: AuthorizationCode) -> None: ...
    async def consume(
        self, code_hash: bytes, credential_id: int, now: datetime
    ) -> Consumed[AuthorizationCode]:
        """Mark the code used if it is unused, unexpired and issued to `credential_id`."""
        ...


class RefreshTokenRepository(Protocol):
    async def add(self, token: RefreshToken) -> None: ...
    async def consume(
        self, token_hash: bytes, credential_id: int, now: datetime
    ) -> Consumed[RefreshToken]:
        """Mark the token used if it is unused, unexpired and issued to `credential_id`."""
        ...


class SigningKeyRepository(Protocol):
    async def list(self) -> list[StoredSigningKey]: ...
    async def add(self, key: StoredSigningKey) -> None: ...


class WebSessionRepository(Protocol):
    async def add(self, session: WebSession) -> None: ...
    async def get(self, id_hash: bytes) -> WebSession | None: ...
    async def revoke(self, id_hash: bytes, when: datetime) -> None: ...


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

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work; `read_only` ones never take the write lock (SQLite)."""
        ...
