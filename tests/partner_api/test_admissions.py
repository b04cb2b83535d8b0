"""Partner-API admissions from a node's memory (storage/sql/admissions.py), on the suite's database.

Two `AdmissionMemory`s on one database are two nodes. What is proved: no number is handed out
twice and no caller is admitted beyond its limit, on one node or spread over two; a node alone
runs far fewer statements than calls; a caller moving between nodes is refused early by at most
what the first node held; a revocation made elsewhere applies within the poll interval and one
made on the node at once; and the triggers count every revocation, and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from consentry.core.model import Advertiser
from consentry.core.ports.partner import Admission
from consentry.storage.sql import schema as t
from consentry.storage.sql.admissions import POLL_INTERVAL, WATCHED, AdmissionMemory, room
from consentry.storage.sql.connection import Connection, Database, Row
from consentry.storage.sql.repositories.rate_limits import SqlRateLimitRepository
from consentry.storage.sql.statements import Statement
from consentry.storage.sql.unit_of_work import SqlUnitOfWork
from tests.conftest import Demo

LIMIT = 35
WINDOW = 600
GRANT_ID = "g" * 32


@dataclass
class Node:
    """One node: its memory, and the admission statements its calls ran."""

    memory: AdmissionMemory
    database: Database
    statements: int = 0

    async def call(
        self, jti: str = "a", *, window: int = WINDOW, limit: int = LIMIT
    ) -> Admission | None:
        async with SqlUnitOfWork(self.database, autocommit=True, relaxed=True) as uow:
            counted = cast(Connection, Counted(uow.connection, self))
            counters = SqlRateLimitRepository(counted, self.memory)
            return await counters.admit_grant(f"jti:{GRANT_ID}", window, GRANT_ID, jti, limit)


class Counted:
    """A connection that counts the admission statements (those that take numbers)."""

    def __init__(self, conn: Connection, node: Node) -> None:
        self._conn = conn
        self._node = node

    @property
    def writing(self) -> bool:
        return self._conn.writing

    async def fetchrow(self, statement: Statement, **values: object) -> Row | None:
        if "numbers" in values:
            self._node.statements += 1
        return await self._conn.fetchrow(statement, **values)

    async def fetchval(self, statement: Statement, **values: object) -> Any:
        return await self._conn.fetchval(statement, **values)

    async def execute(self, statement: Statement, **values: object) -> int:
        return await self._conn.execute(statement, **values)


@pytest.fixture
async def grant(engine: AsyncEngine, demo: Demo, clock: FixedClock) -> str:
    async with engine.begin() as conn:
        await conn.execute(
            insert(t.Grant).values(
                id=GRANT_ID,
                user_id=demo.app.customer_id,
                app_id=demo.app.app_id,
                credential_id=None,
                scopes="marketing_solutions_analytics_read",
                created_at=clock.now(),
            )
        )
        await conn.execute(
            insert(t.GrantAdvertiser),
            [{"grant_id": GRANT_ID, "advertiser_id": a} for a in demo.app.advertiser_ids.values()],
        )
    return GRANT_ID


@pytest.fixture
def nodes(database: Database, clock: FixedClock, grant: str) -> Iterator[tuple[Node, Node]]:
    # Neither memory watches the database's writes: they stand for two other nodes.
    yield Node(AdmissionMemory(clock), database), Node(AdmissionMemory(clock), database)


async def counted(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        value = await conn.scalar(select(t.RateLimitCounter.count))
    return int(value or 0)


async def revocations(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(t.RevocationCount.value)) or 0)


def numbers(admissions: list[Admission | None]) -> list[int]:
    return [a.count for a in admissions if a is not None]


async def test_one_node_hands_out_each_number_once_with_few_statements(
    nodes: tuple[Node, Node], engine: AsyncEngine
) -> None:
    node, _ = nodes
    answers = [await node.call() for _ in range(LIMIT + 5)]
    assert numbers(answers)[:LIMIT] == list(range(1, LIMIT + 1))
    assert all(n > LIMIT for n in numbers(answers)[LIMIT:])  # refused by the caller (429)
    assert node.statements <= 12  # leases of 1, 2, 4, 8 and then half of what is left
    assert await counted(engine) <= LIMIT + 1  # a spent window is not counted further
    spent = node.statements
    await node.call()
    assert node.statements == spent


async def test_a_caller_spread_over_nodes_is_counted_one_by_one(
    nodes: tuple[Node, Node],
) -> None:
    answers = [await nodes[call % 2].call() for call in range(LIMIT + 3)]
    assert numbers(answers)[:LIMIT] == list(range(1, LIMIT + 1))
    assert all(n > LIMIT for n in numbers(answers)[LIMIT:])
    assert sum(1 for a in answers if a is not None and a.count <= LIMIT) == LIMIT


async def test_a_caller_moving_nodes_is_refused_early_by_at_most_what_the_first_held(
    nodes: tuple[Node, Node], engine: AsyncEngine
) -> None:
    first, second = nodes
    alone = [await first.call() for _ in range(10)]
    held = await counted(engine) - 10  # numbers the first node took and did not hand out
    assert 0 < held <= room(LIMIT, 0)
    moved = [await second.call() for _ in range(LIMIT)]
    admitted = [n for n in numbers(alone + moved) if n <= LIMIT]
    assert len(admitted) == len(set(admitted)) == LIMIT - held


async def test_a_new_window_starts_from_one(nodes: tuple[Node, Node]) -> None:
    node, _ = nodes
    for _ in range(5):
        await node.call()
    later = await node.call(window=WINDOW + 60)
    assert later is not None and later.count == 1


async def test_a_revocation_elsewhere_applies_within_the_poll_interval(
    nodes: tuple[Node, Node], engine: AsyncEngine, clock: FixedClock, demo: Demo
) -> None:
    _, node = nodes  # its memory does not watch the writes below: they are another node's
    for _ in range(5):  # leases of 1, 1, 2, 4: numbers 6 to 8 are left
        assert await node.call() is not None
    azur = demo.advertiser("Nordic Outdoor Supply")
    async with engine.begin() as conn:
        await conn.execute(
            update(t.GrantAdvertiser.__table__)  # type: ignore[arg-type]
            .where(t.GrantAdvertiser.advertiser_id == azur)
            .values(revoked_at=clock.now())
        )
    kept = await node.call()
    assert kept is not None and azur in {a.id for a in kept.advertisers}  # not polled yet
    clock.advance(POLL_INTERVAL)
    fresh = await node.call()
    assert fresh is not None and azur not in {a.id for a in fresh.advertisers}

    async with engine.begin() as conn:
        await conn.execute(
            insert(t.RevokedAccessToken).values(
                jti="a", expires_at=clock.now() + timedelta(hours=1)
            )
        )
    assert await node.call() is not None  # number 8
    clock.advance(POLL_INTERVAL)
    assert await node.call() is None  # RFC 7009
    assert (await node.call("b")) is not None  # another token of the grant


async def test_a_revocation_on_this_node_applies_at_once(
    database: Database, engine: AsyncEngine, clock: FixedClock, grant: str
) -> None:
    memory = AdmissionMemory(clock)
    database.watch_writes(memory.written)
    node = Node(memory, database)
    assert await node.call() is not None
    async with SqlUnitOfWork(database) as uow:
        await uow.grants.revoke(grant, clock.now())
    assert await node.call() is None


def test_a_read_that_raced_with_a_revocation_is_not_kept(clock: FixedClock) -> None:
    memory = AdmissionMemory(clock)
    assert memory.admit("k", WINDOW, "a", LIMIT) is None
    seen = memory.forgotten
    memory.written("grants")  # a revocation on this node, while the statement ran
    admission = Admission(count=1, advertisers=(Advertiser(1, "one"),))
    assert memory.leased("k", WINDOW, "a", LIMIT, 1, admission, seen).count == 1
    assert memory.admit("k", WINDOW, "a", LIMIT) is None  # not known live: ask again
    memory.written("refresh_tokens")  # not what admissions are read from
    assert memory.forgotten == seen + 1


def test_the_watched_tables() -> None:
    assert {"grants", "grant_advertisers", "advertisers", "credentials"} <= WATCHED
    assert {"revoked_access_tokens", "apps", "users"} <= WATCHED
    assert "rate_limit_counters" not in WATCHED and "refresh_tokens" not in WATCHED


async def test_the_triggers_count_every_revocation_and_nothing_else(
    engine: AsyncEngine, clock: FixedClock, demo: Demo, grant: str
) -> None:
    grants, links = t.Grant.__table__, t.GrantAdvertiser.__table__
    azur = demo.advertiser("Nordic Outdoor Supply")
    unchanged = (
        update(grants).where(grants.c.id == grant).values(last_used_at=clock.now()),  # type: ignore[attr-defined]
        insert(t.RateLimitCounter).values(key="k", window_start=0, count=1),
    )
    taken_away = (
        update(links).where(links.c.advertiser_id == azur).values(revoked_at=clock.now()),  # type: ignore[attr-defined]
        insert(t.RevokedAccessToken).values(jti="x", expires_at=clock.now()),
        update(t.Advertiser.__table__).where(t.Advertiser.id == azur).values(name="Azur"),  # type: ignore[arg-type]
        update(grants).where(grants.c.id == grant).values(revoked_at=clock.now()),  # type: ignore[attr-defined]
        delete(t.Credential.__table__),  # type: ignore[arg-type]
        delete(t.User.__table__),  # type: ignore[arg-type]  # cascades to the grants
    )
    before = await revocations(engine)
    for statement in unchanged:
        async with engine.begin() as conn:
            await conn.execute(statement)
    assert await revocations(engine) == before
    for statement in taken_away:
        async with engine.begin() as conn:
            await conn.execute(statement)
        assert await revocations(engine) > before, statement
        before = await revocations(engine)


async def test_a_new_window_leases_as_much_as_the_last_when_the_node_was_alone(
    nodes: tuple[Node, Node], engine: AsyncEngine
) -> None:
    first, second = nodes
    for _ in range(16):  # leases of 1, 1, 2, 4, 8
        await first.call()
    before = first.statements
    later = await first.call(window=WINDOW + 60)
    assert later is not None and later.count == 1 and first.statements == before + 1
    async with engine.connect() as conn:
        taken = await conn.scalar(
            select(t.RateLimitCounter.count).where(t.RateLimitCounter.window_start == WINDOW + 60)
        )
    assert taken == 8  # the largest lease of the last window

    await second.call(window=WINDOW + 120)  # another node takes numbers for the caller too
    for _ in range(4):
        await first.call(window=WINDOW + 120)
    assert await first.call(window=WINDOW + 180) is not None
    async with engine.connect() as conn:
        taken = await conn.scalar(
            select(t.RateLimitCounter.count).where(t.RateLimitCounter.window_start == WINDOW + 180)
        )
    assert taken == 1  # not alone last window: one by one again
