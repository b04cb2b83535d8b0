"""Token introspection (RFC 7662) for an authenticated client, about its own tokens only.

An active token is described by `active`, `scope`, `client_id`, `sub`, `exp`, `iat`, `iss`,
`token_type` (access tokens) / `token_use` and the advertisers still granted. A revoked, expired,
rotated, unknown or foreign token is just `{"active": false}` (§2.2): nothing else is disclosed.
"""

from __future__ import annotations

from consentry.clock import Clock
from consentry.core.access import live_advertisers
from consentry.core.errors import InvalidToken
from consentry.core.hashing import SecretHasher
from consentry.core.model import Client
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.core.requests import Parameters
from consentry.core.revocation import looks_like_jwt
from consentry.core.tokens import AccessTokenVerifier

INACTIVE: dict[str, object] = {"active": False}


class TokenIntrospection:
    def __init__(
        self, *, issuer: str, verifier: AccessTokenVerifier, hasher: SecretHasher, clock: Clock
    ) -> None:
        self._issuer = issuer
        self._verifier = verifier
        self._hasher = hasher
        self._clock = clock

    async def introspect(
        self, uow: UnitOfWork, client: Client, params: Parameters
    ) -> dict[str, object]:
        token = params.require("token")  # RFC 7662 §2.1
        if looks_like_jwt(token):
            return await self._access_token(uow, client, token)
        return await self._refresh_token(uow, client, token)

    async def _access_token(self, uow: UnitOfWork, client: Client, token: str) -> dict[str, object]:
        try:
            claims = await self._verifier.verify(token)
            if claims.client_id != client.client_id:
                return INACTIVE
            advertisers = await live_advertisers(uow, claims)
        except InvalidToken:
            return INACTIVE
        return {
            "active": True,
            "scope": " ".join(sorted(claims.scopes)),
            "client_id": claims.client_id,
            "sub": claims.subject,
            "exp": claims.expires_at,
            "iat": claims.issued_at,
            "iss": self._issuer,
            "aud": self._issuer,
            "jti": claims.token_id,
            "token_type": "Bearer",
            "token_use": "access_token",
            "advertisers": [str(a) for a in advertisers],
        }

    async def _refresh_token(
        self, uow: UnitOfWork, client: Client, token: str
    ) -> dict[str, object]:
        stored = await uow.refresh_tokens.get(self._hasher.hash(token))
        if (
            stored is None
            or stored.credential_id != client.credential.id
            or stored.used_at is not None  # rotated: its successor is the live one
            or stored.expires_at <= self._clock.now()
        ):
            return INACTIVE
        grant = await uow.grants.get(stored.grant_id)
        if grant is None or not grant.active or not grant.advertiser_ids:
            return INACTIVE
        return {
            "active": True,
            "scope": " ".join(grant.scopes),
            "client_id": client.client_id,
            "sub": str(grant.user_id) if grant.user_id is not None else client.client_id,
            "exp": int(stored.expires_at.timestamp()),
            "iat": int(stored.created_at.timestamp()),
            "iss": self._issuer,
            "token_use": "refresh_token",
            "advertisers": [str(a) for a in grant.advertiser_ids],
        }
