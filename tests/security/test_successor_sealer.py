"""The sealed successor pair opens only with the old refresh token and the server key.

↔ keys/successor.py (unit tests: no database, no HTTP)
"""

from __future__ import annotations

import pytest

from consentry.keys.derivation import derive_key
from consentry.keys.successor import RefreshSuccessorSealer

SALT = derive_key("a-server-secret-that-is-long-enough-000", "consentry/refresh-successor/v1")
OLD_TOKEN = "old-refresh-token-value-with-256-bits-of-randomness-0123"
PAYLOAD = b'{"access_token": "a", "refresh_token": "r"}'


def test_seal_then_open_with_the_old_token() -> None:
    sealer = RefreshSuccessorSealer(SALT)

    sealed = sealer.seal(OLD_TOKEN, PAYLOAD)

    assert PAYLOAD not in sealed
    assert sealer.open(OLD_TOKEN, sealed) == PAYLOAD


def test_each_seal_uses_a_fresh_nonce() -> None:
    sealer = RefreshSuccessorSealer(SALT)

    assert sealer.seal(OLD_TOKEN, PAYLOAD) != sealer.seal(OLD_TOKEN, PAYLOAD)


@pytest.mark.parametrize(
    ("token", "salt", "tamper"),
    [
        (OLD_TOKEN + "x", SALT, False),
        (OLD_TOKEN, derive_key("another-server-secret-that-is-long-enough", "x"), False),
        (OLD_TOKEN, SALT, True),
    ],
    ids=["another token", "another server key", "tampered ciphertext"],
)
def test_nothing_else_opens_it(token: str, salt: bytes, tamper: bool) -> None:
    sealed = RefreshSuccessorSealer(SALT).seal(OLD_TOKEN, PAYLOAD)
    if tamper:
        sealed = sealed[:-1] + bytes([sealed[-1] ^ 1])

    assert RefreshSuccessorSealer(salt).open(token, sealed) is None


def test_truncated_value_does_not_open() -> None:
    assert RefreshSuccessorSealer(SALT).open(OLD_TOKEN, b"short") is None


def test_salt_must_be_a_real_key() -> None:
    with pytest.raises(ValueError, match="salt"):
        RefreshSuccessorSealer(b"short")


@pytest.mark.parametrize("old_token", [OLD_TOKEN, "é-non-ascii", "x" * 300])
def test_the_key_is_rfc5869_hkdf_sha256(old_token: str) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    reference = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=SALT, info=b"consentry/refresh-successor/v1"
    ).derive(old_token.encode("utf-8", "surrogateescape"))
    assert RefreshSuccessorSealer(SALT).derive(old_token) == reference
