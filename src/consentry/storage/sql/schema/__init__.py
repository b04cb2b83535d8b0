"""The schema, one module per aggregate, as SQLAlchemy 2 mapped classes: the one source of the
tables. Alembic's migrations are checked against it (tests/integration/test_migrations.py) and
every statement is built from it (`storage/sql/statements.py`)."""

from __future__ import annotations

from consentry.storage.sql.schema.accounts import Advertiser, Organization, PortfolioEntry, User
from consentry.storage.sql.schema.apps import App, Credential, RedirectUri
from consentry.storage.sql.schema.audit import AuditChainHead, AuditEventRow
from consentry.storage.sql.schema.base import NAMING_CONVENTION, Base, Timestamp, UtcDateTime, table
from consentry.storage.sql.schema.consents import (
    ConsentLink,
    Grant,
    GrantAdvertiser,
    PendingAuthorization,
)
from consentry.storage.sql.schema.keys import SigningKey
from consentry.storage.sql.schema.partner_marketing import (
    MarketingAdSet,
    MarketingAudience,
    MarketingCampaign,
    MarketingCreative,
    MarketingDailyStat,
    MarketingDataset,
    MarketingProductSet,
)
from consentry.storage.sql.schema.partner_retail import RetailAccount, RetailCampaign
from consentry.storage.sql.schema.sessions import PortalApiToken, WebSession
from consentry.storage.sql.schema.throttling import (
    ClientAuthFailure,
    LoginFailure,
    RateLimitCounter,
    RevocationCount,
)
from consentry.storage.sql.schema.tokens import AuthorizationCode, RefreshToken, RevokedAccessToken

__all__ = [
    "NAMING_CONVENTION",
    "Advertiser",
    "App",
    "AuditChainHead",
    "AuditEventRow",
    "AuthorizationCode",
    "Base",
    "ClientAuthFailure",
    "ConsentLink",
    "Credential",
    "Grant",
    "GrantAdvertiser",
    "LoginFailure",
    "MarketingAdSet",
    "MarketingAudience",
    "MarketingCampaign",
    "MarketingCreative",
    "MarketingDailyStat",
    "MarketingDataset",
    "MarketingProductSet",
    "Organization",
    "PendingAuthorization",
    "PortalApiToken",
    "PortfolioEntry",
    "RateLimitCounter",
    "RedirectUri",
    "RefreshToken",
    "RetailAccount",
    "RetailCampaign",
    "RevocationCount",
    "RevokedAccessToken",
    "SigningKey",
    "Timestamp",
    "User",
    "UtcDateTime",
    "WebSession",
    "table",
]
