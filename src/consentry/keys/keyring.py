"""The JWT key ring: ES256 keys stored sealed in the database, shared by every node.

The newest unretired key signs; every unretired key verifies and is published in the JWKS.
Keys are cached in memory and reloaded when the cache ages out (`CACHE_TTL`, so a key rotated on
another node signs here within that time) or when an unknown `kid` shows up (at most once a second).
Rotation and retirement live in `keys.rotation`. Signing is `compact_jws.Es256Signer`; a token
whose signature was checked once is remembered until it expires (`verified_tokens.py`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from consentry.clock import Clock
from consentry.core.errors import InvalidToken
from consentry.core.model import AccessTokenClaims
from consentry.core.ports.unit_of_work import UnitOfWorkFactory
from consentry.keys.compact_jws import Es256Signer
from consentry.keys.rotation import (
    ALGORITHM,
    CACHE_TTL,
    create_signing_key,
    key_context,
    retire_after,
    retire_expired,
)
from consentry.keys.sealing import Sealer
from consentry.keys.verified_tokens import VerifiedToken, VerifiedTokens

__all__ = ["ALGORITHM", "CACHE_TTL", "KeyRing", "create_signing_key"]


@dataclass(frozen=True, slots=True)
class _LoadedKey:
    kid: str
    key: ECKey  # verifies (joserfc)
    signer: Es256Signer
    public_jwk: dict[str, str]


def _load_key(kid: str, pem: bytes, public_jwk: dict[str, str]) -> _LoadedKey:
    private_key = load_pem_private_key(pem, password=None)
    if not isinstance(private_key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"signing key {kid} is not an EC key")
    header = {"alg": ALGORITHM, "kid": kid, "typ": "at+jwt"}
    return _LoadedKey(
        kid=kid,
        key=ECKey.import_key(pem, parameters={"kid": kid}),
        signer=Es256Signer(private_key, header),
        public_jwk=public_jwk,
    )


class KeyRing:
    """Signs and verifies access tokens with the keys in the database."""

    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory,
        sealer: Sealer,
        clock: Clock,
        issuer: str,
        leeway: timedelta,
        access_token_ttl: timedelta = timedelta(seconds=900),
        verified: VerifiedTokens | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._sealer = sealer
        self._clock = clock
        self._issuer = issuer
        self._leeway = int(leeway.total_seconds())
        self.retire_after = retire_after(access_token_ttl, leeway)
        self._keys: dict[str, _LoadedKey] = {}
        self._current: _LoadedKey | None = None
        self._loaded_at: float | None = None
        self._forced_at: float | None = None
        self._lock = asyncio.Lock()
        self._verified = verified if verified is not None else VerifiedTokens()

    async def ready(self) -> None:
        """At startup, outside any transaction: retire expired keys, make sure one signs, load."""
        async with self._uow_factory() as uow:
            await retire_expired(uow, self._clock, delay=self.retire_after)
            if not [k for k in await uow.signing_keys.list() if k.retired_at is None]:
                await create_signing_key(uow, self._sealer, self._clock)
        await self._load()

    @property
    def has_signing_key(self) -> bool:
        """Whether a key to sign with is loaded (readiness: `ready()` ran and found one)."""
        return self._current is not None

    async def reload(self) -> None:
        """Drop the cache now (e.g. right after rotating on this node)."""
        await self._load()

    async def _load(self) -> None:
        async with self._lock:
            # Read-only: this may run while the caller's request holds a write transaction.
            async with self._uow_factory(read_only=True) as uow:
                stored = [k for k in await uow.signing_keys.list() if k.retired_at is None]
            if not stored:
                raise RuntimeError("no signing key: KeyRing.ready() was not awaited at startup")
            loaded: dict[str, _LoadedKey] = {}
            for item in stored:
                known = self._keys.get(item.kid)
                if known is None:
                    pem = self._sealer.unseal(item.encrypted_private_key, key_context(item.kid))
                    known = _load_key(item.kid, pem, item.public_jwk)
                loaded[item.kid] = known
            self._keys = loaded
            self._current = loaded[stored[-1].kid]
            self._loaded_at = self._clock.now().timestamp()

    async def _fresh(self) -> None:
        if self._loaded_at is None:
            await self._load()
            return
        stale = self._clock.now().timestamp() - self._loaded_at > CACHE_TTL.total_seconds()
        # One request reloads a stale ring; the others go on with the cached keys instead of
        # queueing on the lock while holding their own database connections (which, with a
        # full pool, would leave the reloader no connection to reload with).
        if stale and not self._lock.locked():
            await self._load()

    async def sign(self, claims: Mapping[str, object]) -> str:
        await self._fresh()
        if self._current is None:
            raise RuntimeError("no signing key loaded")
        return self._current.signer.sign(claims)

    async def jwks(self) -> dict[str, list[dict[str, str]]]:
        await self._fresh()
        return {"keys": [k.public_jwk for k in self._keys.values()]}

    async def verify(self, token: str) -> AccessTokenClaims:
        await self._fresh()
        digest = self._verified.digest(token)
        known = self._verified.get(digest)
        if known is not None and known.kid in self._keys:
            self._check_expiry(known.claims.expires_at)
            return known.claims
        claims = await self._verify_signature(token)
        self._verified.remember(digest, claims)
        return claims.claims

    async def _verify_signature(self, token: str) -> VerifiedToken:
        try:
            header = jws.extract_compact(token.encode("ascii")).protected
        except (JoseError, ValueError, UnicodeError) as exc:
            raise InvalidToken("The access token is malformed.") from exc
        kid = header.get("kid")
        if header.get("typ") != "at+jwt" or not isinstance(kid, str):
            raise InvalidToken("The access token is not an at+jwt access token.")
        if kid not in self._keys and self._may_force_reload():
            await self._load()  # a key created on another node since our last look
        loaded = self._keys.get(kid)
        if loaded is None:
            raise InvalidToken("The access token was signed by an unknown key.")
        try:
            decoded = jwt.decode(token, loaded.key, algorithms=[ALGORITHM])
        except (JoseError, ValueError) as exc:
            raise InvalidToken("The access token signature is invalid.") from exc
        return VerifiedToken(self._check_claims(decoded.claims), kid)

    def _check_expiry(self, expires_at: int) -> None:
        if int(self._clock.now().timestamp()) > expires_at + self._leeway:
            raise InvalidToken("The access token expired.")

    def _may_force_reload(self) -> bool:
        """Unknown kids reload the ring at most once a second: random kids cannot flood the DB."""
        now = self._clock.now().timestamp()
        if self._forced_at is not None and now - self._forced_at < 1.0:
            return False
        self._forced_at = now
        return True

    def _check_claims(self, claims: dict[str, Any]) -> AccessTokenClaims:
        try:
            expires_at = int(claims["exp"])
            issued_at = int(claims["iat"])
            if claims["iss"] != self._issuer or claims["aud"] != self._issuer:
                raise InvalidToken("The access token was issued for another audience.")
            self._check_expiry(expires_at)
            return AccessTokenClaims(
                subject=str(claims["sub"]),
                client_id=str(claims["client_id"]),
                scopes=frozenset(str(claims["scope"]).split()),
                grant_id=str(claims["gid"]),
                advertiser_ids=tuple(int(a) for a in claims["advertisers"]),
                issued_at=issued_at,
                expires_at=expires_at,
                token_id=str(claims["jti"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidToken("The access token lacks required claims.") from exc
