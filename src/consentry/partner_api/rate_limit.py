"""Criteo's partner-API rate limits, counted in fixed one-minute windows in the database.

Client-credentials tokens (grant id `app:<app_id>`) share one budget per app (250 calls/min by
default); authorization-code tokens each have their own (35 calls/min, keyed by `jti`). Every node
counts in the same table, so the limit holds behind a load balancer.
"""

from __future__ import annotations

from dataclasses import dataclass

from consentry.clock import Clock
from consentry.core.access import is_app_grant
from consentry.core.model import AccessTokenClaims
from consentry.core.ports.partner import RateLimitRepository

WINDOW_SECONDS = 60


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


@dataclass(frozen=True, slots=True)
class Window:
    """The counter a call goes to: its key and limit, the window it falls in, and now."""

    key: str
    limit: int
    start: int  # epoch seconds
    end: int
    now: int

    def state(self, count: int) -> RateLimitState:
        return RateLimitState(limit=self.limit, count=count, reset=self.end, now=self.now)


def bucket(policy: RateLimitPolicy, claims: AccessTokenClaims) -> tuple[str, int]:
    """The counter key and limit of the caller: the app, or this one access token."""
    if is_app_grant(claims.grant_id):
        return claims.grant_id, policy.per_app
    return f"jti:{claims.token_id}", policy.per_token


class RateLimiter:
    """Says which counter a call goes to; after each count, purges old windows once per window.

    The count itself is part of the call's admission (`guard.admit`). The purge
    runs at most once per window in a process (each node purges on its own; purging is
    idempotent), not on every caller's first call of a window.
    """

    def __init__(self, policy: RateLimitPolicy, clock: Clock) -> None:
        self._policy = policy
        self._clock = clock
        self._purged_window: int | None = None

    def window(self, claims: AccessTokenClaims) -> Window:
        key, limit = bucket(self._policy, claims)
        length = self._policy.window_seconds
        now = int(self._clock.now().timestamp())
        start = now - now % length
        return Window(key=key, limit=limit, start=start, end=start + length, now=now)

    async def counted(
        self, counters: RateLimitRepository, window: Window, count: int
    ) -> RateLimitState:
        """Where the caller stands after its call was counted as the `count`th of `window`."""
        if count == 1 and self._purged_window != window.start:
            # A first call in a window this process has not purged for: forget old windows.
            self._purged_window = window.start
            await counters.purge(before=window.start - (window.end - window.start))
        return window.state(count)
