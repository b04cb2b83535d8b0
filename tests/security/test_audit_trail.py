"""The audit trail: hash-chained, append-only, verifiable, linear under concurrent appends.

↔ core/audit.py, audit/service.py, storage/sql/repositories/audit.py, migrations 0003 (triggers),
cli/audit.py
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from consentry.cli.main import app as cli
from consentry.clock import FixedClock
from consentry.core.audit import GENESIS_HASH, AuditKind, BrokenLink, canonical_json, record
from consentry.core.audit_trail import events_for_app, verify_chain
from consentry.settings import Settings
from consentry.storage.sql.engine import create_engine
from tests.conftest import Demo
from tests.security.conftest import audit_events
from tests.support.flow import csrf_token, sign_in
from tests.support.storage import sql_unit_of_work

EVENTS = 6


async def append_events(engine: AsyncEngine, clock: FixedClock, count: int = EVENTS) -> None:
    for number in range(count):
        async with sql_unit_of_work(engine) as uow:
            await record(
                uow,
                AuditKind.CONSENT_GRANTED,
                at=clock.now(),
                app_id=1 + number % 2,
                user_id=7,
                grant_id=f"grant-{number}",
                detail={"advertisers": str(number)},
            )


async def verify(engine: AsyncEngine) -> tuple[int, BrokenLink | None]:
    async with sql_unit_of_work(engine) as uow:
        return await verify_chain(uow)


async def tamper(engine: AsyncEngine, statement: str) -> None:
    """What an attacker with database access would do: switch the guard off, change a row."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
            await conn.execute(text(statement))
            await conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
        else:
            await conn.execute(text("DROP TRIGGER audit_events_no_update"))
            await conn.execute(text("DROP TRIGGER audit_events_no_delete"))
            await conn.execute(text(statement))


async def test_each_event_hashes_the_previous_hash_and_its_canonical_json(
    engine: AsyncEngine, clock: FixedClock
) -> None:
    await append_events(engine, clock)

    events = await audit_events(engine)

    assert [e.seq for e in events] == list(range(1, EVENTS + 1))
    previous = GENESIS_HASH
    for stored in events:
        assert stored.prev_hash == previous
        expected = hashlib.sha256((previous + canonical_json(stored.event)).encode()).hexdigest()
        assert stored.hash == expected
        previous = stored.hash
    assert await verify(engine) == (EVENTS, None)


@pytest.mark.parametrize(
    ("statement", "seq", "reason"),
    [
        ("UPDATE audit_events SET user_id = 8 WHERE seq = 3", 3, "altered"),
        ('UPDATE audit_events SET detail = \'{"advertisers": "9"}\' WHERE seq = 4', 4, "altered"),
        ("DELETE FROM audit_events WHERE seq = 2", 2, "missing"),
        ("DELETE FROM audit_events WHERE seq = 6", EVENTS, "removed"),
        ("UPDATE audit_events SET prev_hash = hash WHERE seq = 5", 5, "prev_hash"),
    ],
    ids=["changed column", "changed detail", "removed event", "removed tail", "relinked"],
)
async def test_verify_reports_the_first_broken_link(
    engine: AsyncEngine, clock: FixedClock, statement: str, seq: int, reason: str
) -> None:
    await append_events(engine, clock)

    await tamper(engine, statement)

    checked, broken = await verify(engine)
    assert broken is not None and broken.seq == seq and reason in broken.reason
    assert checked == seq - 1


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_events SET user_id = 8", "DELETE FROM audit_events WHERE seq = 1"],
    ids=["update", "delete"],
)
async def test_the_database_refuses_to_change_events(
    engine: AsyncEngine, clock: FixedClock, statement: str
) -> None:
    await append_events(engine, clock, count=1)

    with pytest.raises(DBAPIError, match="append-only"):
        async with engine.begin() as conn:
            await conn.execute(text(statement))


async def test_concurrent_appends_from_many_connections_keep_the_chain_linear(
    settings: Settings, clock: FixedClock, engine: AsyncEngine
) -> None:
    other_node = create_engine(settings.database_url)
    try:
        await asyncio.gather(*(append_events(e, clock, count=3) for e in [engine, other_node] * 4))
    finally:
        await other_node.dispose()

    events = await audit_events(engine)
    assert [e.seq for e in events] == list(range(1, 25))
    assert await verify(engine) == (24, None)


async def test_app_owners_see_only_their_apps_events(
    engine: AsyncEngine, clock: FixedClock
) -> None:
    await append_events(engine, clock)

    async with sql_unit_of_work(engine) as uow:
        mine = await events_for_app(uow, 2)

    assert [e.seq for e in mine] == [6, 4, 2]  # newest first
    assert {e.event.app_id for e in mine} == {2}


async def test_sign_ins_are_audited(
    client: httpx.AsyncClient, demo: Demo, engine: AsyncEngine
) -> None:
    page = await client.get("/login")
    await client.post(
        "/login",
        data={"csrf_token": csrf_token(page.text), "email": demo.customer_email, "password": "x"},
    )
    await sign_in(client, demo.customer_email, demo.customer_password)

    [failed] = await audit_events(engine, AuditKind.SIGN_IN_FAILED)
    [succeeded] = await audit_events(engine, AuditKind.SIGN_IN_SUCCEEDED)
    assert failed.event.user_id == succeeded.event.user_id == demo.app.customer_id
    assert failed.seq < succeeded.seq
    assert "x" not in failed.event.detail.values()  # never the password


async def test_cli_verifies_and_lists(
    settings: Settings,
    clock: FixedClock,
    engine: AsyncEngine,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    await append_events(engine, clock)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CONSENTRY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CONSENTRY_SECRET_KEY", settings.secret_key.get_secret_value())
    runner = CliRunner()

    intact = await asyncio.to_thread(runner.invoke, cli, ["audit", "verify"])
    listed = await asyncio.to_thread(runner.invoke, cli, ["audit", "list", "--app-id", "1"])
    await tamper(engine, "UPDATE audit_events SET kind = 'consent.denied' WHERE seq = 3")
    broken = await asyncio.to_thread(runner.invoke, cli, ["audit", "verify"])

    assert intact.exit_code == 0 and "6 events verified" in intact.output
    assert listed.output.count("consent.granted") == 3
    assert broken.exit_code == 1 and "BROKEN at event 3" in broken.output
