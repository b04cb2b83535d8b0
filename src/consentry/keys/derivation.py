"""Purpose-bound subkeys derived from the one server secret with HKDF-SHA-256 (RFC 5869)."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def derive_key(secret: str, purpose: str) -> bytes:
    """A 32-byte key for one purpose; different purposes never share key material."""
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"consentry",
        info=purpose.encode("ascii"),
    )
    return hkdf.derive(secret.encode("utf-8"))
