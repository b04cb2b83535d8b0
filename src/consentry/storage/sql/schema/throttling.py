"""Shared counters: failed sign-ins, failed client authentications, partner-API rate limits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
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
