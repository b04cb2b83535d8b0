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
