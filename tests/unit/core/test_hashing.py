"""Random values and their keyed hashes, stored instead of codes, tokens and secrets."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest

from consentry.core.hashing import SecretHasher, new_identifier, new_secret

KEY = b"k" * 32


def test_new_secret_is_url_safe_with_256_bits() -> None:
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", s) for s in secrets)


def test_new_identifier_is_128_bits_of_hex() -> None:
    identifiers = {new_identifier() for _ in range(50)}
    assert len(identifiers) == 50
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in identifiers)


@pytest.mark.parametrize("length", [0, 16, 31], ids=lambda n: f"{n}-bytes")
def test_short_key_is_refused(length: int) -> None:
    with pytest.raises(ValueError, match="at least 32 bytes"):
        SecretHasher(b"k" * length)


def test_hash_is_hmac_sha256_under_the_key() -> None:
    expected = hmac.new(KEY, b"secret", hashlib.sha256).digest()
    assert SecretHasher(KEY).hash("secret") == expected


def test_hash_depends_on_the_key() -> None:
    assert SecretHasher(KEY).hash("secret") != SecretHasher(b"j" * 32).hash("secret")


@pytest.mark.parametrize(
    ("presented", "expected"),
    [
        pytest.param("secret", True, id="same-value"),
        pytest.param("Secret", False, id="other-value"),
        pytest.param("", False, id="empty"),
        pytest.param("secret ", False, id="trailing-space"),
    ],
)
def test_verify(presented: str, expected: bool) -> None:
    hasher = SecretHasher(KEY)
    assert hasher.verify(presented, hasher.hash("secret")) is expected


def test_verify_refuses_a_digest_of_another_length() -> None:
    assert SecretHasher(KEY).verify("secret", b"\x00" * 16) is False


def test_hash_accepts_non_utf8_bytes_smuggled_as_surrogates() -> None:
    hasher = SecretHasher(KEY)
    assert hasher.hash("\udcff") != hasher.hash("\udcfe")
