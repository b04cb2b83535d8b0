"""Bearer-token checks for the partner API (RFC 6750): verify the JWT locally, then its grant.

The signature, issuer and expiry are checked without the database; one indexed query
(`core.access.live_advertisers`) confirms that neither the grant nor the token (RFC 7009) was
revoked and which advertisers are still granted: the token's list ∩ the grant's current one. For
client-credentials tokens (`gid = app:<id>`) that is the app's current app-level grants. Nothing
is cached, so a revocation applies to the next call on every node.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from consentry.core.access import live_advertisers
from consentry.core.errors import InsufficientScope, InvalidToken
from consentry.core.model import AccessTokenClaims
from consentry.core.scopes import satisfies
from consentry.storage.repositories import UnitOfWork
from consentry.web.services import Services


@dataclass(frozen=True, slots=True)
class GrantedAccess:
    claims: AccessTokenClaims
    advertiser_ids: tuple[int, ...]  # granted to the token and still granted now


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization")
    if header is None:
        raise InvalidToken("The access token is missing.")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 8192:
        raise InvalidToken("Send the access token as: Authorization: Bearer <token>.")
    return token


async def authorize(
    request: Request, services: Services, uow: UnitOfWork, required_scope: str | None = None
) -> GrantedAccess:
    claims = await services.keyring.verify(bearer_token(request))
    advertisers = await live_advertisers(uow, claims)
    if required_scope is not None and not satisfies(claims.scopes, required_scope):
        raise InsufficientScope(f"This call needs the {required_scope} scope.")
    return GrantedAccess(claims=claims, advertiser_ids=advertisers)
