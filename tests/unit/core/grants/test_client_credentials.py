"""`grant_type=client_credentials` (RFC 6749 §4.4): the app's app-level grants, no refresh token."""

from __future__ import annotations

from typing import cast

import pytest

from consentry.clock import FixedClock
from consentry.core.errors import UnauthorizedClient
from consentry.core.hashing import new_identifier
from consentry.core.model import AuthMethod, Grant
from consentry.storage.memory import InMemoryStore
from tests.factories import MemoryFactory, OAuthFlow, SeededClient, World, claims_of
from tests.support.memory_state import grant_last_used_at

APP_LEVEL = cast(int, None)  # app-level grants have no credential pair


@pytest.fixture
def machine(factory: MemoryFactory, world: World) -> SeededClient:
    return factory.client(world.organization_id, auth_method=AuthMethod.CLIENT_CREDENTIALS)


async def add_app_grant(
    store: InMemoryStore, clock: FixedClock, client: SeededClient, advertisers: tuple[int, ...]
) -> Grant:
    grant = Grant(
        id=new_identifier(),
        user_id=None,
        credential_id=APP_LEVEL,
        app_id=client.app.id,
        scopes=client.app.scopes,
        advertiser_ids=advertisers,
        created_at=clock.now(),
    )
    async with store.unit_of_work() as uow:
        await uow.grants.add(grant)
    return grant


async def test_token_without_app_level_grants_covers_no_advertiser(
    flow: OAuthFlow, machine: SeededClient
) -> None:
    issued = await flow.client_credentials(machine)
    assert issued.refresh_token is None  # RFC 6749 §4.4.3
    claims = claims_of(issued.access_token)
    assert (claims["gid"], claims["sub"], claims["advertisers"]) == (
        f"app:{machine.app.id}",
        machine.client_id,
        [],
    )


async def test_token_covers_the_active_app_level_grants_and_touches_them(
    flow: OAuthFlow, store: InMemoryStore, clock: FixedClock, world: World, machine: SeededClient
) -> None:
    first, second = (a.id for a in world.advertisers)
    one = await add_app_grant(store, clock, machine, (second,))
    both = await add_app_grant(store, clock, machine, (first, second))
    revoked = await add_app_grant(store, clock, machine, (first,))
    async with store.unit_of_work() as uow:
        await uow.grants.revoke(revoked.id, clock.now())
        await uow.consents.revoke_advertiser(both.id, second, clock.now())
    issued = await flow.client_credentials(machine)
    assert claims_of(issued.access_token)["advertisers"] == [
        str(a) for a in sorted({first, second})
    ]
    assert grant_last_used_at(store, one.id) == clock.now()
    assert grant_last_used_at(store, both.id) == clock.now()
    assert grant_last_used_at(store, revoked.id) is None


async def test_authorization_code_app_is_unauthorized_client(flow: OAuthFlow) -> None:
    with pytest.raises(UnauthorizedClient, match="authorization code flow"):
        await flow.client_credentials(flow.world.client)
