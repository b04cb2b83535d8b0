"""What a verified access token still grants right now (RFC 9068 §4 plus revocation).

The JWT's signature and expiry are checked without the database; this adds one indexed query so
that a revoked grant, a revoked advertiser or a revoked token (RFC 7009) stops working at once on
every node. A token never gains advertisers: the answer is the token's list ∩ what is still granted.
Introspection asks here; the partner API makes the same check in the statement that counts its
call (`partner_api/guard.py`).
"""

from __future__ import annotations

from consentry.core.errors import InvalidToken
from consentry.core.model import AccessTokenClaims
from consentry.core.ports.unit_of_work import UnitOfWork

# Client-credentials tokens carry `gid = "app:<app_id>"`: they stand for all app-level grants.
APP_GRANT_PREFIX = "app:"


def app_grant_id(app_id: int) -> str:
    """The stable pseudo grant id of an app's client-credentials tokens."""
    return f"{APP_GRANT_PREFIX}{app_id}"


def is_app_grant(grant_id: str) -> bool:
    return grant_id.startswith(APP_GRANT_PREFIX)


async def live_advertisers(uow: UnitOfWork, claims: AccessTokenClaims) -> tuple[int, ...]:
    """The token's advertisers that are still granted; InvalidToken when it was revoked."""
    if is_app_grant(claims.grant_id):
        current = await uow.token_state.live_app_advertisers(claims.client_id, claims.token_id)
    else:
        current = await uow.token_state.live_advertisers(claims.grant_id, claims.token_id)
    if current is None:
        raise InvalidToken("The access token was revoked.")
    still = set(current)
    return tuple(a for a in claims.advertiser_ids if a in still)
