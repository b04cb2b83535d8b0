"""Sealing a rotated refresh token's successor pair under a key only that token's holder has.

key = HKDF-SHA-256(ikm = the old refresh token, salt = a server-derived key); AES-256-GCM.
HKDF (RFC 5869) for one 32-byte block is two HMACs; they are computed with `hmac` directly,
which costs a tenth of building `cryptography`'s HKDF object on every rotation (the test
checks both give the same key).
The database holds neither the old token (only its HMAC) nor the new pair in clear, so a copy of
the database alone, or the server key alone, opens nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12
_INFO = b"consentry/refresh-successor/v1"


class RefreshSuccessorSealer:
    def __init__(self, salt: bytes) -> None:
        if len(salt) < 32:
            raise ValueError("salt must be at least 32 bytes")
        self._salt = salt

    def _aead(self, old_token: str) -> AESGCM:
        return AESGCM(self.derive(old_token))

    def derive(self, old_token: str) -> bytes:
        """HKDF-SHA-256, L = 32 (RFC 5869 §2.2 extract, §2.3 expand with T(1) only)."""
        ikm = old_token.encode("utf-8", "surrogateescape")
        prk = hmac.new(self._salt, ikm, hashlib.sha256).digest()
        return hmac.new(prk, _INFO + b"\x01", hashlib.sha256).digest()

    def seal(self, old_token: str, payload: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead(old_token).encrypt(nonce, payload, _INFO)

    def open(self, old_token: str, sealed: bytes) -> bytes | None:
        nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
        try:
            return self._aead(old_token).decrypt(nonce, ciphertext, _INFO)
        except (InvalidTag, ValueError):
            return None
