"""Filler rows for the growth report's data-size series: more grants and tokens, none ever used.

Each filler grant belongs to the demo customer and the demo authorization-code app (as the pools'
grants do) and brings what a grant leaves behind in a deployment where nothing is purged: 1 to 4
of the customer's grantable advertisers, its (used, expired) authorization code and its current
refresh token; one grant in 20 is revoked, and one in 100 has a revoked access token still within
its lifetime. Hashes and identifiers are hashes of random values, as consentry's would look, so
every index grows as it would with real traffic. Rows go in by bulk insert through SQLAlchemy:
`executemany` on SQLite, `COPY` (asyncpg's `copy_records_to_table`) on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bench.consentry_data import World
from consentry.storage.sql import schema as tables
from consentry.storage.sql.engine import create_engine, is_sqlite

BATCH = 20_000  # grants per transaction
COUNTED = ("grants", "grant_advertisers", "authorization_codes", "refresh_tokens")
COUNTED_EXTRA = ("revoked_access_tokens",)
REVOKED_GRANT_SHARE = 0.05
REVOKED_TOKEN_SHARE = 0.01


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose filler grants these are: the demo customer and the demo app's credential pair."""

    user_id: int
    credential_id: int
    app_id: int
    scopes: str
    redirect_uri: str
    advertiser_ids: tuple[int, ...]


def _table(mapped: type[tables.Base]) -> Table:
    return tables.table(mapped)


def _hash() -> bytes:
    return hashlib.sha256(os.urandom(32)).digest()


class _Rows:
    """One batch of filler rows, as column dictionaries."""

    def __init__(self, owner: Owner, count: int, now: datetime) -> None:
        self.grants: list[dict[str, Any]] = []
        self.links: list[dict[str, Any]] = []
        self.codes: list[dict[str, Any]] = []
        self.refresh: list[dict[str, Any]] = []
        self.revoked: list[dict[str, Any]] = []
        for _ in range(count):
            self._add(owner, now)

    def _add(self, owner: Owner, now: datetime) -> None:
        grant_id = secrets.token_hex(16)
        created = now - timedelta(seconds=random.uniform(60, 90 * 86_400))
        used = created + timedelta(seconds=random.uniform(1, (now - created).total_seconds()))
        revoked = now - timedelta(seconds=1) if random.random() < REVOKED_GRANT_SHARE else None
        self.grants.append(
            {
                "id": grant_id,
                "user_id": owner.user_id,
                "credential_id": owner.credential_id,
                "app_id": owner.app_id,
                "scopes": owner.scopes,
                "created_at": created,
                "last_used_at": used,
                "revoked_at": revoked,
            }
        )
        count = random.randint(1, len(owner.advertiser_ids))
        for advertiser_id in random.sample(owner.advertiser_ids, count):
            self.links.append(
                {"grant_id": grant_id, "advertiser_id": advertiser_id, "revoked_at": None}
            )
        self.codes.append(
            {
                "code_hash": _hash(),
                "grant_id": grant_id,
                "credential_id": owner.credential_id,
                "redirect_uri": owner.redirect_uri,
                "code_challenge": None,
                "created_at": created,
                "expires_at": created + timedelta(seconds=30),
                "used_at": created + timedelta(seconds=1),
            }
        )
        self.refresh.append(
            {
                "token_hash": _hash(),
                "grant_id": grant_id,
                "credential_id": owner.credential_id,
                "created_at": used,
                "expires_at": used + timedelta(days=183),
                "used_at": None,
                "successor": None,
            }
        )
        if random.random() < REVOKED_TOKEN_SHARE:
            later = now + timedelta(seconds=random.uniform(1, 900))
            self.revoked.append({"jti": secrets.token_hex(16), "expires_at": later})

    def batches(self) -> list[tuple[Table, list[dict[str, Any]]]]:
        return [
            (_table(tables.Grant), self.grants),
            (_table(tables.GrantAdvertiser), self.links),
            (_table(tables.AuthorizationCode), self.codes),
            (_table(tables.RefreshToken), self.refresh),
            (_table(tables.RevokedAccessToken), self.revoked),
        ]


async def _copy(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: COPY through asyncpg, on the connection SQLAlchemy holds."""
    columns = list(rows[0])
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    if driver is None:
        raise RuntimeError("no driver connection")
    records = [tuple(row[c] for c in columns) for row in rows]
    await driver.copy_records_to_table(table.name, records=records, columns=columns)


async def _insert(engine: AsyncEngine, rows: _Rows, sqlite: bool) -> None:
    async with engine.begin() as conn:
        for table, values in rows.batches():
            if not values:
                continue
            if sqlite:
                await conn.execute(insert(table), values)
            else:
                await _copy(conn, table, values)


async def count_rows(database_url: str) -> dict[str, int]:
    """Rows per table the filler grows (what a point starts from)."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            counts: dict[str, int] = {}
            for name in (*COUNTED, *COUNTED_EXTRA):
                table = tables.Base.metadata.tables[name]
                counts[name] = int(await conn.scalar(select(func.count()).select_from(table)) or 0)
            return counts
    finally:
        await engine.dispose()


async def _owner(engine: AsyncEngine, world: World) -> Owner:
    credentials, apps = _table(tables.Credential), _table(tables.App)
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                select(credentials.c.id, apps.c.id, apps.c.scopes)
                .join(apps, apps.c.id == credentials.c.app_id)
                .where(credentials.c.client_id == world.client_id)
            )
        ).one()
    return Owner(
        world.customer_id, row[0], row[1], row[2], world.redirect_uri, world.advertiser_ids
    )


async def _fill(database_url: str, world: World, grants: int) -> None:
    engine = create_engine(database_url)
    try:
        owner = await _owner(engine, world)
        now = datetime.now(UTC)
        sqlite = is_sqlite(database_url)
        done = 0
        while done < grants:
            size = min(BATCH, grants - done)
            await _insert(engine, _Rows(owner, size, now), sqlite)
            done += size
    finally:
        await engine.dispose()


def fill(database_url: str, world: World, grants: int) -> None:
    """Add `grants` filler grants (with their links, codes, refresh tokens) in bulk."""
    if grants > 0:
        asyncio.run(_fill(database_url, world, grants))


def counts(database_url: str) -> dict[str, int]:
    return asyncio.run(count_rows(database_url))
