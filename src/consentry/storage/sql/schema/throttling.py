"""Shared counters: failed sign-ins, failed client authentications, partner-API rate limits, and
the count of revocations that partner-API admissions watch."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from consentry.storage.sql.schema.base import Base, Timestamp


class LoginFailure(Base):
    """A failed sign-in, counted per account and per client address (both kept as keyed hashes)."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_hash: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    address_hash: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    failed_at: Mapped[datetime] = mapped_column(Timestamp, index=True)


class ClientAuthFailure(Base):
    """Failed client authentications of one client_id in the current throttling window."""

    __tablename__ = "client_auth_failures"
    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(Timestamp)
    failures: Mapped[int] = mapped_column(Integer)


class RateLimitCounter(Base):
    """Calls of one caller (an app, or one access token) in one fixed one-minute window."""

    __tablename__ = "rate_limit_counters"
    # Found by its key only; on SQLite the row lives in the primary-key b-tree (migration 0006).
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 - SQLAlchemy's table options
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    window_start: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class RevocationCount(Base):
    """One row: how many times something a partner-API admission depends on was taken away.

    Triggers (migration 0007) add one whenever a grant or one of its advertisers is revoked or
    deleted, an access token is revoked (RFC 7009), a credential pair or an advertiser is deleted,
    or an advertiser is renamed, in the transaction that does it. Each node reads it every half
    second and forgets the admissions it remembers when it moved (`storage/sql/admissions.py`).
    """

    __tablename__ = "revocation_count"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
