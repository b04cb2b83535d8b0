"""`grant_type=client_credentials` (RFC 6749 §4.4) for client-credentials apps.

The token covers the advertisers that customers granted to the app through its signed consent
links (app-level grants). It carries the pseudo grant id `app:<app_id>`, so the partner API
recomputes what is still granted on every call. No refresh token: `refresh_token` is null (§4.4.3).
"""

from __future__ import annotations

from consentry.core.access import app_grant_id
from consentry.core.errors import UnauthorizedClient
from consentry.core.grants.base import GrantContext
from consentry.core.model import AuthMethod, Client, Grant, TokenResponse
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.core.requested_scope import requested_scopes
from consentry.core.requests import Parameters


class ClientCredentialsGrant:
    grant_type = "client_credentials"

    async def handle(
        self, uow: UnitOfWork, params: Parameters, client: Client, context: GrantContext
    ) -> TokenResponse:
        # RFC 6749 §4.4.2: only confidential clients registered for this grant may use it.
        if client.app.auth_method is not AuthMethod.CLIENT_CREDENTIALS:
            raise UnauthorizedClient("This client may only use the authorization code flow.")
        scopes = requested_scopes(params.values.get("scope"), client.app.scopes)
        now = context.clock.now()
        app_grants = await uow.grants.app_level(client.app.id)
        advertisers = sorted({a for grant in app_grants for a in grant.advertiser_ids})
        pseudo = Grant(
            id=app_grant_id(client.app.id),
            user_id=None,
            credential_id=client.credential.id,
            app_id=client.app.id,
            scopes=scopes,
            advertiser_ids=tuple(advertisers),
            created_at=now,
        )
        issued = await context.issuer.issue(uow, client, pseudo, with_refresh_token=False)
        for grant in app_grants:  # "last used" on the customers' dashboards
            if context.usage.due(f"grant:{grant.id}", now):
                await uow.grants.touch(grant.id, now)
        return issued
