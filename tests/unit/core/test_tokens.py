"""What is issued for a grant: an RFC 9068 access token and, for user grants, a refresh token."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from joserfc import jws

from consentry.clock import FixedClock
from consentry.core.hashing import new_identifier
from consentry.core.model import Grant
from consentry.core.policy import TokenPolicy
from consentry.core.tokens import AccessTokenSigner, AccessTokenVerifier, TokenIssuer
from consentry.keys.derivation import derive_key
from consentry.keys.keyring import KeyRing
from consentry.keys.sealing import Sealer
from consentry.storage.memory import InMemoryStore
from tests.factories import ISSUER, FakeSigner, World, claims_of, make_hasher


async def add_grant(store: InMemoryStore, world: World, clock: FixedClock, *, user: bool) -> Grant:
    grant = Grant(
        id=new_identifier(),
        user_id=world.customer.id if user else None,
        credential_id=world.client.credential.id,
        app_id=world.client.app.id,
        scopes=world.client.app.scopes,
        advertiser_ids=tuple(a.id for a in world.advertisers),
        created_at=clock.now(),
    )
    async with store.unit_of_work() as uow:
        await uow.grants.add(grant)
    return grant


def token_issuer(signer: AccessTokenSigner, clock: FixedClock) -> TokenIssuer:
    return TokenIssuer(
        issuer=ISSUER, signer=signer, hasher=make_hasher(), policy=TokenPolicy(), clock=clock
    )


async def test_access_token_claims(store: InMemoryStore, world: World, clock: FixedClock) -> None:
    grant = await add_grant(store, world, clock, user=True)
    async with store.unit_of_work() as uow:
        issued = await token_issuer(FakeSigner(), clock).issue(
            uow, world.client.model, grant, with_refresh_token=True
        )
    claims = claims_of(issued.access_token)
    now = int(clock.now().timestamp())
    assert claims == {
        "iss": ISSUER,
        "aud": ISSUER,
        "sub": str(world.customer.id),
        "client_id": world.client.client_id,
        "scope": "MarketingSolutions_Analytics_Read MarketingSolutions_Campaign_Manage",
        "iat": now,
        "exp": now + 900,
        "jti": claims["jti"],
        "gid": grant.id,
        "advertisers": [str(a.id) for a in world.advertisers],
    }
    assert isinstance(claims["jti"], str) and len(claims["jti"]) == 32
    assert (issued.expires_in, issued.token_type, issued.scope) == (900, "Bearer", claims["scope"])


async def test_each_access_token_has_its_own_jti(
    store: InMemoryStore, world: World, clock: FixedClock
) -> None:
    grant = await add_grant(store, world, clock, user=True)
    issuer = token_issuer(FakeSigner(), clock)
    async with store.unit_of_work() as uow:
        first = await issuer.issue(uow, world.client.model, grant, with_refresh_token=False)
        second = await issuer.issue(uow, world.client.model, grant, with_refresh_token=False)
    assert claims_of(first.access_token)["jti"] != claims_of(second.access_token)["jti"]


async def test_refresh_token_is_stored_hashed_for_six_months(
    store: InMemoryStore, world: World, clock: FixedClock
) -> None:
    grant = await add_grant(store, world, clock, user=True)
    async with store.unit_of_work() as uow:
        issued = await token_issuer(FakeSigner(), clock).issue(
            uow, world.client.model, grant, with_refresh_token=True
        )
    assert issued.refresh_token is not None
    token_hash = make_hasher().hash(issued.refresh_token)
    clock.advance(timedelta(days=183) - timedelta(seconds=1))
    async with store.unit_of_work() as uow:
        token = await uow.refresh_tokens.get(token_hash)
        assert token is not None
        replacement = replace(token, token_hash=b"n" * 32, created_at=clock.now())
        # Still unexpired one second before six months: it can be rotated.
        assert await uow.refresh_tokens.rotate(
            token_hash, world.client.credential.id, clock.now(), None, replacement
        )
    assert token.expires_at - token.created_at == timedelta(days=183)
    assert (token.grant_id, token.credential_id) == (grant.id, world.client.credential.id)


async def test_client_grant_gets_no_refresh_token_and_the_client_as_subject(
    store: InMemoryStore, world: World, clock: FixedClock
) -> None:
    grant = await add_grant(store, world, clock, user=False)
    async with store.unit_of_work() as uow:
        issued = await token_issuer(FakeSigner(), clock).issue(
            uow, world.client.model, grant, with_refresh_token=False
        )
    assert issued.refresh_token is None
    assert issued.as_json()["refresh_token"] is None
    assert claims_of(issued.access_token)["sub"] == world.client.client_id


@pytest.fixture
async def keyring(store: InMemoryStore, clock: FixedClock) -> KeyRing:
    ring = KeyRing(
        uow_factory=store.unit_of_work,
        sealer=Sealer(derive_key("test-secret-key-that-is-long-enough", "consentry/seal/v1")),
        clock=clock,
        issuer=ISSUER,
        leeway=TokenPolicy().access_token_leeway,
    )
    await ring.ready()
    return ring


async def test_token_signed_by_the_key_ring_verifies_with_the_same_claims(
    store: InMemoryStore, world: World, clock: FixedClock, keyring: KeyRing
) -> None:
    signer: AccessTokenSigner = keyring
    verifier: AccessTokenVerifier = keyring
    grant = await add_grant(store, world, clock, user=True)
    clock.advance(timedelta(minutes=5))  # the key cache ages out: the ring reloads read-only
    async with store.unit_of_work() as uow:
        issued = await token_issuer(signer, clock).issue(
            uow, world.client.model, grant, with_refresh_token=True
        )
    header = jws.extract_compact(issued.access_token.encode()).protected
    assert (header["typ"], header["alg"]) == ("at+jwt", "ES256")
    claims = await verifier.verify(issued.access_token)
    now = int(clock.now().timestamp())
    assert (claims.subject, claims.client_id, claims.grant_id) == (
        str(world.customer.id),
        world.client.client_id,
        grant.id,
    )
    assert claims.scopes == frozenset(world.client.app.scopes)
    assert claims.advertiser_ids == tuple(a.id for a in world.advertisers)
    assert (claims.issued_at, claims.expires_at) == (now, now + 900)
