"""What a verified access token still grants (RFC 9068 §4 plus revocation): never more."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

import pytest

from consentry.clock import FixedClock
from consentry.core.access import app_grant_id, is_app_grant, live_advertisers
from consentry.core.errors import InvalidToken
from consentry.core.model import AccessTokenClaims, Grant
from consentry.storage.memory import InMemoryStore
from tests.factories import World


def claims(grant_id: str, advertisers: tuple[int, ...], client_id: str = "c") -> AccessTokenClaims:
    return AccessTokenClaims("s", client_id, frozenset(), grant_id, advertisers, 0, 900, "jti-1")


async def add_grant(
    store: InMemoryStore, world: World, clock: FixedClock, **changes: object
) -> Grant:
    values: dict[str, object] = {
        "id": "g1",
        "user_id": world.customer.id,
        "credential_id": world.client.credential.id,
        "app_id": world.client.app.id,
        "scopes": (),
        "advertiser_ids": tuple(a.id for a in world.advertisers),
        "created_at": clock.now(),
    }
    grant = Grant(**{**values, **changes})  # type: ignore[arg-type]
    async with store.unit_of_work() as uow:
        await uow.grants.add(grant)
    return grant


@pytest.mark.parametrize(
    ("grant_id", "expected"),
    [
        pytest.param(app_grant_id(7), True, id="app-grant"),
        pytest.param("app:", True, id="prefix-only"),
        pytest.param("0123abcd", False, id="user-grant"),
        pytest.param("application", False, id="lookalike"),
    ],
)
def test_is_app_grant(grant_id: str, expected: bool) -> None:
    assert is_app_grant(grant_id) is expected
    assert app_grant_id(7) == "app:7"


async def test_token_keeps_only_advertisers_still_granted(
    store: InMemoryStore, world: World, clock: FixedClock
) -> None:
    first, second = (a.id for a in world.advertisers)
    grant = await add_grant(store, world, clock)
    async with store.unit_of_work() as uow:
        await uow.consents.revoke_advertiser(grant.id, first, clock.now())
        assert await live_advertisers(uow, claims(grant.id, (first, second))) == (second,)


async def test_token_never_gains_advertisers(
    store: InMemoryStore, world: World, clock: FixedClock
) -> None:
    _, second = (a.id for a in world.advertisers)
    grant = await add_grant(store, world, clock)
    async with store.unit_of_work() as uow:
        assert await live_advertisers(uow, claims(grant.id, (second,))) == (second,)


@pytest.mark.parametrize("what", ["grant", "token", "unknown-grant"])
async def test_revoked_grant_or_token_is_invalid_token(
    store: InMemoryStore, world: World, clock: FixedClock, what: str
) -> None:
    grant = await add_grant(store, world, clock)
    async with store.unit_of_work() as uow:
        if what == "grant":
            await uow.grants.revoke(grant.id, clock.now())
        elif what == "token":
            await uow.token_state.revoke_token(
                "jti-1", clock.now() + timedelta(hours=1), clock.now()
            )
        grant_id = "nope" if what == "unknown-grant" else grant.id
        with pytest.raises(InvalidToken, match="revoked"):
            await live_advertisers(uow, claims(grant_id, (1,)))


async def test_app_token_follows_the_app_level_grants(
    store: InMemoryStore, world: World, clock: FixedClock
) -> None:
    first, second = (a.id for a in world.advertisers)
    grant = await add_grant(
        store, world, clock, credential_id=cast(int, None), advertiser_ids=(first,)
    )
    token = claims(app_grant_id(world.client.app.id), (first, second), world.client.client_id)
    async with store.unit_of_work() as uow:
        assert await live_advertisers(uow, token) == (first,)
        await uow.grants.revoke(grant.id, clock.now())
        assert await live_advertisers(uow, token) == ()
        await uow.token_state.revoke_token("jti-1", clock.now() + timedelta(hours=1), clock.now())
        with pytest.raises(InvalidToken):
            await live_advertisers(uow, token)
