"""Through HTTP: deleting a pair ends its tokens at once; deactivation and PKCE take effect.

A token works → the pair is deleted in the portal → the partner API answers 401 and the refresh
token is invalid_grant. Deactivated apps fail at the consent link and at the token endpoint.
"""

from __future__ import annotations

import base64
import json

import httpx

from consentry.core.authorize import UNKNOWN_CLIENT
from consentry.portal.accounts import Developer
from tests.conftest import CLIENT_REDIRECT_URI, Demo
from tests.portal.conftest import unit
from tests.support.flow import bearer, consent_link, exchange_code, obtain_code, refresh
from tests.support.services import Services

ADVERTISERS_ME = "/2027-01/advertisers/me"


def _grant_id(access_token: str) -> str:
    """The `gid` claim of a JWT access token (read without verifying: the test made it)."""
    payload = access_token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["gid"])


async def _tokens(
    client: httpx.AsyncClient, demo: Demo, client_id: str, secret: str
) -> dict[str, str]:
    code = await obtain_code(
        client,
        client_id=client_id,
        redirect_uri=CLIENT_REDIRECT_URI,
        email=demo.customer_email,
        password=demo.customer_password,
        advertisers=[demo.advertiser("Maison Lumière")],
    )
    response = await exchange_code(
        client, code, client_id=client_id, client_secret=secret, redirect_uri=CLIENT_REDIRECT_URI
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_deleting_a_pair_ends_its_access_and_refresh_tokens(
    client: httpx.AsyncClient, demo: Demo, services: Services, demo_developer: Developer
) -> None:
    tokens = await _tokens(client, demo, demo.client_id, demo.client_secret)
    assert (
        await client.get(ADVERTISERS_ME, headers=bearer(tokens["access_token"]))
    ).status_code == 200

    async with unit(services) as uow:
        await services.portal.credentials.delete(
            uow, demo_developer, demo.app.app_id, demo.client_id
        )

    me = await client.get(ADVERTISERS_ME, headers=bearer(tokens["access_token"]))
    assert me.status_code == 401, me.text
    refreshed = await refresh(
        client, tokens["refresh_token"], client_id=demo.client_id, client_secret=demo.client_secret
    )
    # The pair itself is gone, so it no longer authenticates: invalid_client, before any grant.
    assert refreshed.status_code == 401
    assert refreshed.json()["error"] == "invalid_client"
    async with unit(services) as uow:
        assert await uow.grants.get(_grant_id(tokens["access_token"])) is None


async def test_deleting_one_pair_leaves_the_other_pairs_tokens_working(
    client: httpx.AsyncClient, demo: Demo, services: Services, demo_developer: Developer
) -> None:
    async with unit(services) as uow:
        second = await services.portal.credentials.create(uow, demo_developer, demo.app.app_id)
    kept = await _tokens(client, demo, second.credential.client_id, second.client_secret)
    async with unit(services) as uow:
        await services.portal.credentials.delete(
            uow, demo_developer, demo.app.app_id, demo.client_id
        )
    assert (
        await client.get(ADVERTISERS_ME, headers=bearer(kept["access_token"]))
    ).status_code == 200
    refreshed = await refresh(
        client,
        kept["refresh_token"],
        client_id=second.credential.client_id,
        client_secret=second.client_secret,
    )
    assert refreshed.status_code == 200, refreshed.text


async def test_a_deactivated_app_fails_at_the_consent_link_and_the_token_endpoint(
    client: httpx.AsyncClient, demo: Demo, services: Services, demo_developer: Developer
) -> None:
    tokens = await _tokens(client, demo, demo.client_id, demo.client_secret)
    async with unit(services) as uow:
        await services.portal.apps.set_activation(uow, demo_developer, demo.app.app_id, False)
    page = await client.get(consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    assert page.status_code == 400
    assert UNKNOWN_CLIENT in page.text
    assert "location" not in page.headers
    refreshed = await refresh(
        client, tokens["refresh_token"], client_id=demo.client_id, client_secret=demo.client_secret
    )
    assert refreshed.status_code == 401
    assert refreshed.json()["error"] == "invalid_client"


async def test_with_pkce_on_a_link_without_code_challenge_fails(
    client: httpx.AsyncClient, demo: Demo, services: Services, demo_developer: Developer
) -> None:
    async with unit(services) as uow:
        await services.portal.apps.set_pkce(uow, demo_developer, demo.app.app_id, True)
    response = await client.get(consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(CLIENT_REDIRECT_URI) and "error=invalid_request" in location
