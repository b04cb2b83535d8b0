"""Ports to the one-time values (codes, rotating refresh tokens) and to access-token state.

Redeeming a code and rotating a refresh token are single atomic conditional updates: of two
racing callers exactly one wins.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from consentry.core.model import (
    AuthorizationCode,
    Grant,
    RefreshToken,
)


class AuthorizationCodeRepository(Protocol):
    async def add(self, code: AuthorizationCode) -> None: ...
    async def get(self, code_hash: bytes) -> AuthorizationCode | None: ...
    async def get_with_grant(
        self, code_hash: bytes
    ) -> tuple[AuthorizationCode, Grant | None] | None:
        """The code and its grant (as `GrantRepository.get` returns it), in one lookup."""
        ...

    async def redeem(
        self, code_hash: bytes, credential_id: int, now: datetime, refresh_token: RefreshToken
    ) -> bool:
        """Mark the code used and store the refresh token issued for it, atomically, only if
        the code is unused, unexpired and issued to `credential_id`. Of two racing callers
        exactly one gets True."""
        ...


class RefreshTokenRepository(Protocol):
    async def add(self, token: RefreshToken) -> None: ...
    async def get(self, token_hash: bytes) -> RefreshToken | None: ...
    async def get_with_grant(self, token_hash: bytes) -> tuple[RefreshToken, Grant | None] | None:
        """The token and its grant (as `GrantRepository.get` returns it), in one lookup."""
        ...

    async def rotate(
        self,
        token_hash: bytes,
        credential_id: int,
        now: datetime,
        successor: bytes | None,
        replacement: RefreshToken,
    ) -> bool:
        """Replace the token, atomically: mark it used, keep `successor` (the sealed pair that
        replaces it) in its row and store `replacement`, only if it is unused, unexpired and
        issued to `credential_id`. Of two racing callers exactly one gets True."""
        ...


class TokenStateRepository(Protocol):
    """The token check behind introspection: one indexed query.

    The partner API makes the same check inside the statement that counts its call
    (`core.ports.partner.RateLimitRepository.admit_grant` / `admit_app`).
    """

    async def live_advertisers(self, grant_id: str, token_id: str) -> tuple[int, ...] | None:
        """The grant's still-granted advertisers; None if the grant or the token is revoked."""
        ...

    async def live_app_advertisers(self, client_id: str, token_id: str) -> tuple[int, ...] | None:
        """Advertisers of the client's app-level grants; None if the pair or token is gone."""
        ...

    async def revoke_token(self, token_id: str, until: datetime, now: datetime) -> None:
        """Deny the access token `token_id` until `until` (and forget rows past theirs)."""
        ...
