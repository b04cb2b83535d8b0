"""The SQL repository of fixed-window rate-limit counters, shared by every node, and call admission.

A partner-API call is admitted by one atomic statement: `INSERT … SELECT … WHERE <the grant and
the token are live> ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count, <the still
granted advertisers with their names>`. It counts the call only when the grant (or the
client-credentials pair) and the access token are live, so a revoked token cannot spend anyone's
budget, and it answers the grant check and the count in one round trip (on PostgreSQL a
writable CTE, on SQLite a `RETURNING` with a subquery). `purge` deletes old windows (a scan of
the small table: it has no window index, see migration 0006) with `FOR UPDATE SKIP LOCKED` on
PostgreSQL, so two nodes purging at once never wait on (or deadlock with) each other.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    ClauseElement,
    ColumnElement,
    Delete,
    ScalarSelect,
    and_,
    delete,
    func,
    literal_column,
    select,
    tuple_,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from consentry.core.model import Advertiser
from consentry.core.ports.partner import Admission
from consentry.storage.sql import schema
from consentry.storage.sql.admissions import AdmissionMemory
from consentry.storage.sql.connection import Connection, Row
from consentry.storage.sql.repositories.grant_rows import grant_advertisers, grants, still_granted
from consentry.storage.sql.repositories.token_state import APP_LEVEL_GRANT, token_not_revoked
from consentry.storage.sql.statements import Dialect, Statement, insert_for, parameter

_PURGE_BATCH = 500
counters = schema.table(schema.RateLimitCounter)
advertisers = schema.table(schema.Advertiser)
credentials = schema.table(schema.Credential)
revocations = schema.table(schema.RevocationCount)

_GRANT_ID = parameter("grant_id", grants.c.id)
_CLIENT_ID = parameter("client_id", credentials.c.client_id)
_GRANT_LIVE = and_(
    select(literal_column("1"))
    .where(grants.c.id == _GRANT_ID, grants.c.revoked_at.is_(None))
    .exists(),
    token_not_revoked(),
)
_APP_LIVE = and_(
    select(literal_column("1")).where(credentials.c.client_id == _CLIENT_ID).exists(),
    token_not_revoked(),
)
_WITH_NAMES = grant_advertisers.join(
    advertisers, advertisers.c.id == grant_advertisers.c.advertiser_id
)
_NamesOf = Callable[[Dialect], ScalarSelect[Any]]


def _pairs(dialect: Dialect) -> ColumnElement[Any]:
    """The (advertiser id, name) pairs of the selected rows, as one JSON array."""
    if dialect is Dialect.POSTGRESQL:
        return func.json_agg(func.json_build_array(advertisers.c.id, advertisers.c.name))
    return func.json_group_array(func.json_array(advertisers.c.id, advertisers.c.name))


def _grant_names(dialect: Dialect) -> ScalarSelect[Any]:
    """The advertisers still granted under the grant `grant_id`."""
    return (
        select(_pairs(dialect))
        .select_from(_WITH_NAMES)
        .where(grant_advertisers.c.grant_id == _GRANT_ID, grant_advertisers.c.revoked_at.is_(None))
        .scalar_subquery()
    )


def _app_names(dialect: Dialect) -> ScalarSelect[Any]:
    """The advertisers still granted under the app-level grants of the pair `client_id`."""
    granted = credentials.join(grants, APP_LEVEL_GRANT).join(
        grant_advertisers, still_granted(grants)
    )
    return (
        select(_pairs(dialect))
        .select_from(
            granted.join(advertisers, advertisers.c.id == grant_advertisers.c.advertiser_id)
        )
        .where(credentials.c.client_id == _CLIENT_ID)
        .scalar_subquery()
    )


class _QualifiedInReturning(ColumnElement[Any]):
    """A scalar subquery in SQLite's RETURNING clause whose columns keep their tables' names.

    SQLAlchemy's SQLite compiler writes RETURNING columns without their table, and that reaches
    into subqueries too, where `id = advertiser_id` would be ambiguous (or `app_id = app_id`
    always true).
    """

    inherit_cache = False

    def __init__(self, subquery: ScalarSelect[Any]) -> None:
        self.subquery = subquery
        self.type = subquery.type


@compiles(_QualifiedInReturning)
def _qualified_in_returning(
    element: _QualifiedInReturning, compiler: SQLCompiler, **kw: Any
) -> str:
    kw.pop("include_table", None)
    return compiler.process(element.subquery, **kw)


def _admission(live: ColumnElement[bool], names_of: _NamesOf) -> Statement:
    """Take `numbers` numbers in window `window_start` of `key` if `live` holds; answer the
    count after them and the advertisers `names_of` selects, or no row when nothing was taken."""

    def build(dialect: Dialect) -> ClauseElement:
        numbers = parameter("numbers", counters.c.count)
        counted = select(
            parameter("key", counters.c.key),
            parameter("window_start", counters.c.window_start),
            numbers,
        ).where(live)
        hit = (
            insert_for(dialect)(counters)
            .from_select(["key", "window_start", "count"], counted)
            .on_conflict_do_update(
                index_elements=[counters.c.key, counters.c.window_start],
                set_={"count": counters.c.count + numbers},
            )
        )
        names = names_of(dialect)
        if dialect is Dialect.POSTGRESQL:
            counted_hit = hit.returning(counters.c.count).cte("hit")
            return select(counted_hit.c.count, names.label("advertisers")).select_from(counted_hit)
        returned = _QualifiedInReturning(names).label("advertisers")
        result: ClauseElement = hit.returning(counters.c.count, returned)
        return result

    # On PostgreSQL a SELECT over a writable CTE: a write all the same.
    return Statement(build, writes=True)


_ADMIT_GRANT = _admission(_GRANT_LIVE, _grant_names)
_ADMIT_APP = _admission(_APP_LIVE, _app_names)


def _purge(dialect: Dialect) -> Delete:
    """Delete up to `_PURGE_BATCH` windows that started before `before`."""
    old = (
        select(counters.c.key, counters.c.window_start)
        .where(counters.c.window_start < parameter("before", counters.c.window_start))
        .limit(_PURGE_BATCH)
        .correlate(None)
    )
    if dialect is Dialect.POSTGRESQL:
        old = old.with_for_update(skip_locked=True)
    return delete(counters).where(tuple_(counters.c.key, counters.c.window_start).in_(old))


_PURGE = Statement(_purge)
_REVOCATIONS = Statement(select(revocations.c.value).where(revocations.c.id == literal_column("1")))


def _from_row(row: Row | None) -> Admission | None:
    if row is None:
        return None  # nothing counted: the grant, the pair or the token is not live
    pairs = json.loads(row[1]) if row[1] is not None else []  # PostgreSQL: NULL for no rows
    unique = {int(advertiser_id): str(name) for advertiser_id, name in pairs}
    return Admission(
        count=int(row[0]),
        advertisers=tuple(Advertiser(a, name) for a, name in unique.items()),
    )


class SqlRateLimitRepository:
    """Admissions through the node's `AdmissionMemory` when given one (else a statement each)."""

    def __init__(self, conn: Connection, memory: AdmissionMemory | None = None) -> None:
        self._conn = conn
        self._memory = memory

    async def admit_grant(
        self, key: str, window_start: int, grant_id: str, token_id: str, limit: int
    ) -> Admission | None:
        return await self._admit(
            _ADMIT_GRANT, key, window_start, token_id, limit, grant_id=grant_id
        )

    async def admit_app(
        self, key: str, window_start: int, client_id: str, token_id: str, limit: int
    ) -> Admission | None:
        return await self._admit(
            _ADMIT_APP, key, window_start, token_id, limit, client_id=client_id
        )

    async def _admit(
        self,
        statement: Statement,
        key: str,
        window_start: int,
        token_id: str,
        limit: int,
        **live: str,
    ) -> Admission | None:
        memory = self._memory
        if memory is None or self._conn.writing:
            row = await self._conn.fetchrow(
                statement, key=key, window_start=window_start, token_id=token_id, numbers=1, **live
            )
            return _from_row(row)
        if memory.poll_due():
            memory.polled(int(await self._conn.fetchval(_REVOCATIONS)))
        known = memory.admit(key, window_start, token_id, limit)
        if known is not None:
            return known
        size = memory.lease_size(key, window_start, limit)
        seen = memory.forgotten
        row = await self._conn.fetchrow(
            statement, key=key, window_start=window_start, token_id=token_id, numbers=size, **live
        )
        admission = _from_row(row)
        if admission is None:
            return None
        return memory.leased(key, window_start, token_id, limit, size, admission, seen)

    async def purge(self, before: int) -> None:
        await self._conn.execute(_PURGE, before=before)
