"""Configuration of the demo client: a JSON config file overridden by ``DEMO_CLIENT_*`` env vars.

This is the only module that reads environment variables.
"""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent / "config.local.json"
"""Written by ``make run``; git-ignored. Keys match the field names of DemoClientSettings."""

_API_VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


class ConfigFileError(ValueError):
    """The JSON config file is missing (when named explicitly), unreadable or malformed."""


def _check_http_url(value: str, field: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{field} must be an absolute http(s) URL, got {value!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"{field} must not carry a query string or fragment")
    return value


class DemoClientSettings(BaseSettings):
    """Everything the demo client needs to talk to consentry and to serve its own pages."""

    model_config = SettingsConfigDict(env_prefix="DEMO_CLIENT_", extra="forbid")

    consentry_url: str = "http://localhost:8000"
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    redirect_uri: str = "http://localhost:3000/criteo-auth/callback"
    api_version: str = "2027-01"
    host: str = "127.0.0.1"
    port: int = Field(default=3000, ge=1, le=65535)
    session_secret: SecretStr = Field(
        default_factory=lambda: SecretStr(secrets.token_urlsafe(32)),
    )

    @field_validator("consentry_url")
    @classmethod
    def _consentry_url(cls, value: str) -> str:
        return _check_http_url(value, "consentry_url").rstrip("/")

    @field_validator("redirect_uri")
    @classmethod
    def _redirect_uri(cls, value: str) -> str:
        _check_http_url(value, "redirect_uri")
        if not urlsplit(value).path.startswith("/"):
            raise ValueError("redirect_uri must have a path, e.g. /criteo-auth/callback")
        return value

    @field_validator("api_version")
    @classmethod
    def _api_version(cls, value: str) -> str:
        if not _API_VERSION_RE.match(value):
            raise ValueError(f"api_version must look like 2027-01, got {value!r}")
        return value

    @field_validator("session_secret")
    @classmethod
    def _session_secret(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("session_secret must be at least 16 characters")
        return value

    @property
    def callback_path(self) -> str:
        """The path of redirect_uri, where the demo serves its OAuth callback."""
        return urlsplit(self.redirect_uri).path


def _read_config_file(path: Path, *, required: bool) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if required:
            raise ConfigFileError(f"config file not found: {path}") from None
        return {}
    except OSError as exc:
        raise ConfigFileError(f"cannot read config file {path}: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigFileError(f"config file {path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigFileError(f"config file {path} must hold a JSON object")
    return data


def load_settings(config_path: Path | None = None) -> DemoClientSettings:
    """Read ``config_path`` (default: demo_client/config.local.json) and apply env overrides.

    An explicitly named file must exist; the default file is optional. Environment variables
    (``DEMO_CLIENT_<FIELD>``) win over the file, the file wins over the defaults.
    """
    path = config_path if config_path is not None else DEFAULT_CONFIG_PATH
    values = _read_config_file(path, required=config_path is not None)
    values.update(EnvSettingsSource(DemoClientSettings)())
    return DemoClientSettings(**values)
