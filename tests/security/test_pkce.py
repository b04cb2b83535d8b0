"""PKCE (RFC 7636), S256 only, through the consent link and the token endpoint.

↔ core/pkce.py, core/authorize.py, core/grants/authorization_code.py
"""

from __future__ import annotations

import base64
import hashlib
import secrets

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.core.pkce import s256
from tests.conftest import CLIENT_REDIRECT_URI, ISSUER, Demo
from tests.support.flow import consent_link, exchange_code, obtain_code, query_of, sign_in
from tests.support.world import require_pkce

VERIFIER = secrets.token_urlsafe(48)  # 64 characters of the unreserved set


async def code_with(http: httpx.AsyncClient, demo: Demo, **pkce: str) -> str:
    return await obtain_code(
        http,
        client_id=demo.client_id,
        redirect_uri=CLIENT_REDIRECT_URI,
        email=demo.customer_email,
        password=demo.customer_password,
        advertisers=[demo.advertiser("Maison Lumière")],
        **pkce,
    )


async def redeem(http: httpx.AsyncClient, demo: Demo, code: str, **extra: str) -> httpx.Response:
    return await exchange_code(
        http,
        code,
        client_id=demo.client_id,
        client_secret=demo.client_secret,
        redirect_uri=CLIENT_REDIRECT_URI,
        **extra,
    )


async def link_error(http: httpx.AsyncClient, demo: Demo, **params: str) -> dict[str, str]:
    """Open a consent link that must be refused back to the client; returns the redirect's query."""
    await sign_in(http, demo.customer_email, demo.customer_password)
    response = await http.get(consent_link(demo.client_id, CLIENT_REDIRECT_URI, **params))
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith(CLIENT_REDIRECT_URI)
    return query_of(response.headers["location"])


def test_s256_is_the_rfc_7636_appendix_b_transform() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    digest = hashlib.sha256(VERIFIER.encode()).digest()
    assert s256(VERIFIER) == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def test_s256_is_accepted_for_an_app_without_the_switch(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    code = await code_with(
        client, demo, code_challenge=s256(VERIFIER), code_challenge_method="S256"
    )

    response = await redeem(client, demo, code, code_verifier=VERIFIER)

    assert response.status_code == 200, response.text


async def test_required_pkce_refuses_a_link_without_challenge(
    client: httpx.AsyncClient, demo: Demo, engine: AsyncEngine
) -> None:
    await require_pkce(engine, demo.app.app_id)

    error = await link_error(client, demo)

    assert error["error"] == "invalid_request" and error["iss"] == ISSUER
    assert error["state"] == "xyz"


async def test_required_pkce_accepts_s256(
    client: httpx.AsyncClient, demo: Demo, engine: AsyncEngine
) -> None:
    await require_pkce(engine, demo.app.app_id)
    code = await code_with(
        client, demo, code_challenge=s256(VERIFIER), code_challenge_method="S256"
    )

    assert (await redeem(client, demo, code, code_verifier=VERIFIER)).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"code_challenge": VERIFIER, "code_challenge_method": "plain"},
        {"code_challenge": s256(VERIFIER)},  # RFC 7636 §4.3: the method defaults to plain
        {"code_challenge": s256(VERIFIER), "code_challenge_method": "s256"},
        {"code_challenge": "too-short", "code_challenge_method": "S256"},
        {"code_challenge_method": "S256"},
    ],
    ids=["plain", "method omitted", "lower-case s256", "malformed challenge", "method only"],
)
async def test_anything_but_a_valid_s256_challenge_is_refused(
    client: httpx.AsyncClient, demo: Demo, params: dict[str, str]
) -> None:
    error = await link_error(client, demo, **params)

    assert error["error"] == "invalid_request"


async def test_code_issued_with_a_challenge_needs_its_verifier(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    code = await code_with(
        client, demo, code_challenge=s256(VERIFIER), code_challenge_method="S256"
    )

    response = await redeem(client, demo, code)

    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


async def test_code_issued_with_a_challenge_refuses_a_wrong_verifier(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    code = await code_with(
        client, demo, code_challenge=s256(VERIFIER), code_challenge_method="S256"
    )

    response = await redeem(client, demo, code, code_verifier=secrets.token_urlsafe(48))

    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


async def test_verifier_for_a_code_without_challenge_is_a_refused_downgrade(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    code = await code_with(client, demo)

    response = await redeem(client, demo, code, code_verifier=VERIFIER)

    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
