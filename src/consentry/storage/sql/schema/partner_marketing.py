"""Marketing Solutions data served by the partner API (migration 0004); money in integer cents."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from consentry.storage.sql.schema.base import Base, Timestamp


class MarketingDataset(Base):
    __tablename__ = "ms_datasets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advertiser_id: Mapped[int] = mapped_column(
        ForeignKey("advertisers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))


class MarketingCampaign(Base):
    __tablename__ = "ms_campaigns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advertiser_id: Mapped[int] = mapped_column(
        ForeignKey("advertisers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    goal: Mapped[str] = mapped_column(String(32))
    spend_limit_type: Mapped[str] = mapped_column(String(32))
    spend_limit_renewal: Mapped[str] = mapped_column(String(32))
    spend_limit_cents: Mapped[int | None] = mapped_column(Integer)


class MarketingAdSet(Base):
    __tablename__ = "ms_ad_sets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("ms_campaigns.id", ondelete="CASCADE"), index=True
    )
    advertiser_id: Mapped[int] = mapped_column(
        ForeignKey("advertisers.id", ondelete="CASCADE"), index=True
    )
    dataset_id: Mapped[int] = mapped_column(ForeignKey("ms_datasets.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    objective: Mapped[str] = mapped_column(String(32))
    media_type: Mapped[str] = mapped_column(String(16))
    cost_controller: Mapped[str] = mapped_column(String(32))
    bid_cents: Mapped[int | None] = mapped_column(Integer)
    budget_cents: Mapped[int | None] = mapped_column(Integer)
    budget_renewal: Mapped[str] = mapped_column(String(32))
    budget_strategy: Mapped[str] = mapped_column(String(32))
    activation_status: Mapped[str] = mapped_column(String(16))
    start_at: Mapped[datetime | None] = mapped_column(Timestamp)
    end_at: Mapped[datetime | None] = mapped_column(Timestamp)


class MarketingAudience(Base):
    __tablename__ = "ms_audiences"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advertiser_id: Mapped[int] = mapped_column(
        ForeignKey("advertisers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    algebra: Mapped[dict[str, object] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class MarketingCreative(Base):
    __tablename__ = "ms_creatives"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    advertiser_id: Mapped[int] = mapped_column(
        ForeignKey("advertisers.id", ondelete="CASCADE"), index=True
    )
    dataset_id: Mapped[int] = mapped_column(ForeignKey("ms_datasets.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32))
    format: Mapped[str] = mapped_column(String(32))
    landing_page_url: Mapped[str] = mapped_column(String(2000))
    image_urls: Mapped[list[str]] = mapped_column(JSON)


class MarketingProductSet(Base):
    __tablename__ = "ms_product_sets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("ms_datasets.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32))
    number_of_products: Mapped[int] = mapped_column(Integer)
    rules: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class MarketingDailyStat(Base):
    """One ad set on one day (UTC)."""

    __tablename__ = "ms_daily_stats"
    ad_set_id: Mapped[int] = mapped_column(
        ForeignKey("ms_ad_sets.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    advertiser_id: Mapped[int] = mapped_column(
        ForeignKey("advertisers.id", ondelete="CASCADE"), index=True
    )
    displays: Mapped[int] = mapped_column(Integer)
    clicks: Mapped[int] = mapped_column(Integer)
    cost_cents: Mapped[int] = mapped_column(Integer)
    sales: Mapped[int] = mapped_column(Integer)
    revenue_cents: Mapped[int] = mapped_column(Integer)
