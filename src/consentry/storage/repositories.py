"""Repository protocols, one per aggregate, and the UnitOfWork that hands them out per transaction.

Lookups return None when nothing matches. Redeeming a code, rotating a refresh token and deciding
a pending authorization are single atomic conditional updates: of two racing callers exactly one
wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol, Self

from consentry.core.audit import AuditEvent, StoredAuditEvent
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
    async def get_by_client_id(
        self, client_id: str, *, with_redirect_uris: bool = True
    ) -> Client | None:
        """The pair, its app and (unless told not to: the token endpoint) its redirect URIs."""
        ...

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
    async def app_level(self, app_id: int) -> list[Grant]:
        """The app's active app-level grants (credential_id NULL: client-credentials consent)."""
        ...


class AuthorizationCodeRepository(Protocol):
    async def add(self, code: AuthorizationCode) -> None: ...
    async def get(self, code_hash: bytes) -> AuthorizationCode | None: ...
    async def get_with_grant(
        self, code_hash: bytes
    ) -> tuple[AuthorizationCode, Grant | None] | None:
        """The code and its grant (as `GrantRepository.get` returns it), in one lookup."""
        ...

    async def redeem(
        self, code_hash: bytes, credential_id: int, now: datetime, refresh_token: RefreshToken
    ) -> bool:
        """Mark the code used and store the refresh token issued for it, atomically, only if
        the code is unused, unexpired and issued to `credential_id`. Of two racing callers
        exactly one gets True."""
        ...


class RefreshTokenRepository(Protocol):
    async def add(self, token: RefreshToken) -> None: ...
    async def get(self, token_hash: bytes) -> RefreshToken | None: ...
    async def get_with_grant(self, token_hash: bytes) -> tuple[RefreshToken, Grant | None] | None:
        """The token and its grant (as `GrantRepository.get` returns it), in one lookup."""
        ...

    async def rotate(
        self,
        token_hash: bytes,
        credential_id: int,
        now: datetime,
        successor: bytes | None,
        replacement: RefreshToken,
    ) -> bool:
        """Replace the token, atomically: mark it used, keep `successor` (the sealed pair that
        replaces it) in its row and store `replacement`, only if it is unused, unexpired and
        issued to `credential_id`. Of two racing callers exactly one gets True."""
        ...


class SigningKeyRepository(Protocol):
    async def list(self) -> list[StoredSigningKey]: ...
    async def add(self, key: StoredSigningKey) -> None: ...
    async def retire(self, kid: str, when: datetime) -> None: ...


class WebSessionRepository(Protocol):
    async def add(self, session: WebSession) -> None: ...
    async def get(self, id_hash: bytes) -> WebSession | None: ...
    async def revoke(self, id_hash: bytes, when: datetime) -> None: ...
    async def revoke_all(self, user_id: int, when: datetime) -> int:
        """End every open session of the user ("sign out everywhere"); returns how many."""
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


class TokenStateRepository(Protocol):
    """The token check behind introspection: one indexed query.

    The partner API makes the same check inside the statement that counts its call
    (`storage.partner.RateLimitRepository.admit_grant` / `admit_app`).
    """

    async def live_advertisers(self, grant_id: str, token_id: str) -> tuple[int, ...] | None:
        """The grant's still-granted advertisers; None if the grant or the token is revoked."""
        ...

    async def live_app_advertisers(self, client_id: str, token_id: str) -> tuple[int, ...] | None:
        """Advertisers of the client's app-level grants; None if the pair or token is gone."""
        ...

    async def revoke_token(self, token_id: str, until: datetime, now: datetime) -> None:
        """Deny the access token `token_id` until `until` (and forget rows past theirs)."""
        ...


@dataclass(frozen=True, slots=True)
class FailureWindow:
    """Failed attempts counted in the window that started at `started_at`."""

    count: int
    started_at: datetime


class ClientAuthFailureRepository(Protocol):
    async def record(self, client_id: str, now: datetime, window: timedelta) -> FailureWindow:
        """Count one failure (atomically, shared by all nodes); a new window once one ends."""
        ...


class AuditRepository(Protocol):
    """Append-only, hash-chained security events. There is no update and no delete."""

    async def append(self, event: AuditEvent) -> StoredAuditEvent:
        """Link the event after the chain head (serialised across nodes) and store it."""
        ...

    async def page(
        self, *, app_id: int | None = None, after_seq: int = 0, limit: int = 100
    ) -> list[StoredAuditEvent]:
        """Events with seq > after_seq in chain order, optionally only those of one app."""
        ...

    async def recent(
        self, *, app_id: int | None = None, limit: int = 100
    ) -> list[StoredAuditEvent]:
        """The newest events first, optionally only those of one app."""
        ...

    async def head(self) -> tuple[int, str]:
        """The last seq and hash, as recorded by the chain head."""
        ...


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
