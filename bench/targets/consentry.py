"""consentry under test: migrated and seeded database, one pinned uvicorn worker, pools minted
through its own code (bench/consentry_data.py) in this process."""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from pathlib import Path

import asyncpg
import sqlalchemy
import uvicorn

import consentry
from bench.consentry_data import Minter, World, migrate_database, seed, settings_for
from bench.processes import Supervisor, free_port, wait_for_port
from bench.scenarios import API_PATH, PARTNER_API, TOKEN_SCENARIOS, Client, Pool, Scenario
from bench.targets.base import CODE_TTL_SECONDS, child_environment, uvicorn_argv, write_lines

REPO = Path(__file__).resolve().parents[2]


class ConsentryTarget:
    scenarios: tuple[Scenario, ...] = (*TOKEN_SCENARIOS, PARTNER_API)
    expected_rps = 3_000

    def __init__(
        self,
        backend: str,
        database_url: str,
        work_dir: Path,
        database_note: str = "",
        *,
        workers: int = 1,
    ) -> None:
        self.workers = workers  # may change between runs (bench/scaling.py)
        self.title = f"consentry on {'SQLite (WAL)' if backend == 'sqlite' else 'PostgreSQL'}"
        self._backend = backend
        self._database_note = database_note
        self._work_dir = work_dir
        self._port = free_port()
        self._settings = settings_for(
            database_url, secrets.token_urlsafe(48), self.base_url, CODE_TTL_SECONDS
        )
        self._world: World | None = None
        self.pid = 0

    @property
    def name(self) -> str:
        suffix = f"-{self.workers}-workers" if self.workers > 1 else ""
        return f"consentry-{self._backend}{suffix}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def database_url(self) -> str:
        return self._settings.database_url

    @property
    def world(self) -> World:
        if self._world is None:
            raise RuntimeError("start() first")
        return self._world

    def prepare(self, supervisor: Supervisor) -> None:
        self._work_dir.mkdir(parents=True, exist_ok=True)
        migrate_database(self._settings)
        self._world = asyncio.run(seed(self._settings))

    def start(
        self,
        supervisor: Supervisor,
        *,
        app: str = "consentry.composition.factory:app_from_environment",
        extra: dict[str, str] | None = None,
    ) -> None:
        """A fresh server process; `app` and `extra` environment for the profiler."""
        env = child_environment(
            {
                **(extra or {}),
                "PYTHONPATH": str(REPO),
                "CONSENTRY_DATABASE_URL": self._settings.database_url,
                "CONSENTRY_SECRET_KEY": self._settings.secret_key.get_secret_value(),
                "CONSENTRY_ISSUER": self.base_url,
                "CONSENTRY_ENVIRONMENT": "development",  # production refuses an http issuer
                "CONSENTRY_AUTHORIZATION_CODE_TTL_SECONDS": str(CODE_TTL_SECONDS),
            }
        )
        # The working directory has no .env: only the variables above configure the server.
        child = supervisor.start(
            self.name,
            uvicorn_argv(app, self._port, workers=self.workers),
            env=env,
            cwd=self._work_dir,
        )
        wait_for_port(child, self._port)
        self.pid = child.process.pid

    def client(self, scenario: Scenario) -> Client:
        world = self.world
        if scenario.name == "client_credentials":
            return Client(world.cc_client_id, world.cc_client_secret, world.redirect_uri)
        return Client(world.client_id, world.client_secret, world.redirect_uri)

    def path(self, scenario: Scenario) -> str:
        return API_PATH if scenario is PARTNER_API else "/oauth2/token"

    def mint(self, pool: Pool, count: int, into: Path) -> None:
        write_lines(into, asyncio.run(self._mint(pool, count)))

    async def _mint(self, pool: Pool, count: int) -> list[str]:
        async with Minter(self._settings, self.world) as minter:
            if pool is Pool.CODES:
                return await minter.codes(count)
            refresh, access = await minter.token_pairs(count)
            return access if pool is Pool.ACCESS else refresh

    def describe(self) -> dict[str, str]:
        return {
            "server": f"consentry {consentry.__version__}, uvicorn {uvicorn.__version__}, "
            "uvloop, httptools, 1 worker",
            "database": self._database_description(),
            "queries": "consentry's query layer on the driver (stdlib sqlite3, asyncpg "
            f"{asyncpg.__version__}); schema and migrations SQLAlchemy {sqlalchemy.__version__}",
            "authorization_code_ttl_seconds": str(CODE_TTL_SECONDS),
        }

    def _database_description(self) -> str:
        if self._backend == "sqlite":
            return f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL), file on disk"
        return (
            f"PostgreSQL {self._database_note} (fsync=on, synchronous_commit=on, "
            "full_page_writes=on) via asyncpg, pinned to the load generator's core"
        )
