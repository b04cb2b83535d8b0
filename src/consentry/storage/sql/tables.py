"""The schema, as SQLAlchemy 2 mapped classes; queries use their tables through SQLAlchemy Core."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, on SQLite (which has no time zones) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Timestamp = UtcDateTime()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class Advertiser(Base):
    __tablename__ = "advertisers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class PortfolioEntry(Base):
    """A user's role on an advertiser."""

    __tablename__ = "portfolio_entries"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    advertiser_id: Mapped[int] = mapped_column(
        ForeignKey("advertisers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(32))


class App(Base):
    __tablename__ = "apps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    service: Mapped[str] = mapped_column(String(16))
    auth_method: Mapped[str] = mapped_column(String(32))
    scopes: Mapped[str] = mapped_column(Text, default="")  # space-separated scope strings
    pkce_required: Mapped[bool] = mapped_column(Boolean, default=False)
    activated: Mapped[bool] = mapped_column(Boolean, default=False)
    image: Mapped[bytes | None] = mapped_column(LargeBinary)
    image_type: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class Credential(Base):
    """A client_id / client_secret pair; at most five per app (enforced by the portal service)."""

    __tablename__ = "credentials"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    secret_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    last_used_at: Mapped[datetime | None] = mapped_column(Timestamp)


class RedirectUri(Base):
    __tablename__ = "redirect_uris"
    __table_args__ = (UniqueConstraint("app_id", "uri"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    uri: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class PendingAuthorization(Base):
    __tablename__ = "pending_authorizations"
    id_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("credentials.id", ondelete="CASCADE"), index=True
    )
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    state: Mapped[str | None] = mapped_column(Text)
    code_challenge: Mapped[str | None] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    decided_at: Mapped[datetime | None] = mapped_column(Timestamp)


class Grant(Base):
    """A consent: user × credential pair × advertisers × scopes."""

    __tablename__ = "grants"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # NULL for an app-level grant (a client-credentials consent link; migration 0002).
    credential_id: Mapped[int | None] = mapped_column(
        ForeignKey("credentials.id", ondelete="CASCADE"), index=True
    )
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    scopes: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    last_used_at: Mapped[datetime | None] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)


class GrantAdvertiser(Base):
    __tablename__ = "grant_advertisers"
    grant_id: Mapped[str] = mapped_column(
        ForeignKey("grants.id", ondelete="CASCADE"), primary_key=True
    )
    advertiser_id: Mapped[int] = mapped_column(
        ForeignKey("advertisers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)


class AuthorizationCode(Base):
    __tablename__ = "authorization_codes"
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    grant_id: Mapped[str] = mapped_column(ForeignKey("grants.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("credentials.id", ondelete="CASCADE"), index=True
    )
    redirect_uri: Mapped[str] = mapped_column(String(2000))
    code_challenge: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    used_at: Mapped[datetime | None] = mapped_column(Timestamp)


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    grant_id: Mapped[str] = mapped_column(ForeignKey("grants.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[int] = mapped_column(
        ForeignKey("credentials.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    used_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # The pair that replaced it, AES-GCM sealed under a key derived from this token (0003).
    successor: Mapped[bytes | None] = mapped_column(LargeBinary)


class SigningKey(Base):
    """A JWT signing key; the private half encrypted (AES-GCM) under a key derived from settings."""

    __tablename__ = "signing_keys"
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(String(16))
    encrypted_private_key: Mapped[bytes] = mapped_column(LargeBinary)
    public_jwk: Mapped[dict[str, str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    retired_at: Mapped[datetime | None] = mapped_column(Timestamp)


class WebSession(Base):
    """A browser session, held server-side so that it can be ended from here."""

    __tablename__ = "web_sessions"
    id_hash: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    csrf_secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)


# --------------------------------------------------------------------- developer portal (0002)


class LoginFailure(Base):
    """A failed sign-in, counted per account and per client address (both kept as keyed hashes)."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_hash: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    address_hash: Mapped[bytes] = mapped_column(LargeBinary(32), index=True)
    failed_at: Mapped[datetime] = mapped_column(Timestamp, index=True)


class PortalApiToken(Base):
    """A developer's personal API token for `/portal/api`; only its keyed hash is kept."""

    __tablename__ = "portal_api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    last_used_at: Mapped[datetime | None] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp)


class ConsentLink(Base):
    """A signed, single-use consent link of a client-credentials app (`/request?nonce=…&hmac=…`)."""

    __tablename__ = "consent_links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("apps.id", ondelete="CASCADE"), index=True)
    nonce_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    used_at: Mapped[datetime | None] = mapped_column(Timestamp)
    used_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    grant_id: Mapped[str | None] = mapped_column(ForeignKey("grants.id", ondelete="SET NULL"))


# ------------------------------------------------------------------ security hardening (0003)


class RevokedAccessToken(Base):
    """An access token revoked before its expiry (RFC 7009), kept until it would expire anyway."""

    __tablename__ = "revoked_access_tokens"
    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(Timestamp, index=True)


class ClientAuthFailure(Base):
    """Failed client authentications of one client_id in the current throttling window."""

    __tablename__ = "client_auth_failures"
    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(Timestamp)
    failures: Mapped[int] = mapped_column(Integer)


class AuditEventRow(Base):
    """One security event, chained to the previous one by `prev_hash`; never updated or deleted."""

    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(Timestamp)
    app_id: Mapped[int | None] = mapped_column(Integer, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    client_id: Mapped[str | None] = mapped_column(String(64))
    grant_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, str]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditChainHead(Base):
    """The one row appenders lock (SELECT … FOR UPDATE) so that the chain stays linear."""

    __tablename__ = "audit_chain_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


# ------------------------------------------------------------------------- partner data (0004)
# Marketing Solutions (ms_*) and Retail Media (rm_*) data served by the partner API; money in
# integer cents of the advertiser's currency.


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


class RateLimitCounter(Base):
    """Calls of one caller (an app, or one access token) in one fixed one-minute window."""

    __tablename__ = "rate_limit_counters"
    # Found by its key only; on SQLite the row lives in the primary-key b-tree (migration 0006).
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 - SQLAlchemy's table options
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    window_start: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
