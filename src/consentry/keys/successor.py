"""Sealing a rotated refresh token's successor pair under a key only that token's holder has.

key = HKDF-SHA-256(ikm = the old refresh token, salt = a server-derived key); AES-256-GCM.
The database holds neither the old token (only its HMAC) nor the new pair in clear, so a copy of
the database alone, or the server key alone, opens nothing.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE_BYTES = 12
_INFO = b"consentry/refresh-successor/v1"


class RefreshSuccessorSealer:
    def __init__(self, salt: bytes) -> None:
        if len(salt) < 32:
            raise ValueError("salt must be at least 32 bytes")
        self._salt = salt

    def _aead(self, old_token: str) -> AESGCM:
        hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=self._salt, info=_INFO)
        return AESGCM(hkdf.derive(old_token.encode("utf-8", "surrogateescape")))

    def seal(self, old_token: str, payload: bytes) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead(old_token).encrypt(nonce, payload, _INFO)

    def open(self, old_token: str, sealed: bytes) -> bytes | None:
        nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
        try:
            return self._aead(old_token).decrypt(nonce, ciphertext, _INFO)
        except (InvalidTag, ValueError):
            return None
