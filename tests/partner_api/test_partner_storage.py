"""Partner data storage: migration 0004, deterministic demo data, the rate-limit counter table."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import func, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from consentry.core.model import Advertiser
from consentry.demo.partner_data import DAYS, RETAILERS, seed_partner_data
from consentry.storage import migrate
from consentry.storage.sql import schema as t
from consentry.storage.sql.connection import Database
from consentry.storage.sql.engine import sync_url
from consentry.storage.sql.repositories.rate_limits import SqlRateLimitRepository
from consentry.storage.sql.unit_of_work import SqlUnitOfWork
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


async def test_counter_hits_are_atomic_under_concurrency(database: Database, demo: Demo) -> None:
    async def one_hit() -> int:
        async with SqlUnitOfWork(database) as uow:
            counters = SqlRateLimitRepository(uow.connection)
            admission = await counters.admit_app("app:1", 600, demo.client_id, "jti-1", 35)
            assert admission is not None
            return admission.count

    counts = await asyncio.gather(*(one_hit() for _ in range(20)))
    assert sorted(counts) == list(range(1, 21))  # no lost update, no duplicate count


async def counter_rows(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(t.RateLimitCounter.key, t.RateLimitCounter.count))).all()
    return {str(key): int(count) for key, count in rows}


async def test_admission_counts_live_calls_only_and_names_the_granted_advertisers(
    engine: AsyncEngine, database: Database, demo: Demo, clock: FixedClock
) -> None:
    lumiere, azur = demo.advertiser("Maison Lumière"), demo.advertiser("Nordic Outdoor Supply")
    grant_id = "grant-admission"  # app-level (no credential): client-credentials tokens see it
    async with engine.begin() as conn:
        await conn.execute(
            insert(t.Grant).values(
                id=grant_id,
                user_id=demo.app.customer_id,
                app_id=demo.app.app_id,
                credential_id=None,
                scopes="marketing_solutions_analytics_read",
                created_at=clock.now(),
            )
        )
        await conn.execute(
            insert(t.GrantAdvertiser),
            [{"grant_id": grant_id, "advertiser_id": a} for a in (lumiere, azur)],
        )
    async with SqlUnitOfWork(database) as uow:
        counters = SqlRateLimitRepository(uow.connection)
        first = await counters.admit_grant("jti:a", 600, grant_id, "a", 35)
        second = await counters.admit_grant("jti:a", 600, grant_id, "a", 35)
        app_level = await counters.admit_app("app:x", 600, demo.client_id, "b", 35)
        unknown_pair = await counters.admit_app("app:y", 600, "no-such-client", "c", 35)
        unknown_grant = await counters.admit_grant("jti:d", 600, "no-such-grant", "d", 35)
    assert first is not None and second is not None and app_level is not None
    assert (first.count, second.count) == (1, 2)
    assert sorted(first.advertisers, key=lambda a: a.id) == sorted(
        [Advertiser(lumiere, "Maison Lumière"), Advertiser(azur, "Nordic Outdoor Supply")],
        key=lambda a: a.id,
    )
    assert set(app_level.advertisers) == set(first.advertisers)  # an app-level grant
    assert unknown_pair is None and unknown_grant is None
    assert await counter_rows(engine) == {"jti:a": 2, "app:x": 1}

    async with engine.begin() as conn:
        await conn.execute(
            insert(t.RevokedAccessToken).values(
                jti="a", expires_at=clock.now() + timedelta(hours=1)
            )
        )
        await conn.execute(
            t.GrantAdvertiser.__table__.update()
            .where(t.GrantAdvertiser.advertiser_id == azur)
            .values(revoked_at=clock.now())
        )
    async with SqlUnitOfWork(database) as uow:
        counters = SqlRateLimitRepository(uow.connection)
        revoked_token = await counters.admit_grant("jti:a", 600, grant_id, "a", 35)
        other_token = await counters.admit_grant("jti:e", 600, grant_id, "e", 35)
    assert revoked_token is None  # RFC 7009: and it spent nothing
    assert other_token is not None
    assert other_token.advertisers == (Advertiser(lumiere, "Maison Lumière"),)
    assert await counter_rows(engine) == {"jti:a": 2, "app:x": 1, "jti:e": 1}


async def test_purge_forgets_only_old_windows(
    engine: AsyncEngine, database: Database, demo: Demo
) -> None:
    async with SqlUnitOfWork(database) as uow:
        counters = SqlRateLimitRepository(uow.connection)
        for start in (0, 60, 120, 180):
            await counters.admit_app("jti:x", start, demo.client_id, "x", 35)
        await counters.purge(before=120)
    async with engine.connect() as conn:
        kept = list(await conn.scalars(select(t.RateLimitCounter.window_start)))
    assert sorted(kept) == [120, 180]
