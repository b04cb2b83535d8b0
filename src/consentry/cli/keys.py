"""`consentry keys rotate | retire-expired | list`: the JWT signing keys, from the shell.

The commands call the same functions the server does (`keys.rotation`); the audit trail records
each rotation and retirement.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer

from consentry.clock import Clock, SystemClock
from consentry.composition.derived import policy_from, sealer_from
from consentry.core.ports.keys import StoredSigningKey
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.keys.rotation import retire_after, retire_expired, rotate
from consentry.settings import Settings
from consentry.storage.sql.database import open_database
from consentry.storage.sql.unit_of_work import SqlUnitOfWork

T = TypeVar("T")
keys_app = typer.Typer(help="Manage the JWT signing keys.", no_args_is_help=True)


async def in_transaction(settings: Settings, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Run `work` in one unit of work on a short-lived connection pool."""
    database = open_database(settings.database_url)
    try:
        async with SqlUnitOfWork(database) as uow:
            return await work(uow)
    finally:
        await database.close()


async def rotate_key(settings: Settings, clock: Clock) -> str:
    """Add a key that signs from now on (every node within the key-ring cache TTL)."""
    policy = policy_from(settings)
    delay = retire_after(policy.access_token_ttl, policy.access_token_leeway)
    return await in_transaction(
        settings, lambda uow: rotate(uow, sealer_from(settings), clock, delay=delay)
    )


async def retire_keys(settings: Settings, clock: Clock) -> list[str]:
    """Retire every key whose tokens have all expired."""
    policy = policy_from(settings)
    delay = retire_after(policy.access_token_ttl, policy.access_token_leeway)
    return await in_transaction(settings, lambda uow: retire_expired(uow, clock, delay=delay))


async def list_keys(settings: Settings) -> list[StoredSigningKey]:
    async def work(uow: UnitOfWork) -> list[StoredSigningKey]:
        return await uow.signing_keys.list()

    return await in_transaction(settings, work)


@keys_app.command("rotate")
def rotate_command() -> None:
    """Create a new signing key; the old one verifies until its tokens expire."""
    kid = asyncio.run(rotate_key(Settings(), SystemClock()))
    typer.echo(f"new signing key {kid}")


@keys_app.command("retire-expired")
def retire_command() -> None:
    """Retire the keys whose access tokens have all expired (also done on rotate and startup)."""
    retired = asyncio.run(retire_keys(Settings(), SystemClock()))
    typer.echo("retired: " + (", ".join(retired) if retired else "none"))


@keys_app.command("list")
def list_command() -> None:
    """Show every key, the one that signs, and the retired ones."""
    stored = asyncio.run(list_keys(Settings()))
    live = [k for k in stored if k.retired_at is None]
    for key in stored:
        state = "retired " + key.retired_at.isoformat() if key.retired_at else "verifies"
        if live and key.kid == live[-1].kid:
            state = "signs"
        typer.echo(f"{key.kid}  {key.algorithm}  created {key.created_at.isoformat()}  {state}")
