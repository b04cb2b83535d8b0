"""Consent links: the builder for authorization-code apps, and the signed single-use links of
client-credentials apps (`/request?nonce=…&hmac=…`, valid 30 days).

A signed link's `hmac` is HMAC-SHA-256, under a key derived from the server secret for this one
purpose, over the app id and the nonce; the database keeps only the nonce's keyed hash, the app, the
expiry and when it was used. Opening the link lets a signed-in customer grant advertisers of their
portfolio to the app: an app-level grant (no credential pair) read by its client-credentials
tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from consentry.clock import Clock
from consentry.core.audit import AuditKind, record
from consentry.core.authorize import UNKNOWN_CLIENT
from consentry.core.hashing import SecretHasher, new_identifier, new_secret
from consentry.core.model import App, AuthMethod, PortfolioEntry, User
from consentry.core.ports.portal import AppGrantRecord
from consentry.core.ports.unit_of_work import PortalUnitOfWork
from consentry.portal.accounts import Developer
from consentry.portal.apps import AppService
from consentry.portal.errors import ConsentLinkInvalid, InvalidInput

MAX_STATE = 500


@dataclass(frozen=True, slots=True)
class SignedLink:
    url: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LinkApproval:
    app: App
    grant: AppGrantRecord


@dataclass(frozen=True, slots=True)
class LinkConsentView:
    """What the customer sees when opening a client-credentials app's consent link."""

    app: App
    grantable: list[PortfolioEntry]
    not_grantable: list[PortfolioEntry]


class ConsentLinkService:
    def __init__(
        self,
        *,
        issuer: str,
        clock: Clock,
        hasher: SecretHasher,
        link_key: bytes,
        ttl: timedelta,
        apps: AppService,
    ) -> None:
        self._issuer = issuer
        self._clock = clock
        self._hasher = hasher
        self._link_key = link_key
        self._ttl = ttl
        self._apps = apps

    async def authorization_link(
        self,
        uow: PortalUnitOfWork,
        developer: Developer,
        app_id: int,
        *,
        client_id: str,
        redirect_uri: str,
        state: str = "",
    ) -> str:
        """A ready consent link for an authorization-code app and one of its redirect URIs."""
        details = await self._apps.details(uow, developer, app_id)
        if details.app.auth_method is not AuthMethod.AUTHORIZATION_CODE:
            raise InvalidInput(
                "Client-credentials apps use a signed consent link.", field="auth_method"
            )
        if client_id not in {c.client_id for c in details.credentials}:
            raise InvalidInput("Choose one of the app's credential pairs.", field="client_id")
        if redirect_uri not in {u.uri for u in details.redirect_uris}:
            raise InvalidInput("Choose one of the app's redirect URIs.", field="redirect_uri")
        if len(state) > MAX_STATE:
            raise InvalidInput(f"Use at most {MAX_STATE} characters.", field="state")
        params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri}
        if state:
            params["state"] = state
        return f"{self._issuer}/request?{urlencode(params)}"

    def _mac(self, app_id: int, nonce: str) -> str:
        message = f"consent-link:{app_id}:{nonce}".encode()
        digest = hmac.new(self._link_key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")

    async def signed_link(
        self, uow: PortalUnitOfWork, developer: Developer, app_id: int
    ) -> SignedLink:
        """A new single-use link for a client-credentials app, valid for the configured TTL."""
        app = await self._apps.get(uow, developer, app_id)
        if app.auth_method is not AuthMethod.CLIENT_CREDENTIALS:
            raise InvalidInput(
                "Authorization-code apps use the consent-link builder.", field="auth_method"
            )
        now = self._clock.now()
        nonce = new_secret()
        stored = await uow.consent_links.add(
            app.id, self._hasher.hash(nonce), developer.id, now, now + self._ttl
        )
        query = urlencode({"nonce": nonce, "hmac": self._mac(app.id, nonce)})
        return SignedLink(f"{self._issuer}/request?{query}", stored.expires_at)

    async def open(
        self, uow: PortalUnitOfWork, nonce: str, mac: str, user: User
    ) -> LinkConsentView:
        """Check the link (signature, expiry, single use, published app) and list the portfolio."""
        if not nonce or not mac or len(nonce) > 100 or len(mac) > 100:
            raise ConsentLinkInvalid("This consent link is incomplete.")
        link = await uow.consent_links.get(self._hasher.hash(nonce))
        if link is None or not hmac.compare_digest(self._mac(link.app_id, nonce), mac):
            raise ConsentLinkInvalid("This consent link is not valid.")
        if link.used_at is not None:
            raise ConsentLinkInvalid("This consent link was already used; ask for a new one.")
        if link.expires_at <= self._clock.now():
            raise ConsentLinkInvalid("This consent link has expired; ask for a new one.")
        app = await uow.apps.get_published(link.app_id)
        if app is None or app.auth_method is not AuthMethod.CLIENT_CREDENTIALS:
            raise ConsentLinkInvalid(f"The {UNKNOWN_CLIENT}.")
        entries = await uow.users.portfolio(user.id)
        return LinkConsentView(
            app=app,
            grantable=[e for e in entries if e.role.may_grant],
            not_grantable=[e for e in entries if not e.role.may_grant],
        )

    async def approve(
        self, uow: PortalUnitOfWork, nonce: str, mac: str, user: User, selected: list[str]
    ) -> LinkApproval:
        """Record an app-level grant of the chosen advertisers and use the link up (atomically)."""
        view = await self.open(uow, nonce, mac, user)
        grantable = {entry.advertiser.id for entry in view.grantable}
        chosen = sorted({int(v) for v in selected if v.isascii() and v.isdigit() and len(v) < 19})
        if len(chosen) != len(set(selected)):
            raise InvalidInput("Choose advertisers from the list.", field="advertiser")
        if not chosen:
            raise InvalidInput("Choose at least one advertiser to grant.", field="advertiser")
        if not set(chosen) <= grantable:
            raise InvalidInput(
                "You may only grant advertisers on which your role allows it.", field="advertiser"
            )
        now = self._clock.now()
        nonce_hash = self._hasher.hash(nonce)
        if not await uow.consent_links.consume(nonce_hash, user.id, now):
            raise ConsentLinkInvalid("This consent link was already used; ask for a new one.")
        grant = AppGrantRecord(
            id=new_identifier(),
            user_id=user.id,
            app_id=view.app.id,
            scopes=view.app.scopes,
            advertiser_ids=tuple(chosen),
            created_at=now,
        )
        await uow.consent_links.record_grant(nonce_hash, grant)
        await record(
            uow,
            AuditKind.CONSENT_GRANTED,
            at=now,
            app_id=view.app.id,
            user_id=user.id,
            grant_id=grant.id,
            detail={"via": "signed consent link", "advertisers": str(len(chosen))},
        )
        return LinkApproval(view.app, grant)
