"""The in-memory database: its tables, the key checks of the SQL schema, and its transactions.

A writing transaction holds the database's lock and works on a copy of the committed tables,
published on commit and dropped on rollback, so racing writers are serialised as SQLite's
`BEGIN IMMEDIATE` serialises them. A read-only transaction reads the committed tables without the
lock: writers replace that object on commit, never change it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import TypeVar

from consentry.core import model
from consentry.core.audit import StoredAuditEvent
from consentry.core.ports.keys import StoredSigningKey
from consentry.core.ports.sessions import WebSession
from consentry.core.ports.throttling import FailureWindow
from consentry.storage.errors import Conflict, NotFound

K = TypeVar("K")
V = TypeVar("V")


@dataclass(slots=True)
class Tables:
    """Every row, keyed like the SQL primary keys; values are immutable, so copying is cheap."""

    organizations: dict[int, str] = field(default_factory=dict)
    users: dict[int, model.User] = field(default_factory=dict)
    advertisers: dict[int, model.Advertiser] = field(default_factory=dict)
    portfolio: dict[tuple[int, int], model.Role] = field(default_factory=dict)
    apps: dict[int, model.App] = field(default_factory=dict)
    images: dict[int, tuple[bytes, str]] = field(default_factory=dict)
    credentials: dict[int, model.Credential] = field(default_factory=dict)
    redirect_uris: dict[int, frozenset[str]] = field(default_factory=dict)
    pending: dict[bytes, model.PendingAuthorization] = field(default_factory=dict)
    decided_at: dict[bytes, datetime] = field(default_factory=dict)
    grants: dict[str, model.Grant] = field(default_factory=dict)
    grant_last_used_at: dict[str, datetime] = field(default_factory=dict)
    advertiser_revoked_at: dict[tuple[str, int], datetime] = field(default_factory=dict)
    codes: dict[bytes, model.AuthorizationCode] = field(default_factory=dict)
    refresh_tokens: dict[bytes, model.RefreshToken] = field(default_factory=dict)
    signing_keys: dict[str, StoredSigningKey] = field(default_factory=dict)
    web_sessions: dict[bytes, WebSession] = field(default_factory=dict)
    revoked_tokens: dict[str, datetime] = field(default_factory=dict)
    auth_failures: dict[str, FailureWindow] = field(default_factory=dict)
    audit: dict[int, StoredAuditEvent] = field(default_factory=dict)

    def live_advertisers(self, grant: model.Grant) -> tuple[int, ...]:
        """The grant's advertisers not taken back (SQL: `grant_advertisers.revoked_at IS NULL`)."""
        revoked = self.advertiser_revoked_at
        return tuple(a for a in grant.advertiser_ids if (grant.id, a) not in revoked)

    def live_grant(self, grant_id: str) -> model.Grant | None:
        grant = self.grants.get(grant_id)
        if grant is None:
            return None
        return replace(grant, advertiser_ids=self.live_advertisers(grant))

    def last_used(self, grant_id: str) -> datetime | None:
        """When a token was last issued under the grant: its newest refresh token or the time
        noted on the grant (SQL: GREATEST of the two)."""
        times = [r.created_at for r in self.refresh_tokens.values() if r.grant_id == grant_id]
        noted = self.grant_last_used_at.get(grant_id)
        if noted is not None:
            times.append(noted)
        return max(times, default=None)

    def copy(self) -> Tables:
        clone = Tables()
        for column in fields(self):
            setattr(clone, column.name, dict(getattr(self, column.name)))
        return clone


def require(table: Mapping[K, object], key: K, what: str) -> None:
    """The foreign-key check: `NotFound` unless the referenced row exists."""
    if key not in table:
        raise NotFound(f"no {what} {key!r}")


def insert(table: dict[K, V], key: K, value: V, what: str) -> None:
    """The primary-key (or unique) check: `Conflict` when the key is taken, else store the row."""
    if key in table:
        raise Conflict(f"{what} {key!r} already exists")
    table[key] = value


class MemoryDatabase:
    """The committed tables and the lock that writing transactions take turns on."""

    def __init__(self) -> None:
        self.committed = Tables()
        self._lock = asyncio.Lock()

    async def begin(self, *, read_only: bool) -> Tables:
        """The tables the transaction works on: the committed ones to read, a copy to write."""
        if read_only:
            return self.committed
        await self._lock.acquire()
        return self.committed.copy()

    def end(self, tables: Tables, *, read_only: bool, commit: bool) -> None:
        """Publish a writer's tables on commit, drop them otherwise, and release the lock."""
        if read_only:
            return
        if commit:
            self.committed = tables
        self._lock.release()


class TableAccess:
    """The tables one unit of work sees; writable unless the unit of work is read-only."""

    def __init__(self, tables: Tables, *, read_only: bool) -> None:
        self._tables: Tables | None = tables
        self._read_only = read_only

    @property
    def tables(self) -> Tables:
        if self._tables is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._tables

    def write(self) -> Tables:
        if self._read_only:
            raise RuntimeError("write in a read-only unit of work")
        return self.tables

    def close(self) -> None:
        self._tables = None


class InMemoryRepository:
    """The base of every in-memory repository: bound to the tables of one unit of work."""

    def __init__(self, access: TableAccess) -> None:
        self._access = access
