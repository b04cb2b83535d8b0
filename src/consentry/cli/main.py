"""`consentry serve | migrate | seed-demo | keys … | audit …`: operate a node from the shell."""

from __future__ import annotations

import asyncio
import json
import secrets
from pathlib import Path
from typing import Annotated

import typer

from consentry.cli.audit import audit_app
from consentry.cli.keys import keys_app
from consentry.clock import SystemClock
from consentry.composition.derived import hasher_from
from consentry.demo.partner_data import seed_partner_data_once
from consentry.demo.seed import (
    CUSTOMER_EMAIL,
    DEMO_REDIRECT_URI,
    DEVELOPER_EMAIL,
    seed_demo,
)
from consentry.settings import Settings
from consentry.storage import migrate as migrations
from consentry.storage.sql.engine import create_engine, is_sqlite

LOG_CONFIG: dict[str, object] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO"},
        "consentry": {"handlers": ["stderr"], "level": "INFO"},
    },
}

app = typer.Typer(help="consentry: partner-API authorization server.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")


def _settings() -> Settings:
    return Settings()  # the secret comes from the environment or .env


def _ensure_sqlite_dir(url: str) -> None:
    if is_sqlite(url) and ":///" in url:
        path = url.split(":///", 1)[1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


@app.command()
def migrate() -> None:
    """Upgrade the database schema to the newest revision."""
    settings = _settings()
    _ensure_sqlite_dir(settings.database_url)
    migrations.upgrade(settings.database_url)
    typer.echo("database migrated")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Serve consentry with uvicorn."""
    import uvicorn

    _settings()  # fail fast on bad settings
    uvicorn.run(
        "consentry.composition.factory:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,
        server_header=False,  # do not advertise the server software
        log_level="info",
        access_log=False,  # full URLs carry state and handles: see consentry.web.access_log
        log_config=LOG_CONFIG,
    )


@app.command("seed-demo")
def seed_demo_command(
    config: Annotated[
        Path, typer.Option(help="Where to write the demo client's config (git-ignored).")
    ] = Path("demo_client/config.local.json"),
    credentials: Annotated[
        Path, typer.Option(help="Where to write the demo users' sign-in (git-ignored).")
    ] = Path("var/demo-credentials.json"),
) -> None:
    """Seed the demo customer, developer and app once; later runs change nothing."""
    settings = _settings()
    seeded = asyncio.run(_seed(settings, config, credentials))
    typer.echo("demo data seeded" if seeded else "demo data already present")


async def _seed(settings: Settings, config: Path, credentials: Path) -> bool:
    from consentry.demo.seed import demo_exists

    engine = create_engine(settings.database_url)
    try:
        async with engine.begin() as conn:
            if await demo_exists(conn):
                await seed_partner_data_once(conn, SystemClock().now())  # older seeds lack it
                return False
            customer_password = secrets.token_urlsafe(12)
            developer_password = secrets.token_urlsafe(12)
            demo = await seed_demo(
                conn,
                hasher_from(settings),
                SystemClock().now(),
                customer_password=customer_password,
                developer_password=developer_password,
            )
            await seed_partner_data_once(conn, SystemClock().now())
    finally:
        await engine.dispose()
    _write_private(
        config,
        {
            "consentry_url": settings.issuer,
            "client_id": demo.client_id,
            "client_secret": demo.client_secret,
            "redirect_uri": DEMO_REDIRECT_URI,
            "session_secret": secrets.token_urlsafe(32),
        },
    )
    _write_private(
        credentials,
        {
            "customer": {"email": CUSTOMER_EMAIL, "password": customer_password},
            "developer": {"email": DEVELOPER_EMAIL, "password": developer_password},
        },
    )
    return True


def _write_private(path: Path, content: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(json.dumps(content, indent=2) + "\n")


def main() -> None:
    app()
