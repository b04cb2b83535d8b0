"""Runtime configuration, read from `CONSENTRY_*` environment variables (and `.env`) only here."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


class ApiVersionSetting(BaseModel):
    """One partner-API version: served until `decommissioned` (default: its `sunset` date)."""

    name: str = Field(pattern=r"^\d{4}-\d{2}$")
    sunset: date | None = None
    decommissioned: date | None = None


def default_api_versions() -> list[ApiVersionSetting]:
    """Criteo keeps a version about a year; 2025-10 is already gone (and used by the tests)."""
    return [
        ApiVersionSetting(name="2025-10", sunset=date(2026, 10, 1)),
        ApiVersionSetting(name="2026-07", sunset=date(2027, 7, 1)),
        ApiVersionSetting(name="2026-10", sunset=date(2027, 10, 1)),
        ApiVersionSetting(name="2027-01", sunset=date(2028, 1, 1)),
    ]


class Settings(BaseSettings):
    """Every tunable of a consentry node; built in the composition root, never at import."""

    model_config = SettingsConfigDict(env_prefix="CONSENTRY_", env_file=".env", extra="ignore")

    environment: str = Field(default="development", pattern="^(development|test|production)$")
    database_url: str = "sqlite+aiosqlite:///var/consentry.sqlite3"
    # Connections per process (PostgreSQL), and SQLite's durability: NORMAL (WAL) survives a
    # crash of consentry but may lose the last commits if the machine dies; FULL also survives
    # power loss, at a flush per commit (docs/deployment.md).
    database_pool_size: int = Field(default=20, gt=0, le=500)
    # How long a request waits for a pooled connection (PostgreSQL) or for another process's
    # write lock (SQLite) before it is answered 503 `temporarily_unavailable`; how long a
    # PostgreSQL connection lives, and stays idle, before it is closed (docs/deployment.md).
    database_acquire_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    database_connection_max_lifetime_seconds: float = Field(default=3600.0, gt=0)
    database_connection_max_idle_seconds: float = Field(default=300.0, gt=0)
    sqlite_synchronous: str = Field(default="NORMAL", pattern="^(FULL|NORMAL)$")
    issuer: str = "http://localhost:8000"
    secret_key: SecretStr = Field(
        description="Server-side key: hashes secrets (HMAC) and encrypts signing keys."
    )

    authorization_code_ttl_seconds: int = Field(default=30, gt=0)
    access_token_ttl_seconds: int = Field(default=900, gt=0)
    refresh_token_ttl_seconds: int = Field(default=183 * 24 * 3600, gt=0)
    consent_ttl_seconds: int = Field(default=600, gt=0)
    session_ttl_seconds: int = Field(default=12 * 3600, gt=0)
    access_token_leeway_seconds: int = Field(default=30, ge=0)
    # Security hardening (issue 4): the refresh grace window and token-endpoint throttling.
    refresh_reuse_window_seconds: int = Field(default=30, ge=0, le=300)
    client_auth_max_failures: int = Field(default=10, gt=0)
    client_auth_failure_window_seconds: int = Field(default=60, gt=0)

    # Partner API: versions (a plain "YYYY-MM" or {"name", "sunset", "decommissioned"}; JSON in
    # CONSENTRY_API_VERSIONS) and Criteo's rate limits (calls per minute).
    api_versions: list[ApiVersionSetting] = Field(default_factory=default_api_versions)
    rate_limit_per_app_per_minute: int = Field(default=250, gt=0)
    rate_limit_per_token_per_minute: int = Field(default=35, gt=0)
    max_form_bytes: int = Field(default=64 * 1024, gt=0)

    # Developer portal and sign-in throttling.
    portal_link_ttl_seconds: int = Field(default=30 * 24 * 3600, gt=0)
    portal_max_image_bytes: int = Field(default=1024 * 1024, gt=0)
    login_throttle_window_seconds: int = Field(default=15 * 60, gt=0)
    login_max_failures_per_account: int = Field(default=5, gt=0)
    login_max_failures_per_address: int = Field(default=30, gt=0)
    log_level: str = "INFO"
    # FastAPI's OpenTelemetry instrumentation (spans, metrics, logs to the global providers).
    opentelemetry: bool = False

    @field_validator("issuer")
    @classmethod
    def _issuer_is_a_base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("issuer must be an absolute http(s) URL")
        if parts.query or parts.fragment:
            raise ValueError("issuer must not carry a query or fragment")
        return value.rstrip("/")

    @field_validator("api_versions", mode="before")
    @classmethod
    def _versions_may_be_plain_names(cls, value: object) -> object:
        if not isinstance(value, list):
            return value
        return [{"name": v} if isinstance(v, str) else v for v in value]

    @field_validator("secret_key")
    @classmethod
    def _secret_key_is_long(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 32:
            raise ValueError("secret_key must be at least 32 characters")
        return value

    @model_validator(mode="after")
    def _https_outside_development(self) -> Settings:
        if self.environment == "production" and not self.issuer.startswith("https://"):
            raise ValueError("issuer must use https in production")
        return self

    @property
    def issuer_is_loopback(self) -> bool:
        return (urlsplit(self.issuer).hostname or "") in LOOPBACK_HOSTS
