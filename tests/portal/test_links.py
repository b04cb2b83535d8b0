"""Consent links: the builder for authorization-code apps, and the signed single-use links of
client-credentials apps (`/request?nonce=…&hmac=…`, 30 days) that record app-level grants."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from consentry.core.authorize import UNKNOWN_CLIENT
from consentry.portal.accounts import Developer
from consentry.portal.apps import AppForm
from consentry.portal.errors import ConsentLinkInvalid, InvalidInput
from consentry.storage.sql import schema as t
from tests.conftest import CLIENT_REDIRECT_URI, Demo
from tests.portal.conftest import create_app, csrf_of, unit
from tests.support.flow import sign_in
from tests.support.services import Services

CC_FORM = AppForm("Feed Sync", "Nightly sync.", "C-Growth", "client_credentials", {"Reco": "read"})


async def test_the_builder_makes_a_link_from_a_pair_and_a_registered_uri(
    services: Services, demo: Demo, demo_developer: Developer
) -> None:
    links = services.portal.links
    app_id = demo.app.app_id
    async with unit(services) as uow:
        url = await links.authorization_link(
            uow,
            demo_developer,
            app_id,
            client_id=demo.client_id,
            redirect_uri=CLIENT_REDIRECT_URI,
            state="s t&",
        )
        with pytest.raises(InvalidInput) as wrong_uri:
            await links.authorization_link(
                uow,
                demo_developer,
                app_id,
                client_id=demo.client_id,
                redirect_uri="https://evil.example/cb",
            )
        with pytest.raises(InvalidInput) as wrong_pair:
            await links.authorization_link(
                uow, demo_developer, app_id, client_id="nope", redirect_uri=CLIENT_REDIRECT_URI
            )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "http://localhost:8000/request"
    assert parse_qs(parts.query) == {
        "response_type": ["code"],
        "client_id": [demo.client_id],
        "redirect_uri": [CLIENT_REDIRECT_URI],
        "state": ["s t&"],
    }
    assert wrong_uri.value.errors[0].field == "redirect_uri"
    assert wrong_pair.value.errors[0].field == "client_id"


async def _signed_cc_link(services: Services, developer: Developer) -> tuple[int, str]:
    app_id = await create_app(services, developer, CC_FORM)
    async with unit(services) as uow:
        await services.portal.apps.set_activation(uow, developer, app_id, True)
        link = await services.portal.links.signed_link(uow, developer, app_id)
    assert link.expires_at == services.clock.now() + timedelta(days=30)
    return app_id, link.url


def _nonce_and_mac(url: str) -> tuple[str, str]:
    query = parse_qs(urlsplit(url).query)
    assert set(query) == {"nonce", "hmac"}
    return query["nonce"][0], query["hmac"][0]


async def test_a_signed_link_records_an_app_level_grant_once(
    services: Services, demo: Demo, demo_developer: Developer, engine: AsyncEngine
) -> None:
    app_id, url = await _signed_cc_link(services, demo_developer)
    nonce, mac = _nonce_and_mac(url)
    chosen = [str(demo.advertiser("Maison Lumière")), str(demo.advertiser("Riverside Grocers"))]
    async with unit(services) as uow:
        customer = await uow.users.get(demo.app.customer_id)
        assert customer is not None
        view = await services.portal.links.open(uow, nonce, mac, customer)
        assert view.app.id == app_id and len(view.grantable) == 4
        approval = await services.portal.links.approve(uow, nonce, mac, customer, chosen)
    async with engine.connect() as conn:
        grant = (await conn.execute(select(t.Grant).where(t.Grant.id == approval.grant.id))).one()
        advertisers = set(
            await conn.scalars(
                select(t.GrantAdvertiser.advertiser_id).where(
                    t.GrantAdvertiser.grant_id == grant.id
                )
            )
        )
    assert grant.credential_id is None and grant.app_id == app_id
    assert grant.user_id == demo.app.customer_id and grant.scopes == "MarketingSolutions_Reco_Read"
    assert advertisers == {int(a) for a in chosen}
    async with unit(services) as uow:
        with pytest.raises(ConsentLinkInvalid, match="already used"):
            await services.portal.links.approve(uow, nonce, mac, customer, chosen)


async def test_forged_expired_and_unpublished_links_are_refused(
    services: Services, demo: Demo, demo_developer: Developer, clock: FixedClock
) -> None:
    app_id, url = await _signed_cc_link(services, demo_developer)
    nonce, mac = _nonce_and_mac(url)
    links = services.portal.links
    async with unit(services) as uow:
        customer = await uow.users.get(demo.app.customer_id)
        assert customer is not None
        for forged_nonce, forged_mac in ((nonce, mac[:-2] + "AA"), (nonce + "x", mac), ("", mac)):
            with pytest.raises(ConsentLinkInvalid):
                await links.open(uow, forged_nonce, forged_mac, customer)
        await services.portal.apps.set_activation(uow, demo_developer, app_id, False)
        with pytest.raises(ConsentLinkInvalid, match=UNKNOWN_CLIENT):
            await links.open(uow, nonce, mac, customer)
        await services.portal.apps.set_activation(uow, demo_developer, app_id, True)
        await links.open(uow, nonce, mac, customer)
    clock.advance(timedelta(days=30, seconds=1))
    async with unit(services) as uow:
        with pytest.raises(ConsentLinkInvalid, match="expired"):
            await links.open(uow, nonce, mac, customer)


async def test_only_grantable_advertisers_can_be_chosen(
    services: Services, demo: Demo, demo_developer: Developer
) -> None:
    _, url = await _signed_cc_link(services, demo_developer)
    nonce, mac = _nonce_and_mac(url)
    async with unit(services) as uow:
        customer = await uow.users.get(demo.app.customer_id)
        assert customer is not None
        for selected in ([], [str(demo.advertiser("Atlas Travel Deals"))], ["²"], ["1", "x"]):
            with pytest.raises(InvalidInput):
                await services.portal.links.approve(uow, nonce, mac, customer, selected)


async def test_link_kinds_match_auth_methods(
    services: Services, demo: Demo, demo_developer: Developer
) -> None:
    cc_id = await create_app(services, demo_developer, CC_FORM)
    async with unit(services) as uow:
        with pytest.raises(InvalidInput):
            await services.portal.links.signed_link(uow, demo_developer, demo.app.app_id)
        with pytest.raises(InvalidInput):
            await services.portal.links.authorization_link(
                uow, demo_developer, cc_id, client_id="x", redirect_uri="https://a.example/"
            )


async def test_a_customer_grants_through_the_signed_link_in_the_browser_flow(
    client: httpx.AsyncClient, services: Services, demo: Demo, demo_developer: Developer
) -> None:
    _, url = await _signed_cc_link(services, demo_developer)
    path = url.removeprefix("http://localhost:8000")
    opened = await client.get(path)
    assert opened.status_code == 303 and opened.headers["location"].startswith("/consent-link?")
    to_login = await client.get(opened.headers["location"])
    assert to_login.status_code == 303 and to_login.headers["location"].startswith("/login?next=")
    await sign_in(client, demo.customer_email, demo.customer_password)
    page = await client.get(opened.headers["location"])
    assert page.status_code == 200, page.text[-900:]
    assert "Feed Sync" in page.text
    nonce, mac = _nonce_and_mac(url)
    form = {"csrf_token": csrf_of(page.text), "nonce": nonce, "hmac": mac, "decision": "approve"}
    empty = await client.post("/consent-link", data=form)
    assert empty.status_code == 400 and "at least one advertiser" in empty.text
    granted = await client.post(
        "/consent-link", data={**form, "advertiser": str(demo.advertiser("Maison Lumière"))}
    )
    assert granted.status_code == 200 and "Access granted" in granted.text
    again = await client.get(opened.headers["location"])
    assert again.status_code == 400 and "already used" in again.text


async def test_the_app_reads_the_granted_advertisers_with_client_credentials(
    client: httpx.AsyncClient, services: Services, demo: Demo, demo_developer: Developer
) -> None:
    """The portal's signed link, end to end with the client-credentials grant (another module)."""
    app_id, url = await _signed_cc_link(services, demo_developer)
    async with unit(services) as uow:
        pair = await services.portal.credentials.create(uow, demo_developer, app_id)
        customer = await uow.users.get(demo.app.customer_id)
        assert customer is not None
        nonce, mac = _nonce_and_mac(url)
        chosen = str(demo.advertiser("Riverside Grocers"))
        await services.portal.links.approve(uow, nonce, mac, customer, [chosen])
    token = await client.post(
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": pair.credential.client_id,
            "client_secret": pair.client_secret,
        },
    )
    assert token.status_code == 200, token.text
    assert token.json()["refresh_token"] is None
    me = await client.get(
        "/2027-01/advertisers/me",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )
    assert me.status_code == 200, me.text
    assert [a["id"] for a in me.json()["data"]] == [chosen]
