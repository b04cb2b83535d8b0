"""Using up a one-time row (an authorization code or a refresh token), as SQL's conditional
UPDATE does."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from consentry.core import model

OneTime = TypeVar("OneTime", model.AuthorizationCode, model.RefreshToken)


def consume(
    table: dict[bytes, OneTime], key: bytes, credential_id: int, now: datetime
) -> OneTime | None:
    """Mark the row used, only if it is unused, issued to this credential and not yet expired."""
    row = table.get(key)
    if row is None or row.used_at is not None or row.credential_id != credential_id:
        return None
    if row.expires_at <= now:
        return None
    table[key] = used = replace(row, used_at=now)
    return used
