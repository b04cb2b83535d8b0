"""Credential pairs (at most 5 per app) and redirect URIs (at most 30) of an app.

A limit is counted inside the transaction that adds, after locking the app row, so two nodes adding
at once cannot exceed it. A client secret is returned once, at creation, and stored as a keyed hash.
Deleting a pair ends everything issued under it: grants, codes, refresh tokens (and with the grants,
every access token, which the partner API checks against its grant).
"""

from __future__ import annotations

from dataclasses import dataclass

from consentry.clock import Clock
from consentry.core.audit import AuditKind, record
from consentry.core.hashing import SecretHasher, new_identifier, new_secret
from consentry.core.model import App, AuthMethod, Credential
from consentry.core.ports.portal import StoredRedirectUri
from consentry.core.ports.unit_of_work import PortalUnitOfWork
from consentry.core.redirect_uris import RedirectUriRejected, normalize_redirect_uri
from consentry.portal.accounts import Developer
from consentry.portal.errors import AlreadyExists, InvalidInput, LimitReached, NotFoundError

MAX_CREDENTIALS = 5
MAX_REDIRECT_URIS = 30
MAX_LABEL = 100


@dataclass(frozen=True, slots=True)
class NewCredential:
    """A freshly created pair: the only moment the raw secret exists outside the client."""

    credential: Credential
    client_secret: str


class CredentialService:
    def __init__(self, *, clock: Clock, hasher: SecretHasher) -> None:
        self._clock = clock
        self._hasher = hasher

    @staticmethod
    async def _locked_app(uow: PortalUnitOfWork, developer: Developer, app_id: int) -> App:
        if not await uow.apps.lock(app_id, developer.organization_id):
            raise NotFoundError("There is no such app in your organization.")
        app = await uow.apps.get(app_id, developer.organization_id)
        if app is None:  # pragma: no cover - locked just above
            raise NotFoundError("There is no such app in your organization.")
        return app

    async def create(
        self, uow: PortalUnitOfWork, developer: Developer, app_id: int, label: str = ""
    ) -> NewCredential:
        label = label.strip()
        if len(label) > MAX_LABEL:
            raise InvalidInput(f"Use at most {MAX_LABEL} characters.", field="label")
        app = await self._locked_app(uow, developer, app_id)
        if len(await uow.credentials.list(app.id)) >= MAX_CREDENTIALS:
            raise LimitReached(
                f"An app has at most {MAX_CREDENTIALS} credential pairs. "
                "Delete one before creating another.",
                field="credentials",
            )
        secret = new_secret()
        now = self._clock.now()
        credential = await uow.credentials.add(
            app.id, new_identifier(), self._hasher.hash(secret), label, now
        )
        await record(
            uow,
            AuditKind.CREDENTIAL_CREATED,
            at=now,
            app_id=app.id,
            user_id=developer.id,
            client_id=credential.client_id,
        )
        return NewCredential(credential, secret)

    async def get(
        self, uow: PortalUnitOfWork, developer: Developer, app_id: int, client_id: str
    ) -> Credential:
        app = await uow.apps.get(app_id, developer.organization_id)
        found = await uow.credentials.list(app.id) if app else []
        for credential in found:
            if credential.client_id == client_id:
                return credential
        raise NotFoundError("There is no such credential pair for this app.")

    async def delete(
        self, uow: PortalUnitOfWork, developer: Developer, app_id: int, client_id: str
    ) -> None:
        """Delete the pair and end its grants, codes, refresh tokens and access tokens."""
        app = await self._locked_app(uow, developer, app_id)
        if not await uow.credentials.delete(app.id, client_id):
            raise NotFoundError("There is no such credential pair for this app.")
        await record(
            uow,
            AuditKind.CREDENTIAL_DELETED,
            at=self._clock.now(),
            app_id=app.id,
            user_id=developer.id,
            client_id=client_id,
        )

    async def add_redirect_uri(
        self, uow: PortalUnitOfWork, developer: Developer, app_id: int, uri: str
    ) -> StoredRedirectUri:
        try:
            normalized = normalize_redirect_uri(uri)
        except RedirectUriRejected as rejected:
            raise InvalidInput(str(rejected), field="redirect_uri") from rejected
        app = await self._locked_app(uow, developer, app_id)
        if app.auth_method is not AuthMethod.AUTHORIZATION_CODE:
            raise InvalidInput(
                "Client-credentials apps are not redirected to; they need no redirect URI.",
                field="redirect_uri",
            )
        registered = await uow.redirect_uris.list(app.id)
        if normalized in {r.uri for r in registered}:
            raise AlreadyExists(
                f"{normalized} is already registered for this app.", field="redirect_uri"
            )
        if len(registered) >= MAX_REDIRECT_URIS:
            raise LimitReached(
                f"An app has at most {MAX_REDIRECT_URIS} redirect URIs. "
                "Remove one before adding another.",
                field="redirect_uri",
            )
        stored = await uow.redirect_uris.add(app.id, normalized, self._clock.now())
        if stored is None:  # pragma: no cover - the app row is locked, so checked just above
            raise AlreadyExists(f"{normalized} is already registered.", field="redirect_uri")
        return stored

    async def remove_redirect_uri(
        self, uow: PortalUnitOfWork, developer: Developer, app_id: int, uri_id: int
    ) -> None:
        app = await self._locked_app(uow, developer, app_id)
        if not await uow.redirect_uris.delete(app.id, uri_id):
            raise NotFoundError("There is no such redirect URI for this app.")
