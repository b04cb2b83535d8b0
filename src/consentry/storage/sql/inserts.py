"""The one INSERT helper of the SQL repositories: a duplicate key becomes `Conflict`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from consentry.storage.errors import Conflict


async def insert_row(conn: AsyncConnection, statement: Any, rows: Any = None) -> None:
    """Run an INSERT; a duplicate key becomes the storage word for it, `Conflict`."""
    try:
        await conn.execute(statement, rows)
    except IntegrityError as exc:
        raise Conflict("duplicate key") from exc
