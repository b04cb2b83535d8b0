"""Bearer-token checks for the partner API (RFC 6750): verify the JWT locally, then admit the call.

The signature, issuer and expiry are checked without the database (a token verified once is
remembered: `keys/verified_tokens.py`). Then the admission (`RateLimitRepository.admit_*`)
confirms that neither the grant nor the token (RFC 7009) was revoked, counts the call against
its caller's rate limit and returns the advertisers still granted, with their names: the token's
list ∩ the grant's current one. For client-credentials tokens (`gid = app:<id>`) that is the
app's current app-level grants. The SQL storage answers most calls from the node's memory of
leased call numbers and live tokens (`storage/sql/admissions.py`): a revocation applies to the
next call on the node that made it and within a second on every other node.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from consentry.core.access import is_app_grant
from consentry.core.errors import InvalidToken
from consentry.core.model import AccessTokenClaims, Advertiser
from consentry.core.ports.partner import RateLimitRepository
from consentry.core.tokens import AccessTokenVerifier
from consentry.partner_api.rate_limit import RateLimiter, RateLimitState


@dataclass(frozen=True, slots=True)
class GrantedAccess:
    claims: AccessTokenClaims
    advertisers: tuple[Advertiser, ...]  # granted to the token and still granted now
    advertiser_ids: tuple[int, ...]  # theirs, in the token's order


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization")
    if header is None:
        raise InvalidToken("The access token is missing.")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > 8192:
        raise InvalidToken("Send the access token as: Authorization: Bearer <token>.")
    return token


async def admit(
    request: Request,
    verifier: AccessTokenVerifier,
    counters: RateLimitRepository,
    limiter: RateLimiter,
) -> tuple[GrantedAccess, RateLimitState]:
    """The verified caller and where it stands: InvalidToken (nothing counted) when revoked."""
    claims = await verifier.verify(bearer_token(request))
    window = limiter.window(claims)
    if is_app_grant(claims.grant_id):
        admission = await counters.admit_app(
            window.key, window.start, claims.client_id, claims.token_id, window.limit
        )
    else:
        admission = await counters.admit_grant(
            window.key, window.start, claims.grant_id, claims.token_id, window.limit
        )
    if admission is None:
        raise InvalidToken("The access token was revoked.")
    still = {advertiser.id: advertiser for advertiser in admission.advertisers}
    granted = tuple(still[a] for a in claims.advertiser_ids if a in still)
    state = await limiter.counted(counters, window, admission.count)
    access = GrantedAccess(claims, granted, tuple(a.id for a in granted))
    return access, state
