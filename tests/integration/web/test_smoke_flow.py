"""The happy path end to end through HTTP: consent → code → tokens → partner API → refresh."""

from __future__ import annotations

import httpx

from tests.conftest import CLIENT_REDIRECT_URI, ISSUER, Demo
from tests.support.flow import obtain_code


async def test_full_authorization_code_flow(client: httpx.AsyncClient, demo: Demo) -> None:
    chosen = [demo.advertiser("Maison Lumière"), demo.advertiser("Pixel & Pine Toys")]
    code = await obtain_code(
        client,
        client_id=demo.client_id,
        redirect_uri=CLIENT_REDIRECT_URI,
        email=demo.customer_email,
        password=demo.customer_password,
        advertisers=chosen,
    )
    token = await client.post(
        "/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CLIENT_REDIRECT_URI,
            "client_id": demo.client_id,
            "client_secret": demo.client_secret,
        },
    )
    assert token.status_code == 200, token.text
    body = token.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert token.headers["cache-control"] == "no-store"

    me = await client.get(
        "/2027-01/advertisers/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200, me.text
    assert [a["id"] for a in me.json()["data"]] == [str(a) for a in sorted(chosen)]

    refreshed = await client.post(
        "/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": demo.client_id,
            "client_secret": demo.client_secret,
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    assert refreshed.json()["refresh_token"] != body["refresh_token"]
    assert ISSUER
