"""`grant_type=refresh_token` (RFC 6749 §6) with rotation on every use (RFC 9700 §4.14.2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from consentry.clock import FixedClock
from consentry.core.audit import AuditKind
from consentry.core.errors import InvalidGrant, InvalidRequest, UnauthorizedClient
from consentry.core.model import AuthMethod, RefreshToken, TokenResponse
from consentry.keys.successor import RefreshSuccessorSealer
from consentry.storage.memory import InMemoryStore
from consentry.storage.memory.refresh_tokens import InMemoryRefreshTokenRepository
from tests.factories import MemoryFactory, OAuthFlow, World, claims_of
from tests.support.memory_state import forget_refresh_token, tamper_refresh_successor

SIX_MONTHS = timedelta(days=183)


async def tokens(flow: OAuthFlow) -> TokenResponse:
    return await flow.redeem(await flow.obtain_code())


def refresh_token_of(issued: TokenResponse) -> str:
    assert issued.refresh_token is not None
    return issued.refresh_token


async def test_refresh_rotates_the_refresh_token(flow: OAuthFlow) -> None:
    first = await tokens(flow)
    second = await flow.refresh(refresh_token_of(first))
    assert refresh_token_of(second) != refresh_token_of(first)
    assert second.access_token != first.access_token
    assert claims_of(second.access_token)["gid"] == claims_of(first.access_token)["gid"]
    third = await flow.refresh(refresh_token_of(second))  # the new one works in turn
    assert third.refresh_token is not None


async def test_rotated_refresh_token_stops_working(flow: OAuthFlow) -> None:
    first = await tokens(flow)
    await flow.refresh(refresh_token_of(first))
    with pytest.raises(InvalidGrant, match="already used") as caught:
        await flow.refresh(refresh_token_of(first))
    assert caught.value.debug == "refresh reuse"


async def test_reused_refresh_token_revokes_the_grant(flow: OAuthFlow, clock: FixedClock) -> None:
    first = await tokens(flow)
    second = await flow.refresh(refresh_token_of(first))
    clock.advance(timedelta(minutes=1))
    with pytest.raises(InvalidGrant):
        await flow.refresh(refresh_token_of(first))
    grant = await flow.grant(str(claims_of(first.access_token)["gid"]))
    assert grant.revoked_at == clock.now()
    # RFC 9700 §4.14.2: the legitimate client's newest token dies with the grant.
    with pytest.raises(InvalidGrant, match="revoked"):
        await flow.refresh(refresh_token_of(second))


@pytest.mark.parametrize(
    ("age", "valid"),
    [
        pytest.param(SIX_MONTHS - timedelta(seconds=1), True, id="valid-just-before-6-months"),
        pytest.param(SIX_MONTHS, False, id="expired-at-6-months"),
        pytest.param(SIX_MONTHS + timedelta(seconds=1), False, id="expired-after-6-months"),
    ],
)
async def test_refresh_token_lives_six_months(
    flow: OAuthFlow, clock: FixedClock, age: timedelta, valid: bool
) -> None:
    first = await tokens(flow)
    clock.advance(age)
    if valid:
        await flow.refresh(refresh_token_of(first))
    else:
        with pytest.raises(InvalidGrant, match="invalid, expired or revoked"):
            await flow.refresh(refresh_token_of(first))


async def test_each_rotation_starts_a_new_six_months(flow: OAuthFlow, clock: FixedClock) -> None:
    first = await tokens(flow)
    clock.advance(timedelta(days=100))
    second = await flow.refresh(refresh_token_of(first))
    clock.advance(SIX_MONTHS - timedelta(seconds=1))
    await flow.refresh(refresh_token_of(second))


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"code": "old-code", "redirect_uri": "https://ignored.example/"}, id="sdk"),
        pytest.param({"code_verifier": "x"}, id="code_verifier"),
        pytest.param({"scope": "MarketingSolutions_Campaign_Manage"}, id="scope"),
    ],
)
async def test_extra_parameters_sent_by_criteo_sdks_are_ignored(
    flow: OAuthFlow, extra: dict[str, str]
) -> None:
    first = await tokens(flow)
    second = await flow.refresh(refresh_token_of(first), extra=extra)
    assert second.scope == first.scope


async def test_refresh_token_of_another_client_is_invalid_grant_and_revokes_nothing(
    flow: OAuthFlow, factory: MemoryFactory, world: World
) -> None:
    other = factory.credential(world.client.app)
    first = await tokens(flow)
    with pytest.raises(InvalidGrant, match="invalid, expired or revoked"):
        await flow.refresh(refresh_token_of(first), client=other)
    await flow.refresh(refresh_token_of(first))  # still usable by its own client


async def test_used_refresh_token_of_another_client_revokes_nothing(
    flow: OAuthFlow, factory: MemoryFactory, world: World
) -> None:
    other = factory.credential(world.client.app)
    first = await tokens(flow)
    second = await flow.refresh(refresh_token_of(first))
    with pytest.raises(InvalidGrant, match="invalid, expired or revoked"):
        await flow.refresh(refresh_token_of(first), client=other)
    await flow.refresh(refresh_token_of(second))


@pytest.mark.parametrize(
    ("token", "error_class"),
    [
        pytest.param("", InvalidRequest, id="missing"),
        pytest.param("unknown-token", InvalidGrant, id="unknown"),
    ],
)
async def test_missing_or_unknown_refresh_token(
    flow: OAuthFlow, token: str, error_class: type[Exception]
) -> None:
    with pytest.raises(error_class):
        await flow.refresh(token)


async def test_client_credentials_app_is_unauthorized_client(
    flow: OAuthFlow, factory: MemoryFactory, world: World
) -> None:
    machine = factory.client(world.organization_id, auth_method=AuthMethod.CLIENT_CREDENTIALS)
    with pytest.raises(UnauthorizedClient):
        await flow.refresh("any-token", client=machine)


async def test_refresh_after_consent_withdrawn_is_invalid_grant(
    flow: OAuthFlow, clock: FixedClock
) -> None:
    first = await tokens(flow)
    async with flow.store.unit_of_work() as uow:
        await uow.grants.revoke(flow.grant_ids[-1], clock.now())
    with pytest.raises(InvalidGrant, match="consent behind this refresh token was revoked"):
        await flow.refresh(refresh_token_of(first))


# --- the reuse window: the same old token presented again soon gets the same pair back ---


@pytest.fixture
def sealed_flow(store: InMemoryStore, clock: FixedClock, world: World) -> OAuthFlow:
    return OAuthFlow(store, clock, world, successors=RefreshSuccessorSealer(b"s" * 32))


async def test_reuse_within_the_window_returns_the_same_pair(
    sealed_flow: OAuthFlow, clock: FixedClock
) -> None:
    first = await tokens(sealed_flow)
    second = await sealed_flow.refresh(refresh_token_of(first))
    clock.advance(timedelta(seconds=30))
    again = await sealed_flow.refresh(refresh_token_of(first))
    assert (again.access_token, again.refresh_token, again.scope) == (
        second.access_token,
        second.refresh_token,
        second.scope,
    )
    assert again.expires_in == 900 - 30  # what is left of the same access token
    await sealed_flow.refresh(refresh_token_of(second))  # the pair is still the live one


async def test_reuse_within_the_window_after_the_pair_was_used_revokes_the_grant(
    sealed_flow: OAuthFlow, clock: FixedClock
) -> None:
    """The window is for the honest race; once the successor was used, a replay is reuse."""
    first = await tokens(sealed_flow)
    second = await sealed_flow.refresh(refresh_token_of(first))
    third = await sealed_flow.refresh(refresh_token_of(second))
    clock.advance(timedelta(seconds=5))
    with pytest.raises(InvalidGrant, match="already used"):
        await sealed_flow.refresh(refresh_token_of(first))
    with pytest.raises(InvalidGrant, match="revoked"):
        await sealed_flow.refresh(refresh_token_of(third))


async def test_reuse_within_the_window_of_a_pair_gone_since_revokes_the_grant(
    sealed_flow: OAuthFlow, store: InMemoryStore
) -> None:
    first = await tokens(sealed_flow)
    second = await sealed_flow.refresh(refresh_token_of(first))
    forget_refresh_token(store, sealed_flow.hasher.hash(refresh_token_of(second)))
    with pytest.raises(InvalidGrant, match="already used"):
        await sealed_flow.refresh(refresh_token_of(first))


async def test_reuse_after_the_window_revokes_the_grant_and_is_audited(
    sealed_flow: OAuthFlow, store: InMemoryStore, clock: FixedClock, world: World
) -> None:
    first = await tokens(sealed_flow)
    second = await sealed_flow.refresh(refresh_token_of(first))
    clock.advance(timedelta(seconds=31))
    with pytest.raises(InvalidGrant, match="already used"):
        await sealed_flow.refresh(refresh_token_of(first))
    with pytest.raises(InvalidGrant, match="revoked"):
        await sealed_flow.refresh(refresh_token_of(second))
    async with store.unit_of_work(read_only=True) as uow:
        (event,) = [e.event for e in await uow.audit.page()]
    assert event.kind is AuditKind.REFRESH_REUSED
    assert (event.app_id, event.user_id, event.client_id, event.grant_id) == (
        world.client.app.id,
        world.customer.id,
        world.client.client_id,
        sealed_flow.grant_ids[-1],
    )


async def test_successor_that_does_not_open_counts_as_reuse(
    sealed_flow: OAuthFlow, store: InMemoryStore
) -> None:
    first = await tokens(sealed_flow)
    await sealed_flow.refresh(refresh_token_of(first))
    token_hash = sealed_flow.hasher.hash(refresh_token_of(first))
    tamper_refresh_successor(store, token_hash, b"\x00" * 40)
    with pytest.raises(InvalidGrant, match="already used"):
        await sealed_flow.refresh(refresh_token_of(first))


async def test_reuse_after_consent_withdrawn_is_invalid_grant(
    sealed_flow: OAuthFlow, clock: FixedClock
) -> None:
    first = await tokens(sealed_flow)
    await sealed_flow.refresh(refresh_token_of(first))
    async with sealed_flow.store.unit_of_work() as uow:
        await uow.grants.revoke(sealed_flow.grant_ids[-1], clock.now())
    with pytest.raises(InvalidGrant, match="consent behind this refresh token was revoked"):
        await sealed_flow.refresh(refresh_token_of(first))


async def test_a_rotation_lost_to_a_racing_request_counts_as_a_second_presentation(
    flow: OAuthFlow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token was live when read, but another request rotated it before our conditional
    update: without a reuse window that is a second presentation, so the grant is revoked."""
    first = await tokens(flow)
    original = InMemoryRefreshTokenRepository.rotate

    async def rotate_after_a_racing_request(
        self: InMemoryRefreshTokenRepository,
        token_hash: bytes,
        credential_id: int,
        now: datetime,
        successor: bytes | None,
        replacement: RefreshToken,
    ) -> bool:
        racer = replace(replacement, token_hash=b"racer" + replacement.token_hash[5:])
        assert await original(self, token_hash, credential_id, now, None, racer)
        return await original(self, token_hash, credential_id, now, successor, replacement)

    monkeypatch.setattr(InMemoryRefreshTokenRepository, "rotate", rotate_after_a_racing_request)
    with pytest.raises(InvalidGrant, match="already used"):
        await flow.refresh(refresh_token_of(first))
    grant = await flow.grant(str(claims_of(first.access_token)["gid"]))
    assert grant.revoked_at is not None
