"""A real consentry process on loopback, seeded with the demo world, for third-party clients.

`launch(**env)` starts `uvicorn --factory consentry.composition.factory:app_from_environment`
exactly as an operator would (settings only in CONSENTRY_* variables) on this test's own
database, seeds the demo customer and app, the partner data, a Retail Media app and a
client-credentials app that the customer granted two advertisers, and waits until the port
answers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from consentry.clock import SystemClock
from consentry.composition.derived import hasher_from
from consentry.core.model import AuthMethod
from consentry.core.scopes import MARKETING_SOLUTIONS, RETAIL_MEDIA
from consentry.demo.partner_data import seed_partner_data
from consentry.demo.seed import CUSTOMER_EMAIL, seed_demo
from consentry.settings import Settings
from consentry.storage.sql.engine import create_engine
from tests.conftest import (
    CLIENT_REDIRECT_URI,
    CUSTOMER_PASSWORD,
    DEVELOPER_PASSWORD,
    TEST_SECRET,
    Demo,
)
from tests.partner_api.world import (
    MARKETING_LEVELS,
    RETAIL_LEVELS,
    add_partner_app,
    grant_app,
    marketing_scopes,
)
from tests.support.flow import exchange_code, obtain_code
from tests.support.world import ClientPair

STARTUP_TIMEOUT = 30.0
ROBOT_ADVERTISERS = ("Nordic Outdoor Supply", "Riverside Grocers")


@dataclass(frozen=True)
class World:
    """A running consentry and what was seeded into it."""

    base_url: str
    demo: Demo
    marketing: ClientPair  # authorization code, every Marketing Solutions domain
    retail: ClientPair  # authorization code, Accounts_Read + Campaign_Manage
    robot: ClientPair  # client credentials, granted ROBOT_ADVERTISERS at app level

    def advertisers(self, *names: str) -> tuple[int, ...]:
        return tuple(sorted(self.demo.advertiser(name) for name in names))

    async def code(self, pair: ClientPair | None, *names: str) -> str:
        """An authorization code for `pair` (the demo app if None), through the consent page."""
        async with httpx.AsyncClient(base_url=self.base_url) as http:
            return await obtain_code(
                http,
                client_id=pair.client_id if pair else self.demo.client_id,
                redirect_uri=CLIENT_REDIRECT_URI,
                email=self.demo.customer_email,
                password=self.demo.customer_password,
                advertisers=list(self.advertisers(*names)),
            )

    async def refresh_token(self, pair: ClientPair, *names: str) -> str:
        code = await self.code(pair, *names)
        async with httpx.AsyncClient(base_url=self.base_url) as http:
            response = await exchange_code(
                http,
                code,
                client_id=pair.client_id,
                client_secret=pair.client_secret,
                redirect_uri=CLIENT_REDIRECT_URI,
            )
        assert response.status_code == 200, response.text
        return str(response.json()["refresh_token"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _seed(settings: Settings) -> World:
    engine = create_engine(settings.database_url)
    now = SystemClock().now()  # the server runs on the real clock
    hasher = hasher_from(settings)
    try:
        async with engine.begin() as conn:
            app = await seed_demo(
                conn,
                hasher,
                now,
                customer_password=CUSTOMER_PASSWORD,
                developer_password=DEVELOPER_PASSWORD,
                redirect_uris=(CLIENT_REDIRECT_URI,),
            )
            await seed_partner_data(conn, app.advertiser_ids, now)
        demo = Demo(app=app, customer_email=CUSTOMER_EMAIL, customer_password=CUSTOMER_PASSWORD)
        uris = (CLIENT_REDIRECT_URI,)
        marketing = await add_partner_app(
            engine,
            hasher,
            now,
            service=MARKETING_SOLUTIONS,
            levels=MARKETING_LEVELS,
            redirect_uris=uris,
        )
        retail = await add_partner_app(
            engine, hasher, now, service=RETAIL_MEDIA, levels=RETAIL_LEVELS, redirect_uris=uris
        )
        robot = await add_partner_app(
            engine,
            hasher,
            now,
            service=MARKETING_SOLUTIONS,
            levels=MARKETING_LEVELS,
            auth_method=AuthMethod.CLIENT_CREDENTIALS,
            name="Nightly Reporting Robot",
        )
        chosen = tuple(sorted(demo.advertiser(name) for name in ROBOT_ADVERTISERS))
        await grant_app(engine, robot.app_id, app.customer_id, chosen, marketing_scopes(), now)
    finally:
        await engine.dispose()
    return World(settings.issuer, demo, marketing, retail, robot)


@pytest.fixture
async def launch(
    database_url: str, tmp_path: Path
) -> AsyncIterator[Callable[..., Awaitable[World]]]:
    """Start consentry with extra CONSENTRY_* settings (e.g. ACCESS_TOKEN_TTL_SECONDS="2")."""
    processes: list[subprocess.Popen[bytes]] = []
    log_path = tmp_path / "consentry.log"

    async def start(**extra: str) -> World:
        port = _free_port()
        issuer = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTRY_")}
        env.update(
            PYTHONUNBUFFERED="1",
            CONSENTRY_DATABASE_URL=database_url,
            CONSENTRY_SECRET_KEY=TEST_SECRET,
            CONSENTRY_ISSUER=issuer,
            CONSENTRY_ENVIRONMENT="test",
            **{f"CONSENTRY_{name.upper()}": value for name, value in extra.items()},
        )
        argv = [sys.executable, "-m", "uvicorn", "--factory"]
        argv += ["consentry.composition.factory:app_from_environment", "--host", "127.0.0.1"]
        argv += ["--port", str(port), "--log-level", "warning"]
        with log_path.open("ab") as log:
            process = subprocess.Popen(  # started first: its imports overlap the seeding
                argv, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
            )
        processes.append(process)
        settings = Settings(
            environment="test",
            database_url=database_url,
            issuer=issuer,
            secret_key=SecretStr(TEST_SECRET),
            _env_file=None,
        )
        world = await _seed(settings)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"consentry exited early:\n{log_path.read_text()}", pytrace=False)
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return world
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"consentry did not start:\n{log_path.read_text()}")
                time.sleep(0.05)

    try:
        yield start
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
