"""Retail Media data served by the partner API (migration 0004); money in integer cents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from consentry.storage.sql.schema.base import Base, Timestamp


class RetailAccount(Base):
    __tablename__ = "rm_accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advertiser_id: Mapped[int] = mapped_column(
        ForeignKey("advertisers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(510))
    type: Mapped[str] = mapped_column(String(16))
    subtype: Mapped[str] = mapped_column(String(16))
    countries: Mapped[list[str]] = mapped_column(JSON)
    currency: Mapped[str] = mapped_column(String(3))
    parent_account_label: Mapped[str] = mapped_column(String(510))
    time_zone: Mapped[str] = mapped_column(String(64))
    company_name: Mapped[str | None] = mapped_column(String(200))


class RetailCampaign(Base):
    __tablename__ = "rm_campaigns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("rm_accounts.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    is_auto_daily_pacing: Mapped[bool] = mapped_column(Boolean)
    click_attribution_window: Mapped[str] = mapped_column(String(8))
    view_attribution_window: Mapped[str] = mapped_column(String(8))
    click_attribution_scope: Mapped[str | None] = mapped_column(String(32))
    view_attribution_scope: Mapped[str | None] = mapped_column(String(32))
    budget_cents: Mapped[int | None] = mapped_column(Integer)
    budget_spent_cents: Mapped[int] = mapped_column(Integer)
    daily_pacing_cents: Mapped[int | None] = mapped_column(Integer)
    monthly_pacing_cents: Mapped[int | None] = mapped_column(Integer)
    start_at: Mapped[datetime | None] = mapped_column(Timestamp)
    end_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
