"""PKCE (RFC 7636) as the consent link and the token endpoint apply it: S256 only."""

from __future__ import annotations

import pytest

from consentry.core import pkce
from consentry.core.errors import InvalidGrant, InvalidRequest

# RFC 7636 Appendix B.
VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_s256_matches_rfc_7636_appendix_b() -> None:
    assert pkce.s256(VERIFIER) == CHALLENGE


@pytest.mark.parametrize(
    ("challenge", "method", "required", "expected"),
    [
        pytest.param(CHALLENGE, "S256", False, CHALLENGE, id="s256-accepted"),
        pytest.param(CHALLENGE, "S256", True, CHALLENGE, id="s256-satisfies-required-pkce"),
        pytest.param(None, None, False, None, id="no-pkce-when-not-required"),
    ],
)
def test_valid_challenge_is_remembered(
    challenge: str | None, method: str | None, required: bool, expected: str | None
) -> None:
    assert pkce.check_challenge(challenge, method, required=required) == expected


@pytest.mark.parametrize(
    ("challenge", "method", "required"),
    [
        pytest.param(CHALLENGE, "plain", False, id="plain-refused-rfc9700-2.1.1"),
        pytest.param(CHALLENGE, None, False, id="method-defaults-to-plain-refused"),
        pytest.param(CHALLENGE, "s256", False, id="method-is-case-sensitive"),
        pytest.param(None, "S256", False, id="method-without-challenge"),
        pytest.param(None, None, True, id="missing-when-required-by-app"),
        pytest.param("too-short", "S256", False, id="challenge-not-43-chars"),
        pytest.param(CHALLENGE[:-1] + "=", "S256", False, id="challenge-with-padding"),
        pytest.param(CHALLENGE[:-1] + "+", "S256", False, id="challenge-not-base64url"),
    ],
)
def test_bad_challenge_is_invalid_request(
    challenge: str | None, method: str | None, required: bool
) -> None:
    with pytest.raises(InvalidRequest):
        pkce.check_challenge(challenge, method, required=required)


def test_challenge_with_trailing_newline_is_invalid_request() -> None:
    with pytest.raises(InvalidRequest):
        pkce.check_challenge(CHALLENGE + "\n", "S256", required=False)


@pytest.mark.parametrize(
    ("challenge", "verifier"),
    [
        pytest.param(CHALLENGE, VERIFIER, id="matching-verifier"),
        pytest.param(None, None, id="no-challenge-no-verifier"),
        pytest.param(pkce.s256("a" * 128), "a" * 128, id="longest-verifier"),
        pytest.param(pkce.s256("-._~" * 11), "-._~" * 11, id="unreserved-characters"),
    ],
)
def test_verify_accepts(challenge: str | None, verifier: str | None) -> None:
    pkce.verify(challenge, verifier)


@pytest.mark.parametrize(
    ("challenge", "verifier"),
    [
        pytest.param(CHALLENGE, None, id="missing-verifier"),
        pytest.param(None, VERIFIER, id="verifier-for-code-without-challenge-downgrade"),
        pytest.param(CHALLENGE, VERIFIER[:-1] + "h", id="wrong-verifier"),
        pytest.param(CHALLENGE, "a" * 42, id="verifier-too-short"),
        pytest.param(CHALLENGE, "a" * 129, id="verifier-too-long"),
        pytest.param(CHALLENGE, VERIFIER[:-1] + "/", id="verifier-outside-unreserved"),
        pytest.param(CHALLENGE, CHALLENGE, id="challenge-sent-as-verifier"),
    ],
)
def test_verify_refuses_with_invalid_grant(challenge: str | None, verifier: str | None) -> None:
    with pytest.raises(InvalidGrant):
        pkce.verify(challenge, verifier)
