"""`statements.among`: a list parameter compared as a condition in itself, on both dialects."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

from consentry.storage.sql import schema
from consentry.storage.sql.statements import Dialect, Statement, among

grant_advertisers = schema.table(schema.GrantAdvertiser)
_ADVERTISERS_OF = Statement(
    select(grant_advertisers.c.advertiser_id)
    .where(
        among(grant_advertisers.c.grant_id, "grant_ids"), grant_advertisers.c.revoked_at.is_(None)
    )
    .order_by(grant_advertisers.c.advertiser_id)
)


@pytest.fixture
def raw() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    for table in schema.Base.metadata.sorted_tables:
        connection.execute(str(CreateTable(table).compile(dialect=sqlite.dialect())))
        for index in table.indexes:
            connection.execute(str(CreateIndex(index).compile(dialect=sqlite.dialect())))
    yield connection
    connection.close()


def test_postgresql_compares_with_any_of_an_array() -> None:
    compiled = _ADVERTISERS_OF.compiled(Dialect.POSTGRESQL)
    assert "grant_advertisers.grant_id = ANY ($1::VARCHAR(32)[])" in compiled.text
    assert compiled.positions == ("grant_ids",)


def test_sqlite_finds_the_listed_rows(raw: sqlite3.Connection) -> None:
    raw.execute("PRAGMA foreign_keys=OFF")
    raw.executemany(
        "INSERT INTO grant_advertisers (grant_id, advertiser_id) VALUES (?, ?)",
        [("a", 1), ("a", 2), ("b", 3), ("c", 4)],
    )
    text = _ADVERTISERS_OF.compiled(Dialect.SQLITE).text
    rows = raw.execute(text, {"grant_ids": json.dumps(["a", "c"])}).fetchall()
    assert [row[0] for row in rows] == [1, 2, 4]


def test_sqlite_searches_the_index_of_the_column(raw: sqlite3.Connection) -> None:
    text = _ADVERTISERS_OF.compiled(Dialect.SQLITE).text
    plan = raw.execute(f"EXPLAIN QUERY PLAN {text}", {"grant_ids": "[]"}).fetchall()
    steps = [str(step[-1]) for step in plan]
    assert any(step.startswith("SEARCH grant_advertisers") for step in steps), steps
    assert not any(step.startswith("SCAN grant_advertisers") for step in steps), steps
