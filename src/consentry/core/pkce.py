"""Proof Key for Code Exchange (RFC 7636), S256 only: `plain` is refused (RFC 9700 §2.1.1)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from consentry.core.errors import InvalidGrant, InvalidRequest

# RFC 7636 §4.1: code_verifier = 43*128unreserved.
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
# An S256 challenge is the base64url (unpadded) encoding of 32 bytes: exactly 43 characters.
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9\-_]{43}")


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def check_challenge(challenge: str | None, method: str | None, *, required: bool) -> str | None:
    """Validate the consent link's PKCE parameters; returns the challenge to remember, if any."""
    if challenge is None:
        if method is not None:
            raise InvalidRequest("code_challenge_method without code_challenge.")
        if required:
            raise InvalidRequest("This client requires PKCE with code_challenge_method=S256.")
        return None
    # RFC 7636 §4.3: the method defaults to plain, which we refuse.
    if method != "S256":
        raise InvalidRequest("Only code_challenge_method=S256 is supported.")
    if not _S256_CHALLENGE.fullmatch(challenge):
        raise InvalidRequest("code_challenge is not a valid S256 challenge.")
    return challenge


def verify(challenge: str | None, verifier: str | None) -> None:
    """RFC 7636 §4.6: the verifier must match the challenge stored with the code."""
    if challenge is None:
        if verifier is not None:
            # A verifier for a code issued without a challenge is a downgrade attempt.
            raise InvalidGrant("code_verifier sent for a code issued without code_challenge.")
        return
    if verifier is None:
        raise InvalidGrant("code_verifier is required for this code.")
    if not _VERIFIER.fullmatch(verifier):
        raise InvalidGrant("code_verifier is malformed.")
    if not hmac.compare_digest(s256(verifier), challenge):
        raise InvalidGrant("code_verifier does not match the code_challenge.")
