"""Shared fixtures: a migrated database per test (SQLite or PostgreSQL), a test clock, the app.

`--db=postgresql` (or CONSENTRY_TEST_DB=postgresql) runs the suite on a throwaway PostgreSQL that
this file starts itself. Each test gets its own database copied from a template that was built by
running the migrations, so tests never see each other's rows.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from consentry.composition.app import create_app
from consentry.composition.derived import hasher_from
from consentry.demo.seed import DemoApp, seed_demo
from consentry.keys.keyring import KeyRing
from consentry.settings import Settings
from consentry.storage import migrate
from consentry.storage.sql.connection import Database
from consentry.storage.sql.database import open_database
from consentry.storage.sql.engine import create_engine
from tests.support.postgres import PostgresServer, start_postgres

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
ISSUER = "http://localhost:8000"
CUSTOMER_PASSWORD = "customer-password-for-tests"
DEVELOPER_PASSWORD = "developer-password-for-tests"
CLIENT_REDIRECT_URI = "https://client.example/criteo-auth/callback"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=["sqlite", "postgresql"],
        default=os.environ.get("CONSENTRY_TEST_DB", "sqlite"),
        help="database backend for the whole suite",
    )


@pytest.fixture(scope="session")
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.config.getoption("--db"))


@pytest.fixture(scope="session")
def postgres_server(db_backend: str) -> Iterator[PostgresServer | None]:
    if db_backend != "postgresql":
        yield None
        return
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def template_database(
    db_backend: str,
    postgres_server: PostgresServer | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> str:
    """A database migrated to head once per session; tests get copies of it."""
    if postgres_server is not None:
        postgres_server.create_database("consentry_template")
        url = postgres_server.url("consentry_template")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'template.sqlite3'}"
    migrate.upgrade(url)
    return url


_counter = itertools.count()


@pytest.fixture
def database_url(
    template_database: str, postgres_server: PostgresServer | None, tmp_path: Path
) -> str:
    """A fresh, migrated database for this test only."""
    if postgres_server is not None:
        name = f"consentry_test_{os.getpid()}_{next(_counter)}"
        postgres_server.create_database(name, template="consentry_template")
        return postgres_server.url(name)
    source = Path(template_database.removeprefix("sqlite:///"))
    target = tmp_path / "consentry.sqlite3"
    shutil.copyfile(source, target)
    return f"sqlite:///{target}"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        issuer=ISSUER,
        secret_key=TEST_SECRET,
        _env_file=None,
    )


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    """The query layer's pool on the test database (what the app's units of work use)."""
    opened = open_database(settings.database_url)
    yield opened
    await opened.close()


@dataclass(frozen=True)
class Demo:
    """The seeded demo world, with the raw secrets the tests need."""

    app: DemoApp
    customer_email: str
    customer_password: str

    @property
    def client_id(self) -> str:
        return self.app.client_id

    @property
    def client_secret(self) -> str:
        return self.app.client_secret

    def advertiser(self, name: str) -> int:
        return self.app.advertiser_ids[name]


@pytest.fixture
async def demo(engine: AsyncEngine, settings: Settings, clock: FixedClock) -> Demo:
    from consentry.demo.seed import CUSTOMER_EMAIL

    async with engine.begin() as conn:
        app = await seed_demo(
            conn,
            hasher_from(settings),
            clock.now(),
            customer_password=CUSTOMER_PASSWORD,
            developer_password=DEVELOPER_PASSWORD,
            redirect_uris=(CLIENT_REDIRECT_URI, "http://localhost:3000/criteo-auth/callback"),
        )
    return Demo(app=app, customer_email=CUSTOMER_EMAIL, customer_password=CUSTOMER_PASSWORD)


@pytest.fixture
async def app(settings: Settings, clock: FixedClock) -> AsyncIterator[FastAPI]:
    application = create_app(settings, clock=clock)
    await application.state.components.get(KeyRing).ready()  # what the lifespan does under uvicorn
    yield application
    await application.state.database.close()


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as http:
        yield http
