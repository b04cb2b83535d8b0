"""Ports of the developer portal: accounts, apps, credential pairs, redirect URIs, API tokens and
signed consent links.

Every app-scoped lookup also takes the organization, so another organization's rows are not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from consentry.core.model import (
    App,
    AuthMethod,
    Credential,
)


@dataclass(frozen=True, slots=True)
class NewApp:
    organization_id: int
    name: str
    description: str
    service: str
    auth_method: AuthMethod
    scopes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AppChanges:
    """Fields to change on an app; None leaves a field as it is."""

    name: str | None = None
    description: str | None = None
    scopes: tuple[str, ...] | None = None
    pkce_required: bool | None = None
    activated: bool | None = None


@dataclass(frozen=True, slots=True)
class StoredRedirectUri:
    id: int
    app_id: int
    uri: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoredApiToken:
    id: int
    user_id: int
    label: str
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredConsentLink:
    id: int
    app_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AppGrantRecord:
    """An app-level grant: a customer's advertisers for a client-credentials app (no pair)."""

    id: str
    user_id: int
    app_id: int
    scopes: tuple[str, ...]
    advertiser_ids: tuple[int, ...]
    created_at: datetime


class AccountRepository(Protocol):
    async def add_organization(self, name: str, now: datetime) -> int: ...
    async def add_user(
        self,
        *,
        email: str,
        display_name: str,
        password_hash: str,
        organization_id: int | None,
        now: datetime,
    ) -> int | None:
        """The new user's id, or None when the e-mail is already registered."""
        ...

    async def organization_name(self, organization_id: int) -> str | None: ...


class AppRepository(Protocol):
    async def add(self, app: NewApp, now: datetime) -> int: ...
    async def list(self, organization_id: int) -> list[App]: ...
    async def get(self, app_id: int, organization_id: int) -> App | None: ...
    async def get_published(self, app_id: int) -> App | None:
        """The app if it is activated, whatever its organization (for customers' consent)."""
        ...

    async def lock(self, app_id: int, organization_id: int) -> bool:
        """Lock the app row until the transaction ends (FOR UPDATE); False when not found."""
        ...

    async def update(self, app_id: int, changes: AppChanges, now: datetime) -> None: ...
    async def set_image(
        self, app_id: int, image: tuple[bytes, str] | None, now: datetime
    ) -> None: ...


class CredentialRepository(Protocol):
    async def add(
        self, app_id: int, client_id: str, secret_hash: bytes, label: str, now: datetime
    ) -> Credential: ...
    async def list(self, app_id: int) -> list[Credential]: ...
    async def delete(self, app_id: int, client_id: str) -> bool:
        """Delete the pair and everything issued under it; False when no such pair."""
        ...


class RedirectUriRepository(Protocol):
    async def add(self, app_id: int, uri: str, now: datetime) -> StoredRedirectUri | None:
        """The stored URI, or None when the app already has it."""
        ...

    async def list(self, app_id: int) -> list[StoredRedirectUri]: ...
    async def delete(self, app_id: int, uri_id: int) -> bool: ...


class ApiTokenRepository(Protocol):
    async def add(self, user_id: int, token_hash: bytes, label: str, now: datetime) -> int: ...
    async def list(self, user_id: int) -> list[StoredApiToken]: ...
    async def find_user(self, token_hash: bytes, now: datetime) -> int | None:
        """The owner of an unrevoked token (its last use is recorded), else None."""
        ...

    async def revoke(self, user_id: int, token_id: int, now: datetime) -> bool: ...


class ConsentLinkRepository(Protocol):
    async def add(
        self, app_id: int, nonce_hash: bytes, created_by: int, now: datetime, expires_at: datetime
    ) -> StoredConsentLink: ...
    async def get(self, nonce_hash: bytes) -> StoredConsentLink | None: ...
    async def consume(self, nonce_hash: bytes, user_id: int, now: datetime) -> bool:
        """Mark the link used if it is unused and unexpired (one conditional UPDATE)."""
        ...

    async def record_grant(self, nonce_hash: bytes, grant: AppGrantRecord) -> None: ...
