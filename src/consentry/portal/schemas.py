"""Pydantic models of `/portal/api`: what the OpenAPI schema documents for every endpoint."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from consentry.core.model import App, Credential
from consentry.core.ports.portal import StoredApiToken, StoredRedirectUri
from consentry.portal.apps import AppDetails, domain_levels
from consentry.web.text import TextChecked

DOMAINS_DOC = (
    'Each domain of the service with its level: "none", "read" or "manage" '
    '(Catalog: "manage" only), e.g. {"Campaign": "manage", "Analytics": "read"}.'
)


class Strict(TextChecked):
    """The portal's request models: unknown fields and control characters refused."""

    model_config = ConfigDict(extra="forbid")


class AppCreate(Strict):
    name: str = Field(max_length=400, examples=["Acme Bid Optimizer"])
    description: str = Field(default="", max_length=4000)
    service: str = Field(description='"C-Growth" (Marketing Solutions) or "C-Max" (Retail Media).')
    auth_method: str = Field(description='"authorization_code" or "client_credentials".')
    domains: dict[str, str] = Field(description=DOMAINS_DOC)


class AppUpdate(Strict):
    """Only the fields sent are changed. The service and the auth method are chosen once."""

    name: str | None = Field(default=None, max_length=400)
    description: str | None = Field(default=None, max_length=4000)
    domains: dict[str, str] | None = Field(
        default=None, description=DOMAINS_DOC + " Applies to new consents only."
    )
    pkce_required: bool | None = None
    activated: bool | None = None


class AppOut(BaseModel):
    id: int
    name: str
    description: str
    organization: str
    service: str
    auth_method: str
    domains: dict[str, str]
    scopes: list[str]
    pkce_required: bool
    activated: bool
    image_url: str | None

    @classmethod
    def of(cls, app: App) -> AppOut:
        return cls(
            id=app.id,
            name=app.name,
            description=app.description,
            organization=app.organization_name,
            service=app.service,
            auth_method=app.auth_method.value,
            domains=domain_levels(app),
            scopes=list(app.scopes),
            pkce_required=app.pkce_required,
            activated=app.activated,
            image_url=f"/apps/{app.id}/image" if app.has_image else None,
        )


class CredentialOut(BaseModel):
    client_id: str
    label: str
    created_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, credential: Credential) -> CredentialOut:
        return cls(
            client_id=credential.client_id,
            label=credential.label,
            created_at=credential.created_at,
            last_used_at=credential.last_used_at,
        )


class NewCredentialOut(CredentialOut):
    client_secret: str = Field(description="Shown once, now: only a hash is kept.")


class RedirectUriOut(BaseModel):
    id: int
    uri: str
    created_at: datetime

    @classmethod
    def of(cls, stored: StoredRedirectUri) -> RedirectUriOut:
        return cls(id=stored.id, uri=stored.uri, created_at=stored.created_at)


class AppDetailsOut(AppOut):
    credentials: list[CredentialOut]
    redirect_uris: list[RedirectUriOut]

    @classmethod
    def of_details(cls, details: AppDetails) -> AppDetailsOut:
        return cls(
            **AppOut.of(details.app).model_dump(),
            credentials=[CredentialOut.of(c) for c in details.credentials],
            redirect_uris=[RedirectUriOut.of(u) for u in details.redirect_uris],
        )


class CredentialCreate(Strict):
    label: str = Field(default="", max_length=400)


class RedirectUriCreate(Strict):
    uri: str = Field(max_length=4000, examples=["https://app.example/criteo-auth/callback"])


class ConsentLinkRequest(Strict):
    """Authorization-code apps: a pair and a registered redirect URI. Client-credentials: empty."""

    client_id: str | None = Field(default=None, max_length=64)
    redirect_uri: str | None = Field(default=None, max_length=4000)
    state: str = Field(default="", max_length=1000)


class ConsentLinkOut(BaseModel):
    url: str
    single_use: bool
    expires_at: datetime | None


class ApiTokenCreate(Strict):
    label: str = Field(max_length=400, examples=["nightly sync script"])


class ApiTokenOut(BaseModel):
    id: int
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: StoredApiToken) -> ApiTokenOut:
        return cls(
            id=token.id,
            label=token.label,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )


class NewApiTokenOut(BaseModel):
    id: int
    label: str
    token: str = Field(description="Shown once, now: send it as `Authorization: Bearer <token>`.")


class MeOut(BaseModel):
    email: str
    display_name: str
    organization: str
    csrf_token: str | None = Field(
        description="With a session (not a token): send it as X-CSRF-Token on unsafe methods."
    )


class PortalProblemField(BaseModel):
    field: str
    message: str


class PortalProblem(BaseModel):
    """RFC 9457 problem details (application/problem+json); `errors` names each field at fault."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[PortalProblemField]
