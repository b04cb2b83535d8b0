"""Migration 0003 (security) upgrades and downgrades cleanly, keeping the other tables' rows.

↔ migrations/versions/0003_security.py
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from consentry.storage import migrate
from consentry.storage.sql.engine import sync_url

SECURITY_TABLES = {
    "revoked_access_tokens",
    "client_auth_failures",
    "audit_events",
    "audit_chain_head",
}


def inspect_schema(url: str) -> tuple[set[str], set[str]]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            columns = {c["name"] for c in inspector.get_columns("refresh_tokens")}
            return set(inspector.get_table_names()), columns
    finally:
        engine.dispose()


def execute(url: str, statement: str) -> None:
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


def test_0003_downgrades_and_upgrades_again(database_url: str) -> None:
    tables, columns = inspect_schema(database_url)
    assert SECURITY_TABLES <= tables and "successor" in columns
    execute(
        database_url, "INSERT INTO organizations (name, created_at) VALUES ('kept', '2027-01-01')"
    )

    migrate.downgrade(database_url, "0002")

    tables, columns = inspect_schema(database_url)
    assert not SECURITY_TABLES & tables and "successor" not in columns
    assert "login_failures" in tables  # 0002 (and the other branches) untouched

    migrate.upgrade(database_url)

    tables, columns = inspect_schema(database_url)
    assert SECURITY_TABLES <= tables and "successor" in columns
    execute(
        database_url,
        "INSERT INTO audit_events (seq, kind, occurred_at, detail, prev_hash, hash) "
        "VALUES (1, 'sign_in.failed', '2027-01-01', '{}', 'a', 'b')",
    )
    with pytest.raises(DBAPIError, match="append-only"):  # the triggers are back
        execute(database_url, "DELETE FROM audit_events")
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            kept = conn.scalar(text("SELECT count(*) FROM organizations WHERE name = 'kept'"))
            head = conn.execute(text("SELECT last_seq, last_hash FROM audit_chain_head")).one()
    finally:
        engine.dispose()
    assert kept == 1
    assert tuple(head) == (0, "0" * 64)
