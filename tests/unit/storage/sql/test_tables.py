"""The schema's timestamp type: aware UTC datetimes in and out, on SQLite as on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from consentry.storage.sql.schema import NAMING_CONVENTION, Base, UtcDateTime

PARIS = timezone(timedelta(hours=1))
NOON_UTC = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
SQLITE: Dialect = sqlite.dialect()
POSTGRESQL: Dialect = postgresql.dialect()  # type: ignore[no-untyped-call]


@pytest.mark.parametrize(
    ("dialect", "value", "stored"),
    [
        pytest.param(SQLITE, None, None, id="none"),
        pytest.param(SQLITE, NOON_UTC, NOON_UTC.replace(tzinfo=None), id="sqlite-naive-utc"),
        pytest.param(
            SQLITE,
            NOON_UTC.astimezone(PARIS),
            NOON_UTC.replace(tzinfo=None),
            id="sqlite-other-zone",
        ),
        pytest.param(POSTGRESQL, NOON_UTC.astimezone(PARIS), NOON_UTC, id="postgresql-aware-utc"),
    ],
)
def test_bind_stores_utc(dialect: Dialect, value: datetime | None, stored: datetime | None) -> None:
    result = UtcDateTime().process_bind_param(value, dialect)
    assert result == stored
    if result is not None:
        assert result.tzinfo == stored.tzinfo  # type: ignore[union-attr]


def test_naive_datetimes_are_not_stored() -> None:
    with pytest.raises(ValueError, match="naive"):
        UtcDateTime().process_bind_param(datetime(2027, 1, 15, 12, 0), SQLITE)


@pytest.mark.parametrize(
    ("dialect", "value"),
    [
        pytest.param(SQLITE, NOON_UTC.replace(tzinfo=None), id="naive-read-as-utc"),
        pytest.param(POSTGRESQL, NOON_UTC.astimezone(PARIS), id="aware-converted-to-utc"),
    ],
)
def test_result_is_aware_utc(dialect: Dialect, value: datetime) -> None:
    result = UtcDateTime().process_result_value(value, dialect)
    assert result == NOON_UTC and result.tzinfo is UTC


def test_result_none_stays_none() -> None:
    assert UtcDateTime().process_result_value(None, SQLITE) is None


def test_constraints_are_named_deterministically() -> None:
    assert Base.metadata.naming_convention == NAMING_CONVENTION
    credentials = Base.metadata.tables["credentials"]
    assert credentials.primary_key.name == "pk_credentials"
