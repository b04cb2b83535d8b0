"""Sign-in throttling: after too many failures for one account or from one client address within a
window, further attempts are refused until the window has passed.

Failures are counted in the database, so every node sees the same count; time comes from the clock.
The account and the address are stored only as keyed hashes. Used by `/login` and `/portal/login`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from consentry.clock import Clock
from consentry.consent.login import authenticate
from consentry.core.hashing import SecretHasher
from consentry.core.model import User
from consentry.core.ports.unit_of_work import PortalUnitOfWork


class LoginThrottled(Exception):
    """Too many failed sign-ins; `retry_after` seconds until attempts are accepted again."""

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            f"Too many failed sign-in attempts. Try again in {minutes} minute"
            + ("s." if minutes > 1 else ".")
        )
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class ThrottleLimits:
    window: timedelta
    per_account: int
    per_address: int


class LoginThrottle:
    def __init__(self, *, hasher: SecretHasher, clock: Clock, limits: ThrottleLimits) -> None:
        self._hasher = hasher
        self._clock = clock
        self._limits = limits

    def _keys(self, email: str, address: str) -> tuple[bytes, bytes]:
        account = self._hasher.hash("login-account:" + email.strip().lower())
        return account, self._hasher.hash("login-address:" + address)

    def _release_time(self, failures: list[datetime], limit: int) -> datetime | None:
        """When the count falls below `limit` again (failures are newest first)."""
        if len(failures) < limit:
            return None
        return failures[limit - 1] + self._limits.window

    async def check(self, uow: PortalUnitOfWork, email: str, address: str) -> None:
        """Raise LoginThrottled when this account or this address has failed too often."""
        now = self._clock.now()
        account, by = self._keys(email, address)
        by_account, by_address = await uow.login_failures.recent(
            account_hash=account, address_hash=by, since=now - self._limits.window
        )
        releases = [
            when
            for when in (
                self._release_time(by_account, self._limits.per_account),
                self._release_time(by_address, self._limits.per_address),
            )
            if when is not None
        ]
        if releases:
            raise LoginThrottled(max(1, math.ceil((max(releases) - now).total_seconds())))

    async def failed(self, uow: PortalUnitOfWork, email: str, address: str) -> None:
        account, by = self._keys(email, address)
        await uow.login_failures.add(account, by, self._clock.now())

    async def succeeded(self, uow: PortalUnitOfWork, email: str, address: str) -> None:
        """A good password clears the account's count (the address keeps its own)."""
        account, _ = self._keys(email, address)
        await uow.login_failures.forget(account, self._clock.now() - self._limits.window)

    async def sign_in(
        self, uow: PortalUnitOfWork, email: str, password: str, address: str
    ) -> User | None:
        """Check the throttle, then the password; count the outcome. None: wrong credentials."""
        await self.check(uow, email, address)
        user = await authenticate(uow, email, password)
        if user is None:
            await self.failed(uow, email, address)
        else:
            await self.succeeded(uow, email, address)
        return user
