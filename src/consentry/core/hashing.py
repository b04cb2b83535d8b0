"""Random values (≥256 bits) and their keyed hashes, stored instead of codes, tokens and secrets.

Random secrets need no slow password hash: HMAC-SHA-256 under a server-side key is fast to check and
useless to anyone who steals the database without the key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_secret() -> str:
    """A fresh URL-safe value with 256 bits of randomness."""
    return secrets.token_urlsafe(32)


def new_identifier() -> str:
    """A fresh public identifier (128 bits, hex), e.g. a client_id or a grant id."""
    return secrets.token_hex(16)


class SecretHasher:
    """Keyed hashing of secrets, with constant-time verification."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("hashing key must be at least 32 bytes")
        self._key = key

    def hash(self, value: str) -> bytes:
        return hmac.new(
            self._key, value.encode("utf-8", "surrogateescape"), hashlib.sha256
        ).digest()

    def verify(self, value: str, expected: bytes) -> bool:
        return hmac.compare_digest(self.hash(value), expected)
