"""`grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6).

The code is read and checked first (its pair, expiry, `redirect_uri`, PKCE verifier, consent);
only a redemption that passes every check uses it up, with one conditional update that also
stores the refresh token issued for it. A refused attempt leaves the code as it was, as
oidc-provider does; a code presented after it was used is a replay and revokes its grant.
"""

from __future__ import annotations

from typing import NoReturn

from consentry.core import pkce
from consentry.core.audit import AuditKind, record
from consentry.core.errors import InvalidGrant, UnauthorizedClient
from consentry.core.grants.base import GrantContext
from consentry.core.model import AuthMethod, AuthorizationCode, Client, TokenResponse
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.core.requests import Parameters


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
        code_hash = context.hasher.hash(code_value)
        found = await uow.codes.get_with_grant(code_hash)
        if found is None or found[0].credential_id != client.credential.id:
            # Another pair's code neither burns it nor revokes anything (it is not theirs).
            raise InvalidGrant("The authorization code is invalid or expired.")
        code, grant = found
        if code.used_at is not None:
            await self._replayed(uow, code, client, context)
        if code.expires_at <= now:
            raise InvalidGrant("The authorization code is invalid or expired.")
        # RFC 6749 §4.1.3: redirect_uri must be identical to the consent link's.
        if redirect_uri != code.redirect_uri:
            raise InvalidGrant("redirect_uri does not match the one of the consent link.")
        pkce.verify(code.code_challenge, params.get("code_verifier"))
        if grant is None or not grant.active:
            raise InvalidGrant("The consent behind this code was revoked.")
        minted = await context.issuer.mint_refreshable(client, grant)
        if not await uow.codes.redeem(code_hash, client.credential.id, now, minted.refresh):
            # A racing redemption used it since we read it: this one is the replay.
            raced = await uow.codes.get(code_hash)
            await self._replayed(uow, raced or code, client, context)
        return minted.response

    async def _replayed(
        self, uow: UnitOfWork, code: AuthorizationCode, client: Client, context: GrantContext
    ) -> NoReturn:
        """RFC 6749 §4.1.2: a code used twice revokes the tokens issued from it."""
        now = context.clock.now()
        await uow.grants.revoke(code.grant_id, now)
        replayed = await uow.grants.get(code.grant_id)
        await record(
            uow,
            AuditKind.CODE_REPLAYED,
            at=now,
            app_id=client.app.id,
            user_id=replayed.user_id if replayed else None,
            client_id=client.client_id,
            grant_id=code.grant_id,
        )
        raise InvalidGrant("The authorization code was already used.", debug="code replay")
