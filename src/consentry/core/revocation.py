"""Token revocation (RFC 7009) for an authenticated client.

- A refresh token revokes its grant: the whole token family and every access token issued from it
  (§2.1: "SHOULD also invalidate all access tokens based on the same authorization grant").
- An access token is denied by its `jti` until it expires; its grant and refresh token live on.
- Unknown, expired or malformed tokens are answered 200 like revoked ones (§2.2).
- A token issued to another client is refused with `unauthorized_client` and left untouched.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from consentry.clock import Clock
from consentry.core.errors import InvalidToken, UnauthorizedClient
from consentry.core.hashing import SecretHasher
from consentry.core.model import Client
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.core.requests import Parameters
from consentry.core.tokens import AccessTokenVerifier

NOT_YOURS = "The token was not issued to this client."


def looks_like_jwt(token: str) -> bool:
    """Access tokens are compact JWS (three dot-separated parts); refresh tokens have no dots."""
    return token.count(".") == 2


class TokenRevocation:
    def __init__(
        self,
        *,
        verifier: AccessTokenVerifier,
        hasher: SecretHasher,
        clock: Clock,
        leeway: timedelta,
    ) -> None:
        self._verifier = verifier
        self._hasher = hasher
        self._clock = clock
        self._leeway = leeway

    async def revoke(self, uow: UnitOfWork, client: Client, params: Parameters) -> None:
        # RFC 7009 §2.1: `token` is required; `token_type_hint` only speeds up the lookup,
        # and our two token formats cannot be confused, so it is not needed.
        token = params.require("token")
        if looks_like_jwt(token):
            await self._revoke_access_token(uow, client, token)
        else:
            await self._revoke_refresh_token(uow, client, token)

    async def _revoke_access_token(self, uow: UnitOfWork, client: Client, token: str) -> None:
        try:
            claims = await self._verifier.verify(token)
        except InvalidToken:
            return  # §2.2: invalid or expired tokens need no revocation
        if claims.client_id != client.client_id:
            raise UnauthorizedClient(NOT_YOURS)
        until = datetime.fromtimestamp(claims.expires_at, UTC) + self._leeway
        await uow.token_state.revoke_token(claims.token_id, until, self._clock.now())

    async def _revoke_refresh_token(self, uow: UnitOfWork, client: Client, token: str) -> None:
        stored = await uow.refresh_tokens.get(self._hasher.hash(token))
        if stored is None:
            return
        if stored.credential_id != client.credential.id:
            raise UnauthorizedClient(NOT_YOURS)
        await uow.grants.revoke(stored.grant_id, self._clock.now())
