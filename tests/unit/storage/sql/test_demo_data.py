"""The demo world `consentry seed-demo` creates, read back through the repositories."""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from consentry.core.model import AuthMethod, Role
from consentry.demo.seed import (
    ADVERTISERS,
    CUSTOMER_EMAIL,
    DEMO_REDIRECT_URI,
    DEVELOPER_EMAIL,
    add_credential,
    demo_exists,
    demo_png,
    seed_demo,
)
from consentry.passwords import verify_password
from consentry.storage.sql.engine import create_engine
from tests.factories import make_hasher
from tests.support.storage import sql_unit_of_work


@pytest.fixture
async def sql_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def test_seed_demo_creates_an_activated_app_and_a_customer_portfolio(
    sql_engine: AsyncEngine, clock: FixedClock
) -> None:
    hasher = make_hasher()
    async with sql_engine.begin() as conn:
        assert not await demo_exists(conn)
        demo = await seed_demo(
            conn, hasher, clock.now(), customer_password="c-pass", developer_password="d-pass"
        )
        assert await demo_exists(conn)
    async with sql_unit_of_work(sql_engine, read_only=True) as uow:
        client = await uow.clients.get_by_client_id(demo.client_id)
        customer = await uow.users.get_by_email(CUSTOMER_EMAIL)
        developer = await uow.users.get_by_email(DEVELOPER_EMAIL)
        assert customer is not None and developer is not None
        portfolio = await uow.users.portfolio(customer.id)
        image = await uow.clients.get_image(demo.app_id)
    assert client is not None
    assert hasher.verify(demo.client_secret, client.credential.secret_hash)
    assert client.redirect_uris == frozenset({DEMO_REDIRECT_URI})
    assert (client.app.auth_method, client.app.activated, client.app.has_image) == (
        AuthMethod.AUTHORIZATION_CODE,
        True,
        True,
    )
    assert client.app.organization_id == developer.organization_id
    assert verify_password("c-pass", customer.password_hash)
    assert demo.customer_id == customer.id
    assert set(demo.advertiser_ids) == {name for name, _ in ADVERTISERS}
    in_portfolio = {(e.advertiser.name, e.role) for e in portfolio}
    assert in_portfolio == {(name, role) for name, role in ADVERTISERS if role is not None}
    assert ("Atlas Travel Deals", Role.VIEWER) in in_portfolio
    assert image is not None and image[1] == "image/png"


async def test_add_credential_returns_the_secret_once_and_stores_its_hash(
    sql_engine: AsyncEngine, clock: FixedClock
) -> None:
    hasher = make_hasher()
    async with sql_engine.begin() as conn:
        demo = await seed_demo(
            conn,
            hasher,
            clock.now(),
            customer_password="c",
            developer_password="d",
            redirect_uris=("https://a.example/cb", "https://b.example/cb"),
        )
        client_id, secret = await add_credential(conn, hasher, demo.app_id, clock.now(), "second")
    async with sql_unit_of_work(sql_engine, read_only=True) as uow:
        client = await uow.clients.get_by_client_id(client_id)
    assert client is not None and client.app.id == demo.app_id
    assert client.credential.label == "second"
    assert client.credential.secret_hash == hasher.hash(secret) != secret.encode()
    assert client.redirect_uris == {"https://a.example/cb", "https://b.example/cb"}


def test_demo_png_is_a_valid_png_of_the_asked_size() -> None:
    png = demo_png(16)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    length, kind = struct.unpack(">I4s", png[8:16])
    width, height = struct.unpack(">II", png[16:24])
    assert (length, kind, width, height) == (13, b"IHDR", 16, 16)
    body = png[12 : 12 + 4 + length]
    assert struct.unpack(">I", png[16 + length : 20 + length])[0] == zlib.crc32(body)
    assert png.endswith(b"IEND\xaeB`\x82")


class NoIdConnection:
    """An AsyncConnection stand-in whose INSERT … RETURNING yields None at call `none_at`."""

    def __init__(self, none_at: int) -> None:
        self._calls = 0
        self._none_at = none_at

    async def scalar(self, statement: Any) -> int | None:
        self._calls += 1
        return None if self._calls == self._none_at else self._calls

    async def execute(self, *args: Any) -> None:
        return None


@pytest.mark.parametrize(
    "none_at",
    [
        pytest.param(1, id="organization"),
        pytest.param(2, id="customer"),
        pytest.param(3, id="advertiser"),
        pytest.param(3 + len(ADVERTISERS), id="app"),
    ],
)
async def test_seed_demo_fails_loudly_when_an_insert_returns_no_id(
    clock: FixedClock, none_at: int
) -> None:
    conn: Any = NoIdConnection(none_at)
    with pytest.raises(RuntimeError, match="returned no id"):
        await seed_demo(
            conn, make_hasher(), clock.now(), customer_password="c", developer_password="d"
        )
