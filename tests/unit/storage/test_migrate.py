"""Running the Alembic migrations programmatically: down to nothing and back up."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect

from consentry.storage import migrate
from consentry.storage.sql.engine import sync_url


def table_names(database_url: str) -> set[str]:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_config_points_at_the_migrations_and_escapes_percent_signs() -> None:
    config = migrate.alembic_config("postgresql://u:p%40ss@db/c")
    assert config.get_main_option("script_location") == str(migrate.MIGRATIONS)
    assert config.get_main_option("sqlalchemy.url") == "postgresql+psycopg://u:p%40ss@db/c"


def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    created = table_names(database_url)
    assert {"grants", "authorization_codes", "refresh_tokens", "signing_keys"} <= created
    migrate.downgrade(database_url, "base")
    assert table_names(database_url) == set()
    migrate.upgrade(database_url)
    assert table_names(database_url) == created
