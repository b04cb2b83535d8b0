"""Statements built from the schema with SQLAlchemy Core, compiled once per dialect, run on drivers.

Every repository writes its queries as SQLAlchemy Core expressions over the tables of
`storage/sql/schema/` (the one description of the schema): no SQL text, no string assembly. A
`Statement` compiles its expression the first time it runs on a dialect and keeps the text, so
a request pays a dictionary lookup, not a compilation. The text then runs straight on the
driver (stdlib `sqlite3`, asyncpg): SQLAlchemy's execution layer costs 40–700 µs per
statement here where the drivers need 6–80 µs (docs/performance.md), so only its compiler is
used on the hot path.

Values are passed by name (`await conn.fetch(CODE, code_hash=…)`): SQLite receives the mapping
as it is (named parameters), PostgreSQL the values in the order of `$1, $2, …` in the text.
Parameters with a value in the expression (a `LIMIT 500`) are filled in from `Compiled.defaults`.
Where the dialects need different SQL (PostgreSQL's `= ANY($1)` and writable CTEs, SQLite's
`json_each`), a statement is built by a function of the dialect, or uses the portable
constructs below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import ARRAY, Boolean, ColumnElement, Select, any_, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import asyncpg as postgresql_asyncpg
from sqlalchemy.engine import Dialect as SqlAlchemyDialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.types import TypeEngine


class Dialect(StrEnum):
    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"


# The dialects the statements are compiled for: asyncpg's renders `$n` (with casts where the
# type is known), SQLite's named `:name` parameters, which `sqlite3` takes from a mapping.
_COMPILERS: dict[Dialect, SqlAlchemyDialect] = {
    Dialect.POSTGRESQL: postgresql_asyncpg.dialect(),  # type: ignore[no-untyped-call]
    Dialect.SQLITE: sqlite.dialect(paramstyle="named"),
}

Build = ClauseElement | Callable[[Dialect], ClauseElement]


@dataclass(frozen=True, slots=True)
class Compiled:
    """One statement's text for one dialect, and how to pass it values."""

    text: str
    positions: tuple[str, ...]  # PostgreSQL: the name behind `$1`, `$2`, …; SQLite: empty
    defaults: Mapping[str, object]  # values written into the expression (e.g. a LIMIT)
    writes: bool  # running it needs the write transaction
    standalone: bool  # see `Statement`
    table: str | None = None  # the table an INSERT, UPDATE or DELETE changes

    def arguments(self, values: Mapping[str, object]) -> tuple[object, ...]:
        """PostgreSQL's positional arguments for named values."""
        if self.defaults:
            values = {**self.defaults, **values}
        return tuple(values[name] for name in self.positions)

    def named(self, values: Mapping[str, object]) -> Mapping[str, object]:
        """SQLite's named arguments, the expression's own values included."""
        return {**self.defaults, **values} if self.defaults else values


class Statement:
    """A SQLAlchemy Core statement, compiled once per dialect on first use.

    `writes`: whether it needs the write transaction; by default an INSERT, UPDATE or DELETE,
    or a SELECT … FOR UPDATE, does. `standalone`: a write that is atomic by itself; in a unit
    of work opened with `standalone_writes`, with no transaction open yet, PostgreSQL runs it
    alone (it commits on its own) instead of opening the transaction: two round trips fewer.
    Units of work that ask for it promise that this is their last write.
    """

    __slots__ = ("_build", "_compiled", "_writes", "standalone")

    def __init__(
        self, build: Build, *, writes: bool | None = None, standalone: bool = False
    ) -> None:
        self._build = build
        self._writes = writes
        self.standalone = standalone
        self._compiled: dict[Dialect, Compiled] = {}

    def compiled(self, dialect: Dialect) -> Compiled:
        found = self._compiled.get(dialect)
        if found is None:
            found = self._compiled[dialect] = self._compile(dialect)
        return found

    def _compile(self, dialect: Dialect) -> Compiled:
        build = self._build
        expression = build if isinstance(build, ClauseElement) else build(dialect)
        compiled = cast(SQLCompiler, expression.compile(dialect=_COMPILERS[dialect]))
        text = " ".join(compiled.string.split())
        positions = tuple(compiled.positiontup or ()) if dialect is Dialect.POSTGRESQL else ()
        defaults = {name: value for name, value in compiled.params.items() if value is not None}
        writes = self._writes
        if writes is None:
            # A locking read takes the write lock in both dialects (SQLite prints no FOR UPDATE).
            locks = isinstance(expression, Select) and expression._for_update_arg is not None
            writes = isinstance(expression, UpdateBase) or locks
        changed = expression.table if isinstance(expression, UpdateBase) else None
        table = getattr(changed, "name", None)
        return Compiled(text, positions, defaults, writes, self.standalone, table)


def parameter(name: str, like: ColumnElement[Any] | TypeEngine[Any]) -> Any:
    """A named value typed as a column (PostgreSQL's text casts it: `$1::BYTEA`)."""
    kind = like if isinstance(like, TypeEngine) else like.type
    return bindparam(name, type_=kind)


class AmongValues(ColumnElement[bool]):
    """`column` is one of the list passed as parameter `name`.

    PostgreSQL: `column = ANY($n)` with an array; SQLite: `column IN (SELECT value FROM
    json_each(:name))`, the SQLite driver passing lists as JSON text. It is a condition by itself
    (as a comparison is): SQLite, which has no boolean type, would otherwise get `(…) = 1` in a
    WHERE, and that hides the comparison from its index (a full scan instead of a search).
    """

    inherit_cache = False
    type = Boolean()
    # A condition in itself: in a WHERE it is written as it is, not as `(…) = 1` (SQLite has no
    # boolean type), which would keep SQLite from searching an index of `column`.
    _is_implicitly_boolean = True

    def __init__(self, column: ColumnElement[Any], name: str, item_type: TypeEngine[Any]) -> None:
        self.column = column
        self.values = bindparam(name, type_=ARRAY(item_type))


def among(column: ColumnElement[Any], name: str) -> AmongValues:
    """`column` is one of the values of the list parameter `name` (see `AmongValues`)."""
    return AmongValues(column, name, column.type)


@compiles(AmongValues, "postgresql")
def _among_postgresql(element: AmongValues, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column == any_(element.values), **kw)


@compiles(AmongValues, "sqlite")
def _among_sqlite(element: AmongValues, compiler: SQLCompiler, **kw: Any) -> str:
    listed = func.json_each(element.values).table_valued("value")
    return compiler.process(element.column.in_(select(listed.c.value)), **kw)


def insert_for(dialect: Dialect) -> Callable[..., Any]:
    """The dialect's INSERT construct (with `on_conflict_do_update` / `_do_nothing`)."""
    return postgresql.insert if dialect is Dialect.POSTGRESQL else sqlite.insert
