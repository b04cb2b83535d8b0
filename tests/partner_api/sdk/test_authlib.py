"""The same flows with a generic OAuth 2.0 client nobody here wrote: Authlib's httpx client.

consentry is plain RFC 6749 underneath: Authlib builds the consent link (with PKCE S256 and
`state`), checks `state` on the way back, exchanges the code, refreshes on its own when the access
token expires, and authenticates with `client_secret_basic` or `client_secret_post`.
"""

from __future__ import annotations

import asyncio
import warnings
from typing import Any

import httpx

from tests.conftest import CLIENT_REDIRECT_URI
from tests.partner_api.sdk.conftest import ROBOT_ADVERTISERS, World
from tests.support.flow import decide, open_consent, sign_in

with warnings.catch_warnings():
    # Authlib 1.9 prefers `httpx2` and warns once when it falls back to httpx, the project's
    # client. Its own "always" filter is installed on import, so ours must come after it; both
    # are undone when this block ends.
    import authlib.deprecate  # noqa: F401

    warnings.filterwarnings("ignore", "The httpx module is deprecated", DeprecationWarning)
    from authlib.common.security import generate_token
    from authlib.integrations.httpx_client import AsyncOAuth2Client

GRANTED = ("Maison Lumière", "Pixel & Pine Toys")


def ids(body: dict[str, Any]) -> list[int]:
    return sorted(int(item["id"]) for item in body["data"])


async def consent_through_the_page(world: World, link: str, names: tuple[str, ...]) -> str:
    """Sign in, open Authlib's consent link, approve; returns the callback URL with the code."""
    demo = world.demo
    async with httpx.AsyncClient(base_url=world.base_url) as browser:
        await sign_in(browser, demo.customer_email, demo.customer_password)
        path, html = await open_consent(browser, link)
        decision = await decide(browser, path, html, "approve", list(world.advertisers(*names)))
    assert decision.status_code == 303, decision.text
    return decision.headers["location"]


async def test_client_credentials_with_authlib(launch: Any) -> None:
    world: World = await launch()
    robot = world.robot
    async with AsyncOAuth2Client(robot.client_id, robot.client_secret) as oauth:  # Basic auth
        token = await oauth.fetch_token(
            f"{world.base_url}/oauth2/token", grant_type="client_credentials"
        )
        assert token["token_type"] == "Bearer" and token["refresh_token"] is None
        advertisers = await oauth.get(f"{world.base_url}/2027-01/advertisers/me")
        application = await oauth.get(f"{world.base_url}/2027-01/marketing-solutions/me")
    assert advertisers.status_code == 200, advertisers.text
    assert ids(advertisers.json()) == list(world.advertisers(*ROBOT_ADVERTISERS))
    assert application.json()["data"]["attributes"]["applicationId"] == robot.app_id


async def test_authorization_code_with_pkce_then_automatic_refresh(launch: Any) -> None:
    world: World = await launch(access_token_ttl_seconds="2", access_token_leeway_seconds="0")
    demo = world.demo
    token_url = f"{world.base_url}/oauth2/token"
    refreshed: list[dict[str, Any]] = []

    async def remember(token: dict[str, Any], refresh_token: str | None = None) -> None:
        refreshed.append(token)

    async with AsyncOAuth2Client(
        demo.client_id,
        demo.client_secret,
        token_endpoint_auth_method="client_secret_post",
        redirect_uri=CLIENT_REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint=token_url,
        update_token=remember,
        leeway=0,
    ) as oauth:
        verifier = generate_token(64)
        link, state = oauth.create_authorization_url(
            f"{world.base_url}/request", code_verifier=verifier
        )
        callback = await consent_through_the_page(world, link, GRANTED)
        first = await oauth.fetch_token(
            token_url, authorization_response=callback, state=state, code_verifier=verifier
        )
        me = await oauth.get(f"{world.base_url}/2027-01/advertisers/me")
        assert me.status_code == 200 and ids(me.json()) == list(world.advertisers(*GRANTED))

        await asyncio.sleep(3.2)  # past `exp` (whole seconds) with no leeway
        again = await oauth.get(f"{world.base_url}/2027-01/advertisers/me")
    assert again.status_code == 200, again.text
    assert len(refreshed) == 1  # Authlib refreshed by itself before the call
    assert refreshed[0]["refresh_token"] != first["refresh_token"]
    assert refreshed[0]["access_token"] != first["access_token"]


async def test_refresh_token_lists_retail_media_accounts_with_authlib(launch: Any) -> None:
    world: World = await launch()
    retail = world.retail
    refresh_token = await world.refresh_token(retail, *GRANTED)
    async with AsyncOAuth2Client(
        retail.client_id, retail.client_secret, token_endpoint_auth_method="client_secret_post"
    ) as oauth:
        token = await oauth.refresh_token(
            f"{world.base_url}/oauth2/token", refresh_token=refresh_token
        )
        assert token["refresh_token"] != refresh_token
        page = await oauth.get(
            f"{world.base_url}/2027-01/retail-media/accounts", params={"pageSize": 10}
        )
    assert page.status_code == 200, page.text
    body = page.json()
    assert body["metadata"]["totalItemsAcrossAllPages"] == 14
    assert body["metadata"]["totalPages"] == 2 and len(body["data"]) == 10
