"""Partner data storage: migration 0004, deterministic demo data, the rate-limit counter table."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import func, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from consentry.storage import migrate
from consentry.storage.sql import tables as t
from consentry.storage.sql.driver import Database
from consentry.storage.sql.engine import sync_url
from consentry.storage.sql.partner_demo import DAYS, RETAILERS, seed_partner_data
from consentry.storage.sql.rate_limits import SqlRateLimitRepository
from consentry.storage.sql.repositories import SqlUnitOfWork
from tests.conftest import Demo

PARTNER_TABLES = {
    "ms_datasets",
    "ms_campaigns",
    "ms_ad_sets",
    "ms_audiences",
    "ms_creatives",
    "ms_product_sets",
    "ms_daily_stats",
    "rm_accounts",
    "rm_campaigns",
    "rate_limit_counters",
}


def table_names(url: str) -> set[str]:
    engine = create_sync_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def test_migration_0004_downgrades_alone_and_upgrades_again(database_url: str) -> None:
    assert PARTNER_TABLES <= table_names(database_url)
    # Undo the merge revision (down to the security head), then the partner branch alone.
    migrate.downgrade(database_url, "0003")
    migrate.downgrade(database_url, "partner@-1")
    left = table_names(database_url)
    assert not PARTNER_TABLES & left and {"apps", "grants", "advertisers"} <= left
    migrate.upgrade(database_url)
    engine = create_sync_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, t.Base.metadata)
    finally:
        engine.dispose()
    assert [d for d in differences if any(name in str(d) for name in PARTNER_TABLES)] == []


async def test_demo_partner_data_is_deterministic_and_large_enough_to_page(
    engine: AsyncEngine, demo: Demo, clock: FixedClock
) -> None:
    advertisers = demo.app.advertiser_ids
    async with engine.begin() as conn:
        first = await seed_partner_data(conn, advertisers, clock.now())
        second = await seed_partner_data(conn, advertisers, clock.now())
    stats = t.MarketingDailyStat
    async with engine.connect() as conn:
        per_ad_set = (
            await conn.execute(
                select(stats.ad_set_id, func.count(), func.sum(stats.clicks))
                .group_by(stats.ad_set_id)
                .order_by(stats.ad_set_id)
            )
        ).all()
        last_day = await conn.scalar(select(func.max(stats.day)))
        accounts = await conn.scalar(select(func.count()).select_from(t.RetailAccount))
    assert {count for _, count, _ in per_ad_set} == {DAYS}
    assert last_day == (clock.now() - timedelta(days=1)).date()
    half = len(per_ad_set) // 2
    assert [clicks for _, _, clicks in per_ad_set[:half]] == [c for _, _, c in per_ad_set[half:]]
    assert accounts == 2 * len(RETAILERS) * len(advertisers)
    assert all(len(ids) == len(RETAILERS) for ids in first.retail_accounts.values())
    assert first.campaigns.keys() == second.campaigns.keys() == set(advertisers.values())


async def test_counter_hits_are_atomic_under_concurrency(database: Database) -> None:
    async def one_hit() -> int:
        async with SqlUnitOfWork(database) as uow:
            return await SqlRateLimitRepository(uow.connection).hit("app:1", 600)

    counts = await asyncio.gather(*(one_hit() for _ in range(20)))
    assert sorted(counts) == list(range(1, 21))  # no lost update, no duplicate count


async def test_purge_forgets_only_old_windows(engine: AsyncEngine, database: Database) -> None:
    async with SqlUnitOfWork(database) as uow:
        counters = SqlRateLimitRepository(uow.connection)
        for start in (0, 60, 120, 180):
            await counters.hit("jti:x", start)
        await counters.purge(before=120)
    async with engine.connect() as conn:
        kept = list(await conn.scalars(select(t.RateLimitCounter.window_start)))
    assert sorted(kept) == [120, 180]
