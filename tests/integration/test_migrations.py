"""Alembic migrations: upgrade head → downgrade base → upgrade head on a fresh database.

Runs on the suite's backend: a temporary SQLite file, or a new database on the throwaway PostgreSQL.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from consentry.storage import migrate
from consentry.storage.sql.engine import sync_url
from consentry.storage.sql.schema import Base
from tests.support.postgres import PostgresServer

_counter = itertools.count()


@pytest.fixture
def fresh_database_url(postgres_server: PostgresServer | None, tmp_path: Path) -> Iterator[str]:
    """An empty database: no tables, no alembic_version."""
    if postgres_server is not None:
        name = f"consentry_migrations_{os.getpid()}_{next(_counter)}"
        postgres_server.create_database(name)
        yield postgres_server.url(name)
    else:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"


def table_names(url: str) -> set[str]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def schema_differences(url: str) -> list[object]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_round_trip(fresh_database_url: str) -> None:
    model_tables = set(Base.metadata.tables)

    migrate.upgrade(fresh_database_url)
    assert table_names(fresh_database_url) == model_tables | {"alembic_version"}

    migrate.downgrade(fresh_database_url, "base")
    assert table_names(fresh_database_url) <= {"alembic_version"}

    migrate.upgrade(fresh_database_url)
    assert table_names(fresh_database_url) == model_tables | {"alembic_version"}


def test_migrated_schema_matches_the_models(fresh_database_url: str) -> None:
    migrate.upgrade(fresh_database_url)
    assert schema_differences(fresh_database_url) == []


def test_upgrading_twice_is_a_no_op(fresh_database_url: str) -> None:
    migrate.upgrade(fresh_database_url)
    migrate.upgrade(fresh_database_url)
    assert table_names(fresh_database_url) == set(Base.metadata.tables) | {"alembic_version"}
