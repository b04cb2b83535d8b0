"""Security headers on customer pages: strict CSP, no framing, no sniffing, no referrer."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import CLIENT_REDIRECT_URI, Demo
from tests.support.flow import consent_link, open_consent, sign_in


def csp_directives(response: httpx.Response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    directives: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_hardened(response: httpx.Response) -> None:
    directives = csp_directives(response)
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert "'unsafe-eval'" not in response.headers["content-security-policy"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"


async def test_consent_page_is_hardened(client: httpx.AsyncClient, demo: Demo) -> None:
    await sign_in(client, demo.customer_email, demo.customer_password)
    path, _ = await open_consent(client, consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    response = await client.get(path)
    assert response.status_code == 200
    assert_hardened(response)
    assert response.headers["cache-control"] == "no-store"
    # The decision redirects to the client, so the form may lead there and nowhere else.
    assert csp_directives(response)["form-action"] == ["'self'", "https://client.example"]


async def test_login_page_is_hardened(client: httpx.AsyncClient, demo: Demo) -> None:
    response = await client.get("/login")
    assert response.status_code == 200
    assert_hardened(response)
    assert csp_directives(response)["form-action"] == ["'self'"]


@pytest.mark.parametrize(
    "path",
    ["/request?client_id=unknown", "/request", "/consent/unknown-handle", "/no-such-page"],
    ids=["unknown-client", "empty-link", "unknown-consent", "not-found"],
)
async def test_error_pages_are_hardened(client: httpx.AsyncClient, demo: Demo, path: str) -> None:
    await sign_in(client, demo.customer_email, demo.customer_password)
    response = await client.get(path)
    assert 400 <= response.status_code < 500
    assert_hardened(response)


async def test_redirects_back_to_the_client_send_no_referrer(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    # The redirect carries the code: Referrer-Policy keeps it out of the next page's Referer.
    link = consent_link(demo.client_id, CLIENT_REDIRECT_URI, response_type="token")
    response = await client.get(link)
    assert response.status_code == 303
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["cache-control"] == "no-store"


async def test_token_endpoint_responses_carry_the_headers_too(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    response = await client.post(
        "/oauth2/token",
        content=b"grant_type=refresh_token",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
