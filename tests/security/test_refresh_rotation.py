"""Refresh rotation that survives real clients, and reuse detection (RFC 9700 §4.14.2).

↔ core/grants/refresh_token.py, keys/successor.py. The concurrency tests run two nodes (two apps,
two engines) on one database: SQLite in the default run, PostgreSQL with --db=postgresql.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from consentry.composition.derived import successor_sealer_from
from consentry.core.audit import AuditKind
from consentry.core.hashing import SecretHasher
from consentry.settings import Settings
from consentry.storage.sql import schema as t
from tests.conftest import Demo
from tests.security.conftest import Issued, audit_events, granted_ids, second_node
from tests.support.flow import refresh
from tests.support.world import add_credential_pair

ATTEMPTS = 6


async def use(http: httpx.AsyncClient, demo: Demo, token: str) -> httpx.Response:
    return await refresh(http, token, client_id=demo.client_id, client_secret=demo.client_secret)


def pair(response: httpx.Response) -> tuple[str, str]:
    assert response.status_code == 200, response.text
    body = response.json()
    return body["access_token"], body["refresh_token"]


async def test_same_refresh_token_within_the_window_gets_the_same_pair(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, clock: FixedClock
) -> None:
    first = await use(client, demo, issued.refresh_token)
    clock.advance(timedelta(seconds=20))  # a lost response, retried

    again = await use(client, demo, issued.refresh_token)

    assert pair(again) == pair(first)
    assert again.json()["expires_in"] == 900 - 20  # the same token, 20 s older
    assert await granted_ids(client, pair(again)[0]) == list(issued.advertisers)


async def test_the_family_goes_on_after_a_grace_replay(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, clock: FixedClock
) -> None:
    first = pair(await use(client, demo, issued.refresh_token))
    assert pair(await use(client, demo, issued.refresh_token)) == first

    following = await use(client, demo, first[1])

    assert following.status_code == 200
    assert pair(following)[1] not in {first[1], issued.refresh_token}


async def test_reuse_after_the_window_revokes_the_grant_and_is_audited(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, clock: FixedClock, engine: AsyncEngine
) -> None:
    access, successor = pair(await use(client, demo, issued.refresh_token))
    clock.advance(timedelta(seconds=31))

    replay = await use(client, demo, issued.refresh_token)

    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # RFC 9700 §4.14.2: the whole grant is revoked, the legitimate successor included.
    assert (await use(client, demo, successor)).status_code == 400
    assert await granted_ids(client, access) == 401
    [event] = await audit_events(engine, AuditKind.REFRESH_REUSED)
    assert event.event.client_id == demo.client_id
    assert event.event.user_id == demo.app.customer_id
    assert event.event.app_id == demo.app.app_id


async def test_a_replay_inside_the_window_after_the_successor_was_used_is_reuse(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, clock: FixedClock, engine: AsyncEngine
) -> None:
    """The window is for the honest race (a lost answer, two tabs): once the successor pair was
    used, whoever presents the old token again does not hold the live pair (RFC 9700 §4.14.2)."""
    _, successor = pair(await use(client, demo, issued.refresh_token))
    access, latest = pair(await use(client, demo, successor))
    clock.advance(timedelta(seconds=5))

    replay = await use(client, demo, issued.refresh_token)

    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert (await use(client, demo, latest)).status_code == 400
    assert await granted_ids(client, access) == 401
    assert len(await audit_events(engine, AuditKind.REFRESH_REUSED)) == 1


async def test_reuse_window_is_configurable(
    demo: Demo, issued: Issued, clock: FixedClock, settings: Settings
) -> None:
    strict = settings.model_copy(update={"refresh_reuse_window_seconds": 0})
    async with second_node(strict, clock) as node:
        assert (await use(node, demo, issued.refresh_token)).status_code == 200
        clock.advance(timedelta(seconds=1))

        assert (await use(node, demo, issued.refresh_token)).status_code == 400


async def test_grace_replay_after_revocation_is_refused(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, engine: AsyncEngine, clock: FixedClock
) -> None:
    await use(client, demo, issued.refresh_token)
    async with engine.begin() as conn:
        await conn.execute(update(t.Grant).values(revoked_at=clock.now()))

    replay = await use(client, demo, issued.refresh_token)

    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


async def test_a_rotated_token_presented_by_another_client_is_refused_without_revoking(
    client: httpx.AsyncClient,
    demo: Demo,
    issued: Issued,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
) -> None:
    other = await add_credential_pair(engine, hasher, demo.app.app_id, clock.now())
    _, successor = pair(await use(client, demo, issued.refresh_token))

    stolen = await refresh(
        client, issued.refresh_token, client_id=other.client_id, client_secret=other.client_secret
    )

    assert stolen.status_code == 400
    assert (await use(client, demo, successor)).status_code == 200  # grant untouched


async def test_successor_pair_is_sealed_not_stored_in_clear(
    client: httpx.AsyncClient,
    demo: Demo,
    issued: Issued,
    engine: AsyncEngine,
    hasher: SecretHasher,
    settings: Settings,
) -> None:
    access, successor = pair(await use(client, demo, issued.refresh_token))
    async with engine.connect() as conn:
        rows = (await conn.execute(select(t.RefreshToken))).all()
    old_row = next(r for r in rows if r.token_hash == hasher.hash(issued.refresh_token))
    stored = b"".join(bytes(value) for r in rows for value in r if isinstance(value, bytes))

    for secret in (access, successor, issued.refresh_token):
        assert secret.encode() not in stored
    sealer = successor_sealer_from(settings)
    assert old_row.successor is not None
    assert sealer.open("not-the-old-token", old_row.successor) is None
    assert sealer.open(issued.refresh_token, old_row.successor) is not None


async def test_concurrent_refreshes_on_one_node_all_get_the_same_pair(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    responses = await asyncio.gather(
        *(use(client, demo, issued.refresh_token) for _ in range(ATTEMPTS))
    )

    assert len({pair(r) for r in responses}) == 1


async def test_concurrent_refreshes_on_two_nodes_all_get_the_same_pair(
    client: httpx.AsyncClient,
    demo: Demo,
    issued: Issued,
    settings: Settings,
    clock: FixedClock,
    engine: AsyncEngine,
    hasher: SecretHasher,
) -> None:
    async with second_node(settings, clock) as other:
        responses = await asyncio.gather(
            *(use(http, demo, issued.refresh_token) for http in [client, other] * (ATTEMPTS // 2))
        )

    pairs = {pair(r) for r in responses}
    assert len(pairs) == 1
    # Exactly one rotation happened: one successor row, and the family is intact.
    async with engine.connect() as conn:
        rows = (await conn.execute(select(t.RefreshToken.token_hash))).scalars().all()
    assert len(rows) == 2
    assert hasher.hash(pairs.pop()[1]) in rows
    assert await audit_events(engine, AuditKind.REFRESH_REUSED) == []
