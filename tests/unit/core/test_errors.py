"""The error hierarchy: one class per RFC 6749 / RFC 6750 code, client-safe descriptions only."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consentry.core.errors import (
    AccessDenied,
    AuthorizationPageError,
    InsufficientScope,
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    InvalidScope,
    InvalidToken,
    OAuthError,
    RedirectableError,
    ServerError,
    TooManyRequests,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
)

# RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E.
ALLOWED = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in '"\\')


@pytest.mark.parametrize(
    ("error_class", "code", "status"),
    [
        pytest.param(InvalidRequest, "invalid_request", 400, id="invalid_request"),
        pytest.param(InvalidClient, "invalid_client", 401, id="invalid_client"),
        pytest.param(InvalidGrant, "invalid_grant", 400, id="invalid_grant"),
        pytest.param(UnauthorizedClient, "unauthorized_client", 400, id="unauthorized_client"),
        pytest.param(UnsupportedGrantType, "unsupported_grant_type", 400, id="unsupported_grant"),
        pytest.param(InvalidScope, "invalid_scope", 400, id="invalid_scope"),
        pytest.param(AccessDenied, "access_denied", 403, id="access_denied"),
        pytest.param(UnsupportedResponseType, "unsupported_response_type", 400, id="resp-type"),
        pytest.param(ServerError, "server_error", 500, id="server_error"),
        pytest.param(InvalidToken, "invalid_token", 401, id="invalid_token-rfc6750"),
        pytest.param(InsufficientScope, "insufficient_scope", 403, id="insufficient_scope"),
        pytest.param(OAuthError, "server_error", 400, id="base-class"),
    ],
)
def test_each_class_carries_its_rfc_code_and_status(
    error_class: type[OAuthError], code: str, status: int
) -> None:
    error = error_class()
    assert (error.error, error.status_code) == (code, status)
    assert error.description == error_class.default_description
    assert str(error) == error.description
    assert error.debug is None


def test_description_and_debug_are_kept_apart() -> None:
    error = InvalidGrant("The code expired.", debug="code hash 1234 expired at 12:00")
    assert error.description == "The code expired."
    assert error.debug == "code hash 1234 expired at 12:00"
    assert "1234" not in str(error)


def test_empty_description_falls_back_to_the_default() -> None:
    assert InvalidScope("").description == InvalidScope.default_description


@given(st.text(alphabet=ALLOWED))
def test_description_inside_the_rfc_6749_charset_is_accepted(text: str) -> None:
    assert InvalidRequest(text).description == (text or InvalidRequest.default_description)


@pytest.mark.parametrize(
    "description",
    [
        pytest.param('Say "no"', id="double-quote"),
        pytest.param("C:\\path", id="backslash"),
        pytest.param("Paramètre manquant", id="non-ascii"),
        pytest.param("line\nbreak", id="newline-inside"),
        pytest.param("tab\there", id="tab"),
        pytest.param("\x7f", id="del"),
    ],
)
def test_description_outside_the_rfc_6749_charset_is_rejected(description: str) -> None:
    with pytest.raises(ValueError, match="character set"):
        InvalidRequest(description)


def test_description_ending_in_newline_is_rejected() -> None:
    with pytest.raises(ValueError, match="character set"):
        InvalidRequest("The request is malformed.\n")


@pytest.mark.parametrize("used_basic", [True, False], ids=["basic", "post"])
def test_invalid_client_remembers_whether_basic_was_used(used_basic: bool) -> None:
    error = InvalidClient("nope", used_basic=used_basic, debug="unknown client")
    assert (error.used_basic, error.description, error.debug) == (
        used_basic,
        "nope",
        "unknown client",
    )


def test_invalid_client_defaults_to_not_basic() -> None:
    assert InvalidClient().used_basic is False


def test_too_many_requests_carries_retry_after() -> None:
    error = TooManyRequests(30)
    assert (error.error, error.status_code, error.retry_after) == ("too_many_requests", 429, 30)
    assert TooManyRequests(5, "Slow down.").description == "Slow down."


def test_authorization_page_error_has_title_and_detail() -> None:
    error = AuthorizationPageError("Unknown application", "No such client_id.")
    assert (str(error), error.title, error.detail) == (
        "Unknown application",
        "Unknown application",
        "No such client_id.",
    )


def test_redirectable_error_carries_error_redirect_uri_and_state() -> None:
    cause = UnsupportedResponseType()
    error = RedirectableError(cause, "https://app.example/cb", "st ate")
    assert (error.error, error.redirect_uri, error.state) == (
        cause,
        "https://app.example/cb",
        "st ate",
    )
    assert str(error) == "unsupported_response_type"
