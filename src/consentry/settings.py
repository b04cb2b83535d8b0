"""Runtime configuration, read from `CONSENTRY_*` environment variables (and `.env`) only here."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})


class Settings(BaseSettings):
    """Every tunable of a consentry node; built in the composition root, never at import."""

    model_config = SettingsConfigDict(env_prefix="CONSENTRY_", env_file=".env", extra="ignore")

    environment: str = Field(default="development", pattern="^(development|test|production)$")
    database_url: str = "sqlite+aiosqlite:///var/consentry.sqlite3"
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

    api_versions: list[str] = Field(default_factory=lambda: ["2026-07", "2026-10", "2027-01"])
    max_form_bytes: int = Field(default=64 * 1024, gt=0)
    log_level: str = "INFO"

    @field_validator("issuer")
    @classmethod
    def _issuer_is_a_base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("issuer must be an absolute http(s) URL")
        if parts.query or parts.fragment:
            raise ValueError("issuer must not carry a query or fragment")
        return value.rstrip("/")

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
