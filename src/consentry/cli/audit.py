"""`consentry audit verify | list`: check the hash chain, and show events (administrators)."""

from __future__ import annotations

import asyncio
import json

import typer

from consentry.cli.keys import in_transaction
from consentry.core.audit import BrokenLink, StoredAuditEvent
from consentry.core.audit_trail import all_events, events_for_app, verify_chain
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.settings import Settings

audit_app = typer.Typer(help="Read and verify the audit trail.", no_args_is_help=True)


async def verify(settings: Settings) -> tuple[int, BrokenLink | None, str]:
    """(events checked, first broken link, head hash to note down as an external anchor)."""

    async def work(uow: UnitOfWork) -> tuple[int, BrokenLink | None, str]:
        checked, broken = await verify_chain(uow)
        _, head_hash = await uow.audit.head()
        return checked, broken, head_hash

    return await in_transaction(settings, work)


async def events(settings: Settings, app_id: int | None, limit: int) -> list[StoredAuditEvent]:
    if app_id is None:
        return await in_transaction(settings, lambda uow: all_events(uow, limit=limit))
    return await in_transaction(settings, lambda uow: events_for_app(uow, app_id, limit=limit))


def describe(stored: StoredAuditEvent) -> str:
    event = stored.event
    fields = {
        "app_id": event.app_id,
        "user_id": event.user_id,
        "client_id": event.client_id,
        "grant_id": event.grant_id,
        **dict(event.detail),
    }
    shown = json.dumps({k: v for k, v in fields.items() if v is not None}, sort_keys=True)
    return f"{stored.seq:>6}  {event.occurred_at.isoformat()}  {event.kind.value:<22} {shown}"


@audit_app.command("verify")
def verify_command() -> None:
    """Walk the chain; exit 1 and name the first broken link if any event was tampered with."""
    checked, broken, head_hash = asyncio.run(verify(Settings()))
    if broken is not None:
        typer.echo(f"BROKEN at event {broken.seq}: {broken.reason} ({checked} verified before)")
        raise typer.Exit(code=1)
    typer.echo(f"audit chain intact: {checked} events verified; head {head_hash}")


@audit_app.command("list")
def list_command(
    app_id: int | None = typer.Option(None, help="Only this app's events."),
    limit: int = typer.Option(50, min=1, max=10_000, help="How many, newest first."),
) -> None:
    """Show the newest events (all apps, or one)."""
    for stored in asyncio.run(events(Settings(), app_id, limit)):
        typer.echo(describe(stored))
