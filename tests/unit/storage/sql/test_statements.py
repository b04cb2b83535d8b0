"""Statements built from the schema (storage/sql/statements.py) as each dialect's text."""

from __future__ import annotations

from sqlalchemy import select

from consentry.storage.sql import schema
from consentry.storage.sql.statements import Dialect, Statement, among, parameter

advertisers = schema.table(schema.Advertiser)


def test_a_list_comparison_is_a_plain_condition_in_both_dialects() -> None:
    # On SQLite a `(…) = 1` around it would hide it from the primary key (a full scan).
    statement = Statement(
        select(advertisers.c.id).where(
            among(advertisers.c.id, "ids"),
            advertisers.c.name != parameter("name", advertisers.c.name),
        )
    )
    lite = statement.compiled(Dialect.SQLITE)
    assert lite.text.endswith(
        " WHERE advertisers.id IN (SELECT anon_1.value FROM json_each(:ids) AS anon_1)"
        " AND advertisers.name != :name"
    )
    postgresql = statement.compiled(Dialect.POSTGRESQL)
    assert postgresql.text.endswith(
        " WHERE advertisers.id = ANY ($1::INTEGER[]) AND advertisers.name != $2::VARCHAR"
    )
    assert postgresql.positions == ("ids", "name")
