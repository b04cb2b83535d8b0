"""Partner data: Marketing Solutions and Retail Media entities, statistics, rate-limit counters.

Revision ID: 0004
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = ("partner",)
depends_on = None

_TZ = sa.DateTime(timezone=True)
# (table, indexed columns), in creation order; dropped in reverse.
_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ms_datasets", ("advertiser_id",)),
    ("ms_campaigns", ("advertiser_id",)),
    ("ms_ad_sets", ("advertiser_id", "campaign_id")),
    ("ms_audiences", ("advertiser_id",)),
    ("ms_creatives", ("advertiser_id",)),
    ("ms_product_sets", ("dataset_id",)),
    ("ms_daily_stats", ("advertiser_id", "day")),
    ("rm_accounts", ("advertiser_id",)),
    ("rm_campaigns", ("account_id",)),
    ("rate_limit_counters", ("window_start",)),
)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _ref(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    name = op.f(f"fk_{table}_{column}_{target}")
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=name, ondelete="CASCADE")


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*(columns or ("id",)), name=op.f(f"pk_{table}"))


def _text(name: str, length: int | None = None, *, nullable: bool = False) -> sa.Column[str]:
    kind = sa.Text() if length is None else sa.String(length=length)
    return sa.Column(name, kind, nullable=nullable)


def _int(name: str, *, nullable: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "ms_datasets",
        _id(),
        _int("advertiser_id"),
        _text("name", 200),
        _ref("ms_datasets", "advertiser_id", "advertisers"),
        _pk("ms_datasets"),
    )
    op.create_table(
        "ms_campaigns",
        _id(),
        _int("advertiser_id"),
        _text("name", 200),
        _text("goal", 32),
        _text("spend_limit_type", 32),
        _text("spend_limit_renewal", 32),
        _int("spend_limit_cents", nullable=True),
        _ref("ms_campaigns", "advertiser_id", "advertisers"),
        _pk("ms_campaigns"),
    )
    op.create_table(
        "ms_ad_sets",
        _id(),
        _int("campaign_id"),
        _int("advertiser_id"),
        _int("dataset_id"),
        _text("name", 200),
        _text("objective", 32),
        _text("media_type", 16),
        _text("cost_controller", 32),
        _int("bid_cents", nullable=True),
        _int("budget_cents", nullable=True),
        _text("budget_renewal", 32),
        _text("budget_strategy", 32),
        _text("activation_status", 16),
        sa.Column("start_at", _TZ, nullable=True),
        sa.Column("end_at", _TZ, nullable=True),
        _ref("ms_ad_sets", "campaign_id", "ms_campaigns"),
        _ref("ms_ad_sets", "advertiser_id", "advertisers"),
        _ref("ms_ad_sets", "dataset_id", "ms_datasets"),
        _pk("ms_ad_sets"),
    )
    op.create_table(
        "ms_audiences",
        _id(),
        _int("advertiser_id"),
        _text("name", 255),
        _text("description"),
        sa.Column("algebra", sa.JSON(), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        _ref("ms_audiences", "advertiser_id", "advertisers"),
        _pk("ms_audiences"),
    )
    op.create_table(
        "ms_creatives",
        _id(),
        _int("advertiser_id"),
        _int("dataset_id"),
        _text("name", 200),
        _text("description"),
        _text("author", 200),
        _text("status", 32),
        _text("format", 32),
        _text("landing_page_url", 2000),
        sa.Column("image_urls", sa.JSON(), nullable=False),
        _ref("ms_creatives", "advertiser_id", "advertisers"),
        _ref("ms_creatives", "dataset_id", "ms_datasets"),
        _pk("ms_creatives"),
    )
    op.create_table(
        "ms_product_sets",
        _id(),
        _int("dataset_id"),
        _text("name", 200),
        _text("status", 32),
        _int("number_of_products"),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
        _ref("ms_product_sets", "dataset_id", "ms_datasets"),
        _pk("ms_product_sets"),
    )
    op.create_table(
        "ms_daily_stats",
        _int("ad_set_id"),
        sa.Column("day", sa.Date(), nullable=False),
        _int("advertiser_id"),
        *(_int(name) for name in ("displays", "clicks", "cost_cents", "sales", "revenue_cents")),
        _ref("ms_daily_stats", "ad_set_id", "ms_ad_sets"),
        _ref("ms_daily_stats", "advertiser_id", "advertisers"),
        _pk("ms_daily_stats", "ad_set_id", "day"),
    )
    op.create_table(
        "rm_accounts",
        _id(),
        _int("advertiser_id"),
        _text("name", 510),
        _text("type", 16),
        _text("subtype", 16),
        sa.Column("countries", sa.JSON(), nullable=False),
        _text("currency", 3),
        _text("parent_account_label", 510),
        _text("time_zone", 64),
        _text("company_name", 200, nullable=True),
        _ref("rm_accounts", "advertiser_id", "advertisers"),
        _pk("rm_accounts"),
    )
    op.create_table(
        "rm_campaigns",
        _id(),
        _int("account_id"),
        _text("name", 255),
        _text("type", 16),
        _text("status", 16),
        sa.Column("is_auto_daily_pacing", sa.Boolean(), nullable=False),
        _text("click_attribution_window", 8),
        _text("view_attribution_window", 8),
        _text("click_attribution_scope", 32, nullable=True),
        _text("view_attribution_scope", 32, nullable=True),
        _int("budget_cents", nullable=True),
        _int("budget_spent_cents"),
        _int("daily_pacing_cents", nullable=True),
        _int("monthly_pacing_cents", nullable=True),
        sa.Column("start_at", _TZ, nullable=True),
        sa.Column("end_at", _TZ, nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("updated_at", _TZ, nullable=False),
        _ref("rm_campaigns", "account_id", "rm_accounts"),
        _pk("rm_campaigns"),
    )
    op.create_table(
        "rate_limit_counters",
        _text("key", 100),
        _int("window_start"),
        _int("count"),
        _pk("rate_limit_counters", "key", "window_start"),
    )
    for table, columns in _INDEXES:
        for column in columns:
            op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)


def downgrade() -> None:
    for table, columns in reversed(_INDEXES):
        for column in columns:
            op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
    for table in reversed([table for table, _ in _INDEXES]):
        op.drop_table(table)
