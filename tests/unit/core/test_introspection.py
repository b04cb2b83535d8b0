"""Token introspection (RFC 7662) about the caller's own tokens; anything else is inactive."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consentry.clock import FixedClock
from consentry.core.errors import InvalidRequest
from consentry.core.model import TokenResponse
from consentry.core.requests import Parameters
from tests.factories import ISSUER, MemoryFactory, OAuthFlow, World, claims_of

INACTIVE = {"active": False}


async def tokens(flow: OAuthFlow) -> tuple[TokenResponse, str]:
    issued = await flow.redeem(await flow.obtain_code())
    assert issued.refresh_token is not None
    return issued, issued.refresh_token


async def test_active_access_token(flow: OAuthFlow, world: World, clock: FixedClock) -> None:
    issued, _ = await tokens(flow)
    claims = claims_of(issued.access_token)
    now = int(clock.now().timestamp())
    assert await flow.introspect(issued.access_token) == {
        "active": True,
        "scope": " ".join(sorted(world.client.app.scopes)),
        "client_id": world.client.client_id,
        "sub": str(world.customer.id),
        "exp": now + 900,
        "iat": now,
        "iss": ISSUER,
        "aud": ISSUER,
        "jti": claims["jti"],
        "token_type": "Bearer",
        "token_use": "access_token",
        "advertisers": [str(a.id) for a in world.advertisers],
    }


async def test_active_refresh_token(flow: OAuthFlow, world: World, clock: FixedClock) -> None:
    _, refresh_token = await tokens(flow)
    now = clock.now()
    assert await flow.introspect(refresh_token) == {
        "active": True,
        "scope": " ".join(world.client.app.scopes),
        "client_id": world.client.client_id,
        "sub": str(world.customer.id),
        "exp": int((now + timedelta(days=183)).timestamp()),
        "iat": int(now.timestamp()),
        "iss": ISSUER,
        "token_use": "refresh_token",
        "advertisers": [str(a.id) for a in world.advertisers],
    }


async def test_access_token_shows_only_advertisers_still_granted(
    flow: OAuthFlow, world: World, clock: FixedClock
) -> None:
    issued, _ = await tokens(flow)
    first, second = world.advertisers
    async with flow.store.unit_of_work() as uow:
        await uow.consents.revoke_advertiser(flow.grant_ids[-1], first.id, clock.now())
    assert (await flow.introspect(issued.access_token))["advertisers"] == [str(second.id)]


@pytest.mark.parametrize(
    "change",
    [
        "other-client",
        "expired",
        "grant-revoked",
        "token-revoked",
        "malformed",
    ],
)
async def test_inactive_access_token_discloses_nothing_rfc7662_2_2(
    flow: OAuthFlow, factory: MemoryFactory, world: World, clock: FixedClock, change: str
) -> None:
    issued, _ = await tokens(flow)
    token, client = issued.access_token, world.client
    if change == "other-client":
        client = factory.credential(world.client.app)
    elif change == "expired":
        clock.advance(timedelta(seconds=900 + 31))
    elif change == "grant-revoked":
        async with flow.store.unit_of_work() as uow:
            await uow.grants.revoke(flow.grant_ids[-1], clock.now())
    elif change == "token-revoked":
        await flow.revoke(token)
    else:
        token = "fake.bm90LWpzb24.unsigned"
    assert await flow.introspect(token, client) == INACTIVE


@pytest.mark.parametrize(
    "change",
    [
        "other-client",
        "rotated",
        "expired",
        "grant-revoked",
        "all-advertisers-taken-back",
        "unknown",
    ],
)
async def test_inactive_refresh_token_discloses_nothing(
    flow: OAuthFlow, factory: MemoryFactory, world: World, clock: FixedClock, change: str
) -> None:
    _, token = await tokens(flow)
    client = world.client
    if change == "other-client":
        client = factory.credential(world.client.app)
    elif change == "rotated":
        await flow.refresh(token)
    elif change == "expired":
        clock.advance(timedelta(days=183))
    elif change == "grant-revoked":
        async with flow.store.unit_of_work() as uow:
            await uow.grants.revoke(flow.grant_ids[-1], clock.now())
    elif change == "all-advertisers-taken-back":
        async with flow.store.unit_of_work() as uow:
            for advertiser in world.advertisers:
                await uow.consents.revoke_advertiser(flow.grant_ids[-1], advertiser.id, clock.now())
    else:
        token = "unknown-refresh-token"
    assert await flow.introspect(token, client) == INACTIVE


async def test_token_parameter_is_required(flow: OAuthFlow) -> None:
    async with flow.store.unit_of_work(read_only=True) as uow:
        with pytest.raises(InvalidRequest, match="token"):
            await flow.introspection.introspect(uow, flow.world.client.model, Parameters({}))
