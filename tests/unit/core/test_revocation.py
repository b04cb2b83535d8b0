"""Token revocation (RFC 7009): a refresh token takes its grant along; an access token its jti."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consentry.clock import FixedClock
from consentry.core.errors import InvalidGrant, InvalidRequest, UnauthorizedClient
from consentry.core.model import TokenResponse
from consentry.core.requests import Parameters
from consentry.core.revocation import looks_like_jwt
from tests.factories import MemoryFactory, OAuthFlow, SeededClient, World, claims_of


async def tokens(flow: OAuthFlow) -> tuple[TokenResponse, str]:
    issued = await flow.redeem(await flow.obtain_code())
    assert issued.refresh_token is not None
    return issued, issued.refresh_token


@pytest.fixture
def stranger(factory: MemoryFactory, world: World) -> SeededClient:
    return factory.client(world.organization_id, name="Another app")


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        pytest.param("a.b.c", True, id="compact-jws"),
        pytest.param("Ab-_c0", False, id="refresh-token"),
        pytest.param("a.b", False, id="two-parts"),
        pytest.param("a.b.c.d", False, id="four-parts"),
    ],
)
def test_looks_like_jwt(token: str, expected: bool) -> None:
    assert looks_like_jwt(token) is expected


async def test_revoking_a_refresh_token_revokes_its_grant_rfc7009_2_1(
    flow: OAuthFlow, clock: FixedClock
) -> None:
    issued, refresh_token = await tokens(flow)
    await flow.revoke(refresh_token)
    assert (await flow.grant(str(claims_of(issued.access_token)["gid"]))).revoked_at == clock.now()
    with pytest.raises(InvalidGrant):
        await flow.refresh(refresh_token)
    assert await flow.introspect(issued.access_token) == {"active": False}


async def test_revoking_an_access_token_denies_its_jti_only(flow: OAuthFlow) -> None:
    issued, refresh_token = await tokens(flow)
    await flow.revoke(issued.access_token)
    assert await flow.introspect(issued.access_token) == {"active": False}
    renewed = await flow.refresh(refresh_token)  # the grant and its refresh token live on
    assert (await flow.introspect(renewed.access_token))["active"] is True


async def test_access_token_stays_denied_while_it_still_verifies(
    flow: OAuthFlow, clock: FixedClock
) -> None:
    issued, refresh_token = await tokens(flow)
    await flow.revoke(issued.access_token)
    clock.advance(timedelta(seconds=900 + 30))  # exp + leeway: the JWT alone still verifies
    renewed = await flow.refresh(refresh_token)
    await flow.revoke(renewed.access_token)  # revoking purges denials past their end, not this one
    assert await flow.introspect(issued.access_token) == {"active": False}


@pytest.mark.parametrize("kind", ["access", "refresh"])
async def test_token_of_another_client_is_refused_and_left_alone(
    flow: OAuthFlow, stranger: SeededClient, kind: str
) -> None:
    issued, refresh_token = await tokens(flow)
    token = issued.access_token if kind == "access" else refresh_token
    with pytest.raises(UnauthorizedClient, match="not issued to this client"):
        await flow.revoke(token, stranger)
    assert (await flow.introspect(token))["active"] is True


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("unknown-refresh-token", id="unknown-refresh-token"),
        pytest.param("not.a.jwt", id="malformed-access-token"),
    ],
)
async def test_unknown_or_invalid_token_is_answered_like_a_revoked_one_rfc7009_2_2(
    flow: OAuthFlow, token: str
) -> None:
    await flow.revoke(token)


async def test_expired_access_token_needs_no_revocation(flow: OAuthFlow, clock: FixedClock) -> None:
    issued, _ = await tokens(flow)
    clock.advance(timedelta(seconds=900 + 31))
    await flow.revoke(issued.access_token)
    async with flow.store.unit_of_work(read_only=True) as uow:
        grant = await uow.grants.get(flow.grant_ids[-1])
    assert grant is not None and grant.active


async def test_token_parameter_is_required(flow: OAuthFlow) -> None:
    async with flow.store.unit_of_work() as uow:
        with pytest.raises(InvalidRequest, match="token"):
            await flow.revocation.revoke(uow, flow.world.client.model, Parameters({}))
