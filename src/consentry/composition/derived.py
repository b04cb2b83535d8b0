"""The values derived from `Settings` once per node: lifetimes, limits and keys.

Every subkey of the server secret is derived here with its own HKDF label, so no two uses share
a key.
"""

from __future__ import annotations

from datetime import timedelta

from consentry.core.hashing import SecretHasher
from consentry.core.policy import ClientAuthLimits, TokenPolicy
from consentry.core.sign_in import ThrottleLimits
from consentry.keys.derivation import derive_key
from consentry.keys.sealing import Sealer
from consentry.keys.successor import RefreshSuccessorSealer
from consentry.partner_api.rate_limit import RateLimitPolicy
from consentry.portal.service import PortalConfig
from consentry.settings import Settings


def _subkey(settings: Settings, label: str) -> bytes:
    return derive_key(settings.secret_key.get_secret_value(), label)


def policy_from(settings: Settings) -> TokenPolicy:
    return TokenPolicy(
        authorization_code_ttl=timedelta(seconds=settings.authorization_code_ttl_seconds),
        access_token_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
        refresh_token_ttl=timedelta(seconds=settings.refresh_token_ttl_seconds),
        consent_ttl=timedelta(seconds=settings.consent_ttl_seconds),
        access_token_leeway=timedelta(seconds=settings.access_token_leeway_seconds),
        refresh_reuse_window=timedelta(seconds=settings.refresh_reuse_window_seconds),
    )


def client_auth_limits_from(settings: Settings) -> ClientAuthLimits:
    return ClientAuthLimits(
        max_failures=settings.client_auth_max_failures,
        window=timedelta(seconds=settings.client_auth_failure_window_seconds),
    )


def login_limits_from(settings: Settings) -> ThrottleLimits:
    return ThrottleLimits(
        window=timedelta(seconds=settings.login_throttle_window_seconds),
        per_account=settings.login_max_failures_per_account,
        per_address=settings.login_max_failures_per_address,
    )


def rate_limits_from(settings: Settings) -> RateLimitPolicy:
    return RateLimitPolicy(
        per_app=settings.rate_limit_per_app_per_minute,
        per_token=settings.rate_limit_per_token_per_minute,
    )


def hasher_from(settings: Settings) -> SecretHasher:
    return SecretHasher(_subkey(settings, "consentry/hash/v1"))


def sealer_from(settings: Settings) -> Sealer:
    return Sealer(_subkey(settings, "consentry/seal/v1"))


def successor_sealer_from(settings: Settings) -> RefreshSuccessorSealer:
    return RefreshSuccessorSealer(_subkey(settings, "consentry/refresh-successor/v1"))


def portal_config_from(settings: Settings) -> PortalConfig:
    return PortalConfig(
        issuer=settings.issuer,
        link_key=_subkey(settings, "consentry/consent-link/v1"),
        link_ttl=timedelta(seconds=settings.portal_link_ttl_seconds),
        max_image_bytes=settings.portal_max_image_bytes,
    )
