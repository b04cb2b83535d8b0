"""Criteo's partner-API rate limits, counted in fixed one-minute windows in the database.

Client-credentials tokens (grant id `app:<app_id>`) share one budget per app (250 calls/min by
default); authorization-code tokens each have their own (35 calls/min, keyed by `jti`). Every node
counts in the same table, so the limit holds behind a load balancer.
"""

from __future__ import annotations

from dataclasses import dataclass

from consentry.clock import Clock
from consentry.core.model import AccessTokenClaims
from consentry.storage.partner import RateLimitRepository

WINDOW_SECONDS = 60
APP_GRANT_PREFIX = "app:"


@dataclass(frozen=True, slots=True)
class RateLimitPolicy:
    per_app: int
    per_token: int
    window_seconds: int = WINDOW_SECONDS


@dataclass(frozen=True, slots=True)
class RateLimitState:
    """Where a caller stands after this call; `reset` is when the next window opens (epoch s)."""

    limit: int
    count: int
    reset: int
    now: int

    @property
    def exceeded(self) -> bool:
        return self.count > self.limit

    @property
    def retry_after(self) -> int:
        return max(1, self.reset - self.now)

    def headers(self) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(max(0, self.limit - self.count)),
            "x-ratelimit-reset": str(self.reset),
        }


def bucket(policy: RateLimitPolicy, claims: AccessTokenClaims) -> tuple[str, int]:
    """The counter key and limit of the caller: the app, or this one access token."""
    if claims.grant_id.startswith(APP_GRANT_PREFIX):
        return claims.grant_id, policy.per_app
    return f"jti:{claims.token_id}", policy.per_token


class RateLimiter:
    """Counts one call per request: one statement, plus a bounded purge once per new window.

    The purge runs at most once per window in a process (each node purges on its own; purging
    is idempotent), not on every caller's first call of a window.
    """

    def __init__(self, policy: RateLimitPolicy, clock: Clock) -> None:
        self._policy = policy
        self._clock = clock
        self._purged_window: int | None = None

    async def hit(self, counters: RateLimitRepository, claims: AccessTokenClaims) -> RateLimitState:
        key, limit = bucket(self._policy, claims)
        window = self._policy.window_seconds
        now = int(self._clock.now().timestamp())
        start = now - now % window
        count = await counters.hit(key, start)
        if count == 1 and self._purged_window != start:
            # A first call in a window this process has not purged for: forget old windows.
            self._purged_window = start
            await counters.purge(before=start - window)
        return RateLimitState(limit=limit, count=count, reset=start + window, now=now)
