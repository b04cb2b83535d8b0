"""The domain's values: frozen dataclasses shared by the core, the storage and the web layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """A user's role on one advertiser of their portfolio."""

    ADMIN = "admin"
    BUSINESS_MANAGER = "business_manager"
    TECHNICAL_MANAGER = "technical_manager"
    VIEWER = "viewer"

    @property
    def may_grant(self) -> bool:
        # Criteo: only admins, business managers and technical managers may grant access.
        return self is not Role.VIEWER


class AuthMethod(StrEnum):
    AUTHORIZATION_CODE = "authorization_code"
    CLIENT_CREDENTIALS = "client_credentials"


@dataclass(frozen=True, slots=True)
class Advertiser:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class PortfolioEntry:
    advertiser: Advertiser
    role: Role


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str
    display_name: str
    password_hash: str
    organization_id: int | None = None


@dataclass(frozen=True, slots=True)
class App:
    """A partner application as registered in the portal."""

    id: int
    organization_id: int
    organization_name: str
    name: str
    description: str
    service: str
    auth_method: AuthMethod
    scopes: tuple[str, ...]
    pkce_required: bool
    activated: bool
    has_image: bool = False


@dataclass(frozen=True, slots=True)
class Credential:
    """One client_id / client_secret pair of an app; the secret is kept only as a keyed hash."""

    id: int
    app_id: int
    client_id: str
    secret_hash: bytes
    label: str
    created_at: datetime
    last_used_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Client:
    """What the protocol knows of a client: its credential pair, its app and its redirect URIs."""

    credential: Credential
    app: App
    redirect_uris: frozenset[str] = field(default_factory=frozenset)

    @property
    def client_id(self) -> str:
        return self.credential.client_id


@dataclass(frozen=True, slots=True)
class PendingAuthorization:
    """A validated consent-link request waiting for the user's decision."""

    id_hash: bytes
    credential_id: int
    client_id: str
    redirect_uri: str
    state: str | None
    code_challenge: str | None
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Grant:
    """A user's consent: user × credential pair × advertisers × scopes. Tokens carry its id."""

    id: str
    user_id: int | None
    credential_id: int | None  # None: an app-level grant (client-credentials consent link)
    app_id: int
    scopes: tuple[str, ...]
    advertiser_ids: tuple[int, ...]
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclass(frozen=True, slots=True)
class AuthorizationCode:
    code_hash: bytes
    grant_id: str
    credential_id: int
    redirect_uri: str
    code_challenge: str | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RefreshToken:
    token_hash: bytes
    grant_id: str
    credential_id: int
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    # The pair issued when this token was rotated, sealed under a key derived from this token.
    successor: bytes | None = None


@dataclass(frozen=True, slots=True)
class TokenResponse:
    """RFC 6749 §5.1 as Criteo sends it: `refresh_token` is always present, null when none."""

    access_token: str
    expires_in: int
    refresh_token: str | None
    scope: str
    token_type: str = "Bearer"  # noqa: S105 - the RFC 6750 token type, not a secret

    def as_json(self) -> dict[str, object]:
        return {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
        }


@dataclass(frozen=True, slots=True)
class RedirectTo:
    """A redirect the web layer must send to the browser."""

    url: str


@dataclass(frozen=True, slots=True)
class AccessTokenClaims:
    """What a verified access token says (RFC 9068 §2.2 plus the grant's advertisers)."""

    subject: str
    client_id: str
    scopes: frozenset[str]
    grant_id: str
    advertiser_ids: tuple[int, ...]
    issued_at: int
    expires_at: int
    token_id: str
