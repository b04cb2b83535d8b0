"""Bearer-token checks for the partner API (RFC 6750): verify the JWT locally, then its grant.

The signature, issuer and expiry are checked without the database; one cheap query confirms the
grant is still active and which of its advertisers are still granted.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from consentry.core.errors import InsufficientScope, InvalidToken
from consentry.core.model import AccessTokenClaims, Grant
from consentry.core.scopes import satisfies
from consentry.storage.repositories import UnitOfWork
from consentry.web.services import Services


@dataclass(frozen=True, slots=True)
class GrantedAccess:
    claims: AccessTokenClaims
    grant: Grant

    @property
    def advertiser_ids(self) -> tuple[int, ...]:
        return self.grant.advertiser_ids


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
    grant = await uow.grants.get(claims.grant_id)
    if grant is None or not grant.active:
        raise InvalidToken("The access token was revoked.")
    if required_scope is not None and not satisfies(claims.scopes, required_scope):
        raise InsufficientScope(f"This call needs the {required_scope} scope.")
    return GrantedAccess(claims=claims, grant=grant)
