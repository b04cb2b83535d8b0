"""App-level grants, kept by a node for at most a second (storage/sql/app_grant_cache.py).

On the suite's database: what another node writes shows within the second, what this node
writes shows at once, and a unit of work never takes its own uncommitted writes from (or into)
the memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from typing import cast

import pytest
from sqlalchemy import update

from consentry.clock import FixedClock
from consentry.core.model import Grant
from consentry.storage.sql import schema
from consentry.storage.sql.app_grant_cache import WATCHED, AppGrantCache
from consentry.storage.sql.database import open_database
from consentry.storage.sql.engine import create_engine
from tests.unit.storage.backends import Seeded, SqlBackend, seed

NO_CREDENTIAL = cast(int, None)


@pytest.fixture
async def backend(database_url: str, clock: FixedClock) -> AsyncIterator[SqlBackend]:
    engine = create_engine(database_url)
    database = open_database(database_url)
    try:
        yield SqlBackend(engine, database, clock)
    finally:
        await database.close()
        await engine.dispose()


@pytest.fixture
async def seeded(backend: SqlBackend, clock: FixedClock) -> Seeded:
    return await seed(backend, clock.now())


def app_grant(seeded: Seeded, clock: FixedClock, grant_id: str) -> Grant:
    return Grant(
        id=grant_id,
        user_id=seeded.customer.id,
        credential_id=NO_CREDENTIAL,
        app_id=seeded.app.id,
        scopes=seeded.app.scopes,
        advertiser_ids=tuple(a.id for a in seeded.advertisers),
        created_at=clock.now(),
    )


async def app_level(backend: SqlBackend, app_id: int) -> list[Grant]:
    async with backend.uow(read_only=True) as uow:
        return await uow.grants.app_level(app_id)


async def revoke_elsewhere(backend: SqlBackend, grant: Grant, clock: FixedClock) -> None:
    """What another node does: a write this node's connections never see."""
    grants = schema.table(schema.Grant)
    async with backend.engine.begin() as conn:
        await conn.execute(
            update(grants).where(grants.c.id == grant.id).values(revoked_at=clock.now())
        )


def test_the_watched_tables_are_those_that_cascade_into_grants() -> None:
    assert {"grants", "grant_advertisers", "credentials", "apps", "users"} <= WATCHED
    assert {"advertisers", "organizations"} <= WATCHED
    assert "rate_limit_counters" not in WATCHED and "refresh_tokens" not in WATCHED


async def test_another_nodes_revocation_shows_within_the_second(
    backend: SqlBackend, seeded: Seeded, clock: FixedClock
) -> None:
    grant = app_grant(seeded, clock, "a" * 32)
    async with backend.uow() as uow:
        await uow.grants.add(grant)
    assert await app_level(backend, seeded.app.id) == [grant]
    await revoke_elsewhere(backend, grant, clock)
    clock.advance(timedelta(milliseconds=999))
    assert await app_level(backend, seeded.app.id) == [grant]  # kept, for less than a second
    clock.advance(timedelta(milliseconds=1))
    assert await app_level(backend, seeded.app.id) == []


async def test_this_nodes_writes_show_at_once(
    backend: SqlBackend, seeded: Seeded, clock: FixedClock
) -> None:
    first, second = app_grant(seeded, clock, "a" * 32), app_grant(seeded, clock, "b" * 32)
    async with backend.uow() as uow:
        await uow.grants.add(first)
    assert await app_level(backend, seeded.app.id) == [first]
    async with backend.uow() as uow:
        await uow.grants.add(second)
    assert await app_level(backend, seeded.app.id) == [first, second]
    async with backend.uow() as uow:
        await uow.consents.revoke_advertiser(first.id, seeded.advertisers[0].id, clock.now())
        await uow.grants.revoke(second.id, clock.now())
    remaining = tuple(a.id for a in seeded.advertisers[1:])
    assert await app_level(backend, seeded.app.id) == [replace(first, advertiser_ids=remaining)]


async def test_a_unit_of_work_that_wrote_reads_its_own_writes_and_keeps_none(
    backend: SqlBackend, seeded: Seeded, clock: FixedClock
) -> None:
    grant = app_grant(seeded, clock, "a" * 32)
    assert await app_level(backend, seeded.app.id) == []
    with pytest.raises(RuntimeError):
        async with backend.uow() as uow:
            await uow.grants.add(grant)
            assert await uow.grants.app_level(seeded.app.id) == [grant]
            raise RuntimeError("rolled back")
    assert await app_level(backend, seeded.app.id) == []
    assert len(backend.app_grants) == 1  # the empty answer, read after the rollback


async def test_a_read_that_raced_with_a_local_write_is_not_kept(clock: FixedClock) -> None:
    cache = AppGrantCache(clock)
    seen = cache.generation
    cache.written("grants")  # a write of this node while the read was on its way
    cache.put(1, (), seen=seen)
    assert cache.get(1) is None
    cache.written("refresh_tokens")  # not what the grants are read from
    cache.put(1, (), seen=cache.generation)
    assert cache.get(1) == ()
