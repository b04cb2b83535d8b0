"""Every lifetime in one frozen object, built from settings and handed to whoever needs it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    authorization_code_ttl: timedelta = timedelta(seconds=30)
    access_token_ttl: timedelta = timedelta(seconds=900)
    refresh_token_ttl: timedelta = timedelta(days=183)
    consent_ttl: timedelta = timedelta(minutes=10)
    access_token_leeway: timedelta = timedelta(seconds=30)
    # RFC 9700 §4.14.2 grace: the same refresh token presented again this soon gets the same pair.
    refresh_reuse_window: timedelta = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class ClientAuthLimits:
    """Token-endpoint throttling: after `max_failures` failed authentications of one client_id
    within `window`, further failures answer 429 until the window ends (valid secrets still pass).
    """

    max_failures: int = 10
    window: timedelta = timedelta(seconds=60)
