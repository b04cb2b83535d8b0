"""The token endpoint (RFC 6749 §3.2): client authentication, then the grant type's handler."""

from __future__ import annotations

import base64
from datetime import timedelta
from urllib.parse import quote

import pytest

from consentry.clock import FixedClock
from consentry.core.errors import (
    InvalidClient,
    InvalidRequest,
    OAuthError,
    TooManyRequests,
    UnauthorizedClient,
    UnsupportedGrantType,
)
from consentry.core.model import Client
from consentry.core.policy import ClientAuthLimits
from consentry.core.requests import Parameters
from consentry.core.usage import UsageThrottle
from consentry.storage.memory import InMemoryStore
from tests.factories import MemoryFactory, OAuthFlow, SeededClient, World

MINUTE = timedelta(minutes=1)


def basic(client_id: str, secret: str) -> str:
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


async def authenticate(
    flow: OAuthFlow, form: dict[str, str], authorization: str | None = None
) -> Client:
    async with flow.store.unit_of_work() as uow:
        return await flow.server.authenticate_client(uow, authorization, Parameters(form))


def test_grant_types_are_listed_sorted(flow: OAuthFlow) -> None:
    assert flow.server.grant_types == ["authorization_code", "client_credentials", "refresh_token"]


async def test_client_secret_post_authenticates_and_touches_the_credential(
    flow: OAuthFlow, world: World, clock: FixedClock, store: InMemoryStore
) -> None:
    form = {"client_id": world.client.client_id, "client_secret": world.client.client_secret}
    client = await authenticate(flow, form)
    assert client.credential.id == world.client.credential.id
    assert client.credential.last_used_at is None  # as read, before the touch
    async with store.unit_of_work(read_only=True) as uow:
        stored = await uow.clients.get_by_client_id(world.client.client_id)
    assert stored is not None
    assert stored.credential.last_used_at == clock.now()


async def test_client_secret_basic_with_url_encoded_id_and_secret(
    flow: OAuthFlow, factory: MemoryFactory, world: World
) -> None:
    odd = factory.credential(world.client.app, client_id="id:with/odd%chars", secret="s+e:c r=t")
    client = await authenticate(flow, {}, basic(odd.client_id, odd.client_secret))
    assert client.client_id == "id:with/odd%chars"


@pytest.mark.parametrize(
    ("client_id", "secret", "method", "error_class", "used_basic"),
    [
        pytest.param(None, None, "post", InvalidClient, False, id="no-credentials"),
        pytest.param("unknown", "own", "post", InvalidClient, False, id="unknown-client-post"),
        pytest.param("unknown", "own", "basic", InvalidClient, True, id="unknown-client-basic"),
        pytest.param("own", "wrong", "post", InvalidClient, False, id="wrong-secret-post"),
        pytest.param("own", "wrong", "basic", InvalidClient, True, id="wrong-secret-basic"),
        pytest.param("own", "", "post", InvalidClient, False, id="empty-secret"),
        pytest.param("own", "own", "both", InvalidRequest, None, id="basic-and-post-at-once"),
    ],
)
async def test_client_authentication_refusals(
    flow: OAuthFlow,
    world: World,
    client_id: str | None,
    secret: str | None,
    method: str,
    error_class: type[OAuthError],
    used_basic: bool | None,
) -> None:
    presented_id = world.client.client_id if client_id == "own" else client_id
    presented_secret = world.client.client_secret if secret == "own" else secret
    form: dict[str, str] = {}
    authorization = None
    if method in {"basic", "both"}:
        authorization = basic(presented_id or "", presented_secret or "")
    if method in {"post", "both"}:
        if presented_id is not None:
            form["client_id"] = presented_id
        if presented_secret is not None:
            form["client_secret"] = presented_secret
    with pytest.raises(error_class) as caught:
        await authenticate(flow, form, authorization)
    if isinstance(caught.value, InvalidClient):
        assert caught.value.used_basic is used_basic


@pytest.mark.parametrize("use_basic", [False, True], ids=["post", "basic"])
async def test_deactivated_app_is_invalid_client(
    flow: OAuthFlow, factory: MemoryFactory, world: World, use_basic: bool
) -> None:
    inactive = factory.client(world.organization_id, activated=False)
    form = {"client_id": inactive.client_id, "client_secret": inactive.client_secret}
    with pytest.raises(InvalidClient, match="not activated") as caught:
        if use_basic:
            await authenticate(flow, {}, basic(inactive.client_id, inactive.client_secret))
        else:
            await authenticate(flow, form)
    assert caught.value.used_basic is use_basic


def credentials(client: SeededClient) -> dict[str, str]:
    return {"client_id": client.client_id, "client_secret": client.client_secret}


@pytest.mark.parametrize(
    ("grant_type", "error_class"),
    [
        pytest.param(None, InvalidRequest, id="missing-grant_type"),
        pytest.param("", InvalidRequest, id="empty-grant_type"),
        pytest.param("password", UnsupportedGrantType, id="password-unsupported"),
        pytest.param(
            "client_credentials", UnauthorizedClient, id="client_credentials-for-code-app"
        ),
        pytest.param("AUTHORIZATION_CODE", UnsupportedGrantType, id="case-sensitive"),
    ],
)
async def test_grant_type_is_checked_after_client_authentication(
    flow: OAuthFlow, world: World, grant_type: str | None, error_class: type[OAuthError]
) -> None:
    form = credentials(world.client)
    if grant_type is not None:
        form["grant_type"] = grant_type
    with pytest.raises(error_class):
        await flow.token(form)


async def test_unauthenticated_request_with_unknown_grant_type_is_invalid_client(
    flow: OAuthFlow,
) -> None:
    with pytest.raises(InvalidClient):
        await flow.token({"grant_type": "password", "client_id": "x", "client_secret": "y"})


async def test_repeated_parameter_is_refused_before_authentication(flow: OAuthFlow) -> None:
    with pytest.raises(InvalidRequest, match=r"Repeated or oversized parameter: code\."):
        await flow.token({"grant_type": "authorization_code"}, faulty=frozenset({"code"}))


async def test_failed_authentications_past_the_limit_answer_429_until_the_window_ends(
    store: InMemoryStore, clock: FixedClock, world: World
) -> None:
    flow = OAuthFlow(store, clock, world, limits=ClientAuthLimits(max_failures=2, window=MINUTE))
    wrong = {"client_id": world.client.client_id, "client_secret": "wrong"}
    for _ in range(2):
        with pytest.raises(InvalidClient):
            await flow.token(wrong)
    clock.advance(timedelta(seconds=20))
    with pytest.raises(TooManyRequests) as caught:
        await flow.token(wrong)
    assert caught.value.retry_after == 40
    clock.advance(timedelta(seconds=39, microseconds=500_000))
    with pytest.raises(TooManyRequests) as caught:
        await flow.token(wrong)
    assert caught.value.retry_after == 1  # never 0
    # The right secret is never slowed down, even while throttled.
    with pytest.raises(InvalidRequest, match="grant_type"):
        await flow.token(credentials(world.client))
    clock.advance(timedelta(seconds=1))  # a new window
    with pytest.raises(InvalidClient):
        await flow.token(wrong)


async def test_failures_of_unknown_client_ids_are_not_counted(
    store: InMemoryStore, clock: FixedClock, world: World
) -> None:
    flow = OAuthFlow(store, clock, world, limits=ClientAuthLimits(max_failures=1, window=MINUTE))
    for _ in range(3):
        with pytest.raises(InvalidClient):
            await flow.token({"client_id": "unknown", "client_secret": "x"})


async def test_a_pair_is_touched_at_most_once_a_minute(
    store: InMemoryStore, world: World, clock: FixedClock
) -> None:
    flow = OAuthFlow(store, clock, world, usage=UsageThrottle(interval=MINUTE))
    form = {"client_id": world.client.client_id, "client_secret": world.client.client_secret}
    await authenticate(flow, form)
    first = clock.now()
    clock.advance(timedelta(seconds=30))
    await authenticate(flow, form)
    async with store.unit_of_work(read_only=True) as uow:
        stored = await uow.clients.get_by_client_id(world.client.client_id)
    assert stored is not None and stored.credential.last_used_at == first
    clock.advance(timedelta(seconds=30))
    await authenticate(flow, form)
    async with store.unit_of_work(read_only=True) as uow:
        stored = await uow.clients.get_by_client_id(world.client.client_id)
    assert stored is not None and stored.credential.last_used_at == clock.now()
