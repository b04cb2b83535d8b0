"""A bounded memory of access tokens whose signature this node has already checked.

Verifying an ES256 signature costs 100–190 µs, and a partner presents the same access token on
every call for up to 15 minutes. A token verified once is remembered (by its SHA-256, so the
memory holds no usable token) with its claims until it expires; issuer, audience and expiry are
still checked on every call, revocation still goes to the database on every call, and a token
whose key left the ring is verified again (and refused).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from consentry.core.model import AccessTokenClaims

DEFAULT_CAPACITY = 20_000


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    claims: AccessTokenClaims
    kid: str


class VerifiedTokens:
    """First in, first out once full: a forgotten token only costs one more verification."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = capacity
        self._entries: dict[bytes, VerifiedToken] = {}

    @staticmethod
    def digest(token: str) -> bytes:
        return hashlib.sha256(token.encode("ascii", "replace")).digest()

    def get(self, digest: bytes) -> VerifiedToken | None:
        return self._entries.get(digest)

    def remember(self, digest: bytes, verified: VerifiedToken) -> None:
        if self._capacity <= 0:
            return
        if len(self._entries) >= self._capacity:
            del self._entries[next(iter(self._entries))]
        self._entries[digest] = verified

    def forget(self, digest: bytes) -> None:
        self._entries.pop(digest, None)

    def __len__(self) -> int:
        return len(self._entries)
