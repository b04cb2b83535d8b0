"""Client authentication at the token endpoint (RFC 6749 §2.3.1): client_secret_basic or _post."""

from __future__ import annotations

import base64
from urllib.parse import quote, quote_plus

import pytest

from consentry.core.client_auth import PresentedCredentials, parse_basic_header, present_credentials
from consentry.core.errors import InvalidClient, InvalidRequest


def basic(client_id: str, secret: str, *, encode: bool = True) -> str:
    if encode:  # RFC 6749 §2.3.1: form-urlencode each part before base64
        client_id, secret = quote(client_id, safe=""), quote(secret, safe="")
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param(basic("abc", "s3cret"), ("abc", "s3cret"), id="plain"),
        pytest.param(basic("a:b", "p@ss:w/rd%"), ("a:b", "p@ss:w/rd%"), id="url-encoded-parts"),
        pytest.param(basic("id", "sécret"), ("id", "sécret"), id="utf8-secret"),
        pytest.param(basic("id", "a:b", encode=False), ("id", "a:b"), id="colon-in-raw-secret"),
        pytest.param(basic("id", ""), ("id", ""), id="empty-secret"),
        pytest.param("basic " + basic("id", "s")[6:], ("id", "s"), id="scheme-case-insensitive"),
        pytest.param("Basic  " + basic("id", "s")[6:] + " ", ("id", "s"), id="extra-spaces"),
    ],
)
def test_parse_basic_header(header: str, expected: tuple[str, str]) -> None:
    assert parse_basic_header(header) == expected


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Bearer abc", id="other-scheme"),
        pytest.param("Basic", id="no-credentials"),
        pytest.param("Basic    ", id="blank-credentials"),
        pytest.param("Basic !!!!", id="not-base64"),
        pytest.param("Basic " + base64.b64encode(b"no-colon").decode(), id="no-colon"),
        pytest.param("Basic " + base64.b64encode(b"\xff\xfe:x").decode(), id="not-utf8"),
        pytest.param(basic("id\x00", "s"), id="nul-in-client_id"),
        pytest.param(basic("id", "s\x00"), id="nul-in-secret"),
    ],
)
def test_malformed_basic_header_is_invalid_client_with_basic_flag(header: str) -> None:
    with pytest.raises(InvalidClient) as caught:
        parse_basic_header(header)
    assert caught.value.used_basic is True


def test_basic_credentials_are_form_urlencoded_rfc6749_appendix_b() -> None:
    header = "Basic " + base64.b64encode(quote_plus("my id").encode() + b":" + b"a+b").decode()
    assert parse_basic_header(header) == ("my id", "a b")


def test_non_ascii_basic_header_is_invalid_client() -> None:
    # b64decode raises a plain ValueError (not binascii.Error) for non-ASCII text.
    with pytest.raises(InvalidClient):
        parse_basic_header("Basic \xe9\xe9\xe9\xe9")


@pytest.mark.parametrize(
    ("authorization", "form_id", "form_secret", "expected"),
    [
        pytest.param(
            None, "abc", "s3cret", PresentedCredentials("abc", "s3cret", False), id="post"
        ),
        pytest.param(
            None, "abc", "", PresentedCredentials("abc", "", False), id="post-empty-secret"
        ),
        pytest.param(
            basic("abc", "s3cret"),
            None,
            None,
            PresentedCredentials("abc", "s3cret", True),
            id="basic",
        ),
        pytest.param(
            basic("abc", "s3cret"),
            "abc",
            None,
            PresentedCredentials("abc", "s3cret", True),
            id="basic-with-same-client_id-in-body",
        ),
    ],
)
def test_present_credentials_picks_the_method_used(
    authorization: str | None,
    form_id: str | None,
    form_secret: str | None,
    expected: PresentedCredentials,
) -> None:
    assert present_credentials(authorization, form_id, form_secret) == expected


@pytest.mark.parametrize(
    ("authorization", "form_id", "form_secret", "error", "used_basic"),
    [
        pytest.param(basic("abc", "s"), "abc", "s", InvalidRequest, None, id="both-methods"),
        pytest.param(
            basic("abc", "s"), None, "s", InvalidRequest, None, id="basic-and-body-secret"
        ),
        pytest.param(basic("abc", "s"), "xyz", None, InvalidRequest, None, id="ids-differ"),
        pytest.param(None, None, None, InvalidClient, False, id="no-credentials"),
        pytest.param(None, "abc", None, InvalidClient, False, id="post-without-secret"),
        pytest.param(None, None, "s", InvalidClient, False, id="post-without-client_id"),
        pytest.param(None, "", "s", InvalidClient, False, id="post-empty-client_id"),
        pytest.param("Bearer t", None, None, InvalidClient, True, id="non-basic-header"),
    ],
)
def test_present_credentials_refusals(
    authorization: str | None,
    form_id: str | None,
    form_secret: str | None,
    error: type[Exception],
    used_basic: bool | None,
) -> None:
    with pytest.raises(error) as caught:
        present_credentials(authorization, form_id, form_secret)
    if isinstance(caught.value, InvalidClient):
        assert caught.value.used_basic is used_basic
