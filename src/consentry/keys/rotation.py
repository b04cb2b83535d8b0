"""Signing-key lifecycle: create, rotate (the new key signs from then on), retire when safe.

A key stops signing at most `CACHE_TTL` after a newer key appears (each node reloads its key ring
within that time). Every token it signed has then expired `access TTL + leeway` later, so that is
when it leaves the JWKS: `retire_after = CACHE_TTL + access TTL + leeway` after its successor.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

from joserfc.jwk import ECKey

from consentry.clock import Clock
from consentry.core.audit import AuditKind, record
from consentry.core.hashing import new_identifier
from consentry.core.ports.keys import StoredSigningKey
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.keys.sealing import Sealer

ALGORITHM = "ES256"
CACHE_TTL = timedelta(seconds=60)


def key_context(kid: str) -> bytes:
    """Associated data binding a sealed private key to its kid."""
    return f"consentry signing key {kid}".encode()


def retire_after(access_token_ttl: timedelta, leeway: timedelta) -> timedelta:
    return CACHE_TTL + access_token_ttl + leeway


async def create_signing_key(uow: UnitOfWork, sealer: Sealer, clock: Clock) -> str:
    """Generate a new ES256 key, store it sealed, and return its kid."""
    kid = new_identifier()[:16]
    key = ECKey.generate_key("P-256", parameters={"kid": kid, "use": "sig", "alg": ALGORITHM})
    public_jwk = {k: str(v) for k, v in key.as_dict(private=False).items()}
    private_pem = key.as_pem(private=True)
    await uow.signing_keys.add(
        StoredSigningKey(
            kid=kid,
            algorithm=ALGORITHM,
            encrypted_private_key=sealer.seal(private_pem, key_context(kid)),
            public_jwk=public_jwk,
            created_at=clock.now(),
        )
    )
    return kid


async def rotate(uow: UnitOfWork, sealer: Sealer, clock: Clock, *, delay: timedelta) -> str:
    """Add a key that signs from now on; retire the keys whose tokens have all expired."""
    await retire_expired(uow, clock, delay=delay)
    kid = await create_signing_key(uow, sealer, clock)
    await record(uow, AuditKind.KEY_ROTATED, at=clock.now(), detail={"kid": kid})
    return kid


async def retire_expired(uow: UnitOfWork, clock: Clock, *, delay: timedelta) -> list[str]:
    """Retire each key whose successor has been around for `delay`; returns their kids."""
    now = clock.now()
    live = sorted(
        (k for k in await uow.signing_keys.list() if k.retired_at is None),
        key=lambda k: k.created_at,
    )
    retired = []
    for older, newer in pairwise(live):
        if now >= newer.created_at + delay:
            await uow.signing_keys.retire(older.kid, now)
            retired.append(older.kid)
    for kid in retired:
        await record(uow, AuditKind.KEY_RETIRED, at=now, detail={"kid": kid})
    return retired
