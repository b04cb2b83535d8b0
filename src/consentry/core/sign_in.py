"""Signing a person in with e-mail and password, and throttling failed attempts.

After too many failures for one account or from one client address within a window, further
attempts are refused until the window has passed. Failures are counted in the database, so
every node sees the same count; time comes from the clock. The account and the address are
stored only as keyed hashes. The password check itself (argon2id) is injected: the core knows
no hashing library. Used by the customers' `/login` and the portal's `/portal/login`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from consentry.clock import Clock
from consentry.core.hashing import SecretHasher
from consentry.core.model import User
from consentry.core.ports.unit_of_work import PortalUnitOfWork, UnitOfWork

MAX_PASSWORD_LENGTH = 1024

# (password, stored hash or None for an unknown account) -> whether it matches; it must take as
# long for an unknown account as for a known one.
PasswordCheck = Callable[[str, str | None], bool]


async def authenticate(
    uow: UnitOfWork, email: str, password: str, check: PasswordCheck
) -> User | None:
    if not email or len(email) > 320 or len(password) > MAX_PASSWORD_LENGTH:
        return None
    user = await uow.users.get_by_email(email)
    if not check(password, user.password_hash if user else None):
        return None
    return user


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
    def __init__(
        self,
        *,
        hasher: SecretHasher,
        clock: Clock,
        limits: ThrottleLimits,
        check_password: PasswordCheck,
    ) -> None:
        self._hasher = hasher
        self._clock = clock
        self._limits = limits
        self._check_password = check_password

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
        user = await authenticate(uow, email, password, self._check_password)
        if user is None:
            await self.failed(uow, email, address)
        else:
            await self.succeeded(uow, email, address)
        return user
