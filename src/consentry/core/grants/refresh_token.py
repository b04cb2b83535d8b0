"""`grant_type=refresh_token` (RFC 6749 §6) with rotation on every use (RFC 9700 §4.14.2).

Criteo's SDK also sends the old `code` and `redirect_uri` on refresh: they are ignored here.
"""

from __future__ import annotations

from consentry.core.errors import InvalidGrant, UnauthorizedClient
from consentry.core.grants.base import GrantContext
from consentry.core.model import AuthMethod, Client, TokenResponse
from consentry.core.requests import Parameters
from consentry.storage.repositories import UnitOfWork


class RefreshTokenGrant:
    grant_type = "refresh_token"

    async def handle(
        self, uow: UnitOfWork, params: Parameters, client: Client, context: GrantContext
    ) -> TokenResponse:
        if client.app.auth_method is not AuthMethod.AUTHORIZATION_CODE:
            raise UnauthorizedClient("This client may only use client_credentials.")
        presented = params.require("refresh_token")
        now = context.clock.now()
        consumed = await uow.refresh_tokens.consume(
            context.hasher.hash(presented), client.credential.id, now
        )
        token = consumed.record
        if token is None:
            previous = consumed.previous
            if (
                previous is not None
                and previous.used_at is not None
                and previous.credential_id == client.credential.id
            ):
                # RFC 9700 §4.14.2: reuse of a rotated refresh token revokes the whole grant.
                await uow.grants.revoke(previous.grant_id, now)
                raise InvalidGrant("The refresh token was already used.", debug="refresh reuse")
            raise InvalidGrant("The refresh token is invalid, expired or revoked.")
        grant = await uow.grants.get(token.grant_id)
        if grant is None or not grant.active:
            raise InvalidGrant("The consent behind this refresh token was revoked.")
        return await context.issuer.issue(uow, client, grant, with_refresh_token=True)
