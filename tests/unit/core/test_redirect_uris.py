"""Redirect URI registration rules (RFC 6749 §3.1.2, RFC 9700 §4.1.3) and exact matching."""

from __future__ import annotations

import pytest

from consentry.core.redirect_uris import (
    MAX_REDIRECT_URI_LENGTH,
    RedirectUriRejected,
    is_registered,
    normalize_redirect_uri,
)


@pytest.mark.parametrize(
    ("uri", "stored"),
    [
        pytest.param("https://app.example/cb", "https://app.example/cb", id="https-kept"),
        pytest.param("  https://app.example/cb\t", "https://app.example/cb", id="stripped"),
        pytest.param("HTTPS://App.Example/cb", "https://app.example/cb", id="scheme-host-lowered"),
        pytest.param("https://app.example:443/cb", "https://app.example/cb", id="default-443"),
        pytest.param("https://app.example:8443/cb", "https://app.example:8443/cb", id="port-kept"),
        pytest.param("https://app.example", "https://app.example/", id="empty-path-is-slash"),
        pytest.param(
            "https://app.example/cb?a=1&b=2", "https://app.example/cb?a=1&b=2", id="query"
        ),
        pytest.param("https://app.example/Path/CB", "https://app.example/Path/CB", id="path-case"),
        pytest.param("http://localhost/cb", "http://localhost/cb", id="http-localhost"),
        pytest.param("http://localhost:80/cb", "http://localhost/cb", id="default-80"),
        pytest.param("http://localhost:3000/cb", "http://localhost:3000/cb", id="localhost-port"),
        pytest.param("http://127.0.0.1:8080/cb", "http://127.0.0.1:8080/cb", id="http-127"),
        pytest.param("http://[::1]:8080/cb", "http://[::1]:8080/cb", id="http-ipv6-loopback"),
        pytest.param("https://[2001:db8::1]/cb", "https://[2001:db8::1]/cb", id="https-ipv6"),
        pytest.param("https://app.example:/cb", "https://app.example/cb", id="empty-port"),
    ],
)
def test_accepted_uri_is_stored_normalized(uri: str, stored: str) -> None:
    assert normalize_redirect_uri(uri) == stored


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        pytest.param("", "Enter", id="empty"),
        pytest.param("   ", "Enter", id="blank"),
        pytest.param("https://app.example/" + "a" * MAX_REDIRECT_URI_LENGTH, "at most", id="long"),
        pytest.param("https://app.example/a b", "spaces", id="space"),
        pytest.param("https://app.example/\x00", "control", id="nul"),
        pytest.param("https://app.example/\x7f", "control", id="del"),
        pytest.param("https://*.app.example/cb", "Wildcard", id="wildcard-host"),
        pytest.param("https://app.example/*", "Wildcard", id="wildcard-path"),
        pytest.param("https://app.example:99999/cb", "not a valid URL", id="port-out-of-range"),
        pytest.param("https://app.example:x/cb", "not a valid URL", id="port-not-numeric"),
        pytest.param("https://[::1/cb", "not a valid URL", id="broken-ipv6"),
        pytest.param("ftp://app.example/cb", "https://", id="other-scheme"),
        pytest.param("com.example.app:/cb", "https://", id="custom-scheme"),
        pytest.param("/criteo-auth/callback", "https://", id="relative"),
        pytest.param("https:///cb", "https://", id="no-host"),
        pytest.param("https://app.example/cb#frag", "fragment", id="fragment"),
        pytest.param("https://app.example/cb#", "fragment", id="empty-fragment"),
        pytest.param("https://user:pw@app.example/cb", "user name", id="userinfo"),
        pytest.param("https://@app.example/cb", "user name", id="empty-userinfo"),
        pytest.param("http://app.example/cb", "HTTPS is required", id="http-public-host"),
        pytest.param("http://127.0.0.2/cb", "HTTPS is required", id="http-other-loopback"),
        pytest.param("http://localhost.evil.example/cb", "HTTPS is required", id="http-lookalike"),
    ],
)
def test_rejected_uri_says_why(uri: str, reason: str) -> None:
    with pytest.raises(RedirectUriRejected, match=reason):
        normalize_redirect_uri(uri)


def test_uri_of_maximum_length_is_accepted() -> None:
    uri = "https://app.example/" + "a" * (MAX_REDIRECT_URI_LENGTH - len("https://app.example/"))
    assert normalize_redirect_uri(uri) == uri


@pytest.mark.parametrize(
    ("presented", "registered", "expected"),
    [
        pytest.param("https://app.example/cb", {"https://app.example/cb"}, True, id="exact"),
        pytest.param("https://app.example/cb/", {"https://app.example/cb"}, False, id="slash"),
        pytest.param("https://APP.example/cb", {"https://app.example/cb"}, False, id="case"),
        pytest.param("https://app.example/cb?x=1", {"https://app.example/cb"}, False, id="query"),
        pytest.param("https://app.example:443/cb", {"https://app.example/cb"}, False, id="port"),
        pytest.param("https://app.example/cb", set(), False, id="none-registered"),
    ],
)
def test_match_is_exact_string_comparison_rfc6749_3_1_2_3(
    presented: str, registered: set[str], expected: bool
) -> None:
    assert is_registered(presented, frozenset(registered)) is expected
