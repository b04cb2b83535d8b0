"""Access tokens (RFC 9068 JWT profile) and refresh tokens: what is issued for a grant.

Signing is a collaborator behind `AccessTokenSigner`, so the core stays free of crypto libraries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from consentry.clock import Clock
from consentry.core.access import is_app_grant
from consentry.core.hashing import SecretHasher, new_identifier, new_secret
from consentry.core.model import AccessTokenClaims, Client, Grant, RefreshToken, TokenResponse
from consentry.core.policy import TokenPolicy
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.core.usage import UsageThrottle, always


class AccessTokenSigner(Protocol):
    async def sign(self, claims: Mapping[str, object]) -> str:
        """Return a compact JWS with header `typ: at+jwt` and the current key's `kid`."""
        ...


class PublishedKeys(Protocol):
    async def jwks(self) -> dict[str, list[dict[str, str]]]:
        """The public keys that verify access tokens, as a JWK Set (RFC 7517 §5)."""
        ...


class AccessTokenVerifier(Protocol):
    async def verify(self, token: str) -> AccessTokenClaims:
        """Check signature, issuer, audience and expiry (with leeway); raise InvalidToken."""
        ...


@dataclass(frozen=True, slots=True)
class MintedTokens:
    """What `TokenIssuer.mint` made: the answer, and the refresh token row to store with it."""

    response: TokenResponse
    grant_id: str
    refresh: RefreshToken | None
    at: datetime


@dataclass(frozen=True, slots=True)
class RefreshableTokens:
    """What `TokenIssuer.mint_refreshable` made: the answer and its refresh token row."""

    response: TokenResponse
    refresh: RefreshToken
    at: datetime


class TokenIssuer:
    """Mints the access token (and, for user grants, a rotating refresh token) of a grant."""

    def __init__(
        self,
        *,
        issuer: str,
        signer: AccessTokenSigner,
        hasher: SecretHasher,
        policy: TokenPolicy,
        clock: Clock,
        usage: UsageThrottle | None = None,
    ) -> None:
        self._issuer = issuer
        self._usage = usage or always()
        self._signer = signer
        self._hasher = hasher
        self._policy = policy
        self._clock = clock

    async def issue(
        self, uow: UnitOfWork, client: Client, grant: Grant, *, with_refresh_token: bool
    ) -> TokenResponse:
        """Mint the tokens of `grant` and store what must be stored."""
        minted = await self.mint(client, grant, with_refresh_token=with_refresh_token)
        await self.store(uow, minted)
        return minted.response

    async def mint(self, client: Client, grant: Grant, *, with_refresh_token: bool) -> MintedTokens:
        """The signed access token and, when asked, a fresh refresh token; nothing is written."""
        if with_refresh_token:
            refreshable = await self.mint_refreshable(client, grant)
            return MintedTokens(refreshable.response, grant.id, refreshable.refresh, refreshable.at)
        now = self._clock.now()
        response = await self._access_response(client, grant, now, refresh_token=None)
        return MintedTokens(response=response, grant_id=grant.id, refresh=None, at=now)

    async def mint_refreshable(self, client: Client, grant: Grant) -> RefreshableTokens:
        """The signed access token and a fresh refresh token (a user grant); nothing is written."""
        now = self._clock.now()
        refresh_token = new_secret()
        record = RefreshToken(
            token_hash=self._hasher.hash(refresh_token),
            grant_id=grant.id,
            credential_id=client.credential.id,
            created_at=now,
            expires_at=now + self._policy.refresh_token_ttl,
        )
        response = await self._access_response(client, grant, now, refresh_token=refresh_token)
        return RefreshableTokens(response=response, refresh=record, at=now)

    async def _access_response(
        self, client: Client, grant: Grant, now: datetime, *, refresh_token: str | None
    ) -> TokenResponse:
        issued_at = int(now.timestamp())
        expires_in = int(self._policy.access_token_ttl.total_seconds())
        scope = " ".join(grant.scopes)
        claims: dict[str, object] = {
            "iss": self._issuer,
            "aud": self._issuer,
            "sub": str(grant.user_id) if grant.user_id is not None else client.client_id,
            "client_id": client.client_id,
            "scope": scope,
            "iat": issued_at,
            "exp": issued_at + expires_in,
            "jti": new_identifier(),
            "gid": grant.id,
            "advertisers": [str(a) for a in grant.advertiser_ids],
        }
        return TokenResponse(
            access_token=await self._signer.sign(claims),
            expires_in=expires_in,
            refresh_token=refresh_token,
            scope=scope,
        )

    async def store(self, uow: UnitOfWork, minted: MintedTokens) -> None:
        """Keep the refresh token (its creation is the grant's "last used"), or else note the
        grant's use; a client-credentials token's pseudo grant has no row of its own."""
        if minted.refresh is not None:
            await uow.refresh_tokens.add(minted.refresh)
        elif not is_app_grant(minted.grant_id) and self._usage.due(
            f"grant:{minted.grant_id}", minted.at
        ):
            await uow.grants.touch(minted.grant_id, minted.at)
