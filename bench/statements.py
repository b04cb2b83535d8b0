"""`python -m bench statements`: SQL statements and CPU time per request, in this process.

consentry is served in process (httpx over ASGI), one request at a time, so nothing waits on a
lock: what is left is the work itself. Every statement the query layer sends to SQLite (BEGIN
and COMMIT included) is counted through a counting `sqlite3` connection, per scenario; the CPU
time (this process, all threads, the httpx client included) divided by the requests gives a cost
that hardly depends on what else the machine does.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from bench.consentry_data import Minter, World, migrate_database, seed, settings_for
from bench.scenarios import API_PATH
from consentry.composition.app import create_app
from consentry.settings import Settings

WARM = 30
BASE = "http://127.0.0.1:9"
Send = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


def _senders(
    world: World, codes: list[str], refresh: list[str], access: list[str]
) -> dict[str, Send]:
    user = {"client_id": world.client_id, "client_secret": world.client_secret}
    robot = {"client_id": world.cc_client_id, "client_secret": world.cc_client_secret}

    async def client_credentials(http: httpx.AsyncClient, _i: int) -> httpx.Response:
        return await http.post("/oauth2/token", data={"grant_type": "client_credentials", **robot})

    async def refresh_token(http: httpx.AsyncClient, i: int) -> httpx.Response:
        form = {"grant_type": "refresh_token", "refresh_token": refresh[i], **user}
        return await http.post("/oauth2/token", data=form)

    async def authorization_code(http: httpx.AsyncClient, i: int) -> httpx.Response:
        form = {
            "grant_type": "authorization_code",
            "code": codes[i],
            "redirect_uri": world.redirect_uri,
            **user,
        }
        return await http.post("/oauth2/token", data=form)

    async def partner_api(http: httpx.AsyncClient, i: int) -> httpx.Response:
        return await http.get(API_PATH, headers={"Authorization": f"Bearer {access[i]}"})

    return {
        "client_credentials": client_credentials,
        "refresh_token": refresh_token,
        "authorization_code": authorization_code,
        "partner_api": partner_api,
    }


async def _measure(settings: Settings, world: World, requests: int) -> list[dict[str, Any]]:
    count = requests + WARM
    async with Minter(settings, world) as minter:
        codes = await minter.codes(count)
        refresh, access = await minter.token_pairs(count)
    app = create_app(settings)
    current: list[str | None] = [None]
    seen: collections.Counter[tuple[str, str]] = collections.Counter()

    class CountingConnection(sqlite3.Connection):
        """Every statement the query layer sends (BEGIN and COMMIT included), by its first words."""

        def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
            if current[0] is not None:
                seen[(current[0], " ".join(sql.split()[:4])[:70])] += 1
            return super().execute(sql, parameters)

    connect = sqlite3.connect
    sqlite3.connect = functools.partial(connect, factory=CountingConnection)  # type: ignore[assignment]
    rows = []
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=BASE) as http,
    ):
        for name, send in _senders(world, codes, refresh, access).items():
            for i in range(WARM):
                await send(http, requests + i)
            current[0] = name
            cpu, wall = time.process_time(), time.perf_counter()
            statuses: collections.Counter[int] = collections.Counter()
            for i in range(requests):
                statuses[(await send(http, i)).status_code] += 1
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            current[0] = None
            statements = {s: n / requests for (scenario, s), n in seen.items() if scenario == name}
            rows.append(
                {
                    "scenario": name,
                    "cpu_ms": round(1000 * cpu / requests, 3),
                    "wall_ms": round(1000 * wall / requests, 3),
                    "statuses": dict(statuses),
                    "statements": round(sum(statements.values()), 2),
                    "by_statement": dict(sorted(statements.items(), key=lambda kv: -kv[1])),
                }
            )
    return rows


def main_statements(requests: int) -> int:
    with tempfile.TemporaryDirectory(prefix="consentry-bench-") as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'consentry.sqlite3'}"
        settings = settings_for(url, "s" * 48, BASE, 3600)
        migrate_database(settings)
        world = asyncio.run(seed(settings))
        rows = asyncio.run(_measure(settings, world, requests))
    print("| scenario | statements/request | CPU ms/request | wall ms/request | answers |")
    print("|---|--:|--:|--:|---|")
    for row in rows:
        print(
            f"| {row['scenario']} | {row['statements']:g} | {row['cpu_ms']:.2f} "
            f"| {row['wall_ms']:.2f} | {row['statuses']} |"
        )
    for row in rows:
        print(f"\n{row['scenario']}:")
        for statement, per_request in row["by_statement"].items():
            print(f"  {per_request:4.1f} × {statement}")
    return 0
