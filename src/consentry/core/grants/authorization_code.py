"""`grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6)."""

from __future__ import annotations

from consentry.core import pkce
from consentry.core.audit import AuditKind, record
from consentry.core.errors import InvalidGrant, UnauthorizedClient
from consentry.core.grants.base import GrantContext
from consentry.core.model import AuthMethod, Client, TokenResponse
from consentry.core.requests import Parameters
from consentry.storage.repositories import UnitOfWork


class AuthorizationCodeGrant:
    grant_type = "authorization_code"

    async def handle(
        self, uow: UnitOfWork, params: Parameters, client: Client, context: GrantContext
    ) -> TokenResponse:
        if client.app.auth_method is not AuthMethod.AUTHORIZATION_CODE:
            raise UnauthorizedClient("This client may only use client_credentials.")
        code_value = params.require("code")
        redirect_uri = params.require("redirect_uri")
        now = context.clock.now()
        consumed = await uow.codes.consume(
            context.hasher.hash(code_value), client.credential.id, now
        )
        code = consumed.record
        if code is None:
            previous = consumed.previous
            if (
                previous is not None
                and previous.used_at is not None
                and previous.credential_id == client.credential.id
            ):
                # RFC 6749 §4.1.2: a code used twice revokes the tokens issued from it.
                await uow.grants.revoke(previous.grant_id, now)
                replayed = await uow.grants.get(previous.grant_id)
                await record(
                    uow,
                    AuditKind.CODE_REPLAYED,
                    at=now,
                    app_id=client.app.id,
                    user_id=replayed.user_id if replayed else None,
                    client_id=client.client_id,
                    grant_id=previous.grant_id,
                )
                raise InvalidGrant("The authorization code was already used.", debug="code replay")
            raise InvalidGrant("The authorization code is invalid or expired.")
        # RFC 6749 §4.1.3: redirect_uri must be identical to the consent link's.
        if redirect_uri != code.redirect_uri:
            raise InvalidGrant("redirect_uri does not match the one of the consent link.")
        pkce.verify(code.code_challenge, params.get("code_verifier"))
        grant = await uow.grants.get(code.grant_id)
        if grant is None or not grant.active:
            raise InvalidGrant("The consent behind this code was revoked.")
        return await context.issuer.issue(uow, client, grant, with_refresh_token=True)
