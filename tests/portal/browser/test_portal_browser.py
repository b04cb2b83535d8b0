"""A partner developer in real Chromium: sign up, create an app with an image and domains, add a
redirect URI, create a credential (reading the secret off the page, once), activate, build the
consent link; then a customer consents and the app exchanges the code with exactly those
credentials. Also: the 6th credential, the 31st redirect URI, a non-HTTPS URI, a fake image,
another organization's app (404), and phone width.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.async_api import Page, Route, expect

from consentry.portal.credentials import MAX_REDIRECT_URIS
from tests.portal.browser.conftest import PHONE, SCREENSHOTS, Browsers, Portal
from tests.portal.conftest import PASSWORD, image_bytes

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

CALLBACK = "https://partner.example/criteo-auth/callback"  # intercepted: never leaves Chromium


async def sign_up(tab: Page, portal: Portal, email: str, organization: str) -> None:
    await tab.goto(portal.url + "/")
    await tab.click("#portal-link")
    await expect(tab).to_have_url(re.compile(r"/portal/login"))
    await tab.click("text=Create a developer account")
    await tab.fill("#organization", organization)
    await tab.fill("#display_name", "Dev " + organization)
    await tab.fill("#email", email)
    await tab.fill("#password", PASSWORD)
    await tab.click("#sign-up")
    await expect(tab).to_have_url(portal.url + "/portal/apps")
    await expect(tab.locator("#no-apps")).to_be_visible()


async def create_app(tab: Page, tmp_path: Path, name: str = "Acme Bid Optimizer") -> str:
    """Create an authorization-code Marketing Solutions app with an image; returns its page URL."""
    logo = tmp_path / "logo.png"
    logo.write_bytes(image_bytes("PNG", (96, 96)))
    await tab.click("#new-app")
    await tab.fill("#name", name)
    await tab.fill("#description", "Adjusts your campaign bids every hour.")
    await tab.set_input_files("#image", str(logo))
    await tab.check("#auth-authorization_code")
    await tab.check("#service-C-Growth")
    growth = tab.locator('[data-service-domains="C-Growth"]')
    await expect(tab.locator('[data-service-domains="C-Max"]')).to_be_hidden()
    await growth.locator('input[name="domains.C-Growth.Campaign"][value="manage"]').check()
    await growth.locator('input[name="domains.C-Growth.Analytics"][value="read"]').check()
    await expect(growth.locator("output")).to_have_text(
        "MarketingSolutions_Analytics_Read MarketingSolutions_Campaign_Manage"
    )
    await tab.click("#save-app")
    await expect(tab).to_have_url(re.compile(r"/portal/apps/\d+$"))
    await expect(tab.locator("#app-image")).to_be_visible()
    return tab.url


async def test_from_sign_up_to_a_consent_flow_with_the_new_credentials(
    browsers: Browsers, portal: Portal, tmp_path: Path
) -> None:
    dev = await browsers.new_tab()
    await sign_up(dev, portal, "ada@partner.example", "Partner Co")
    app_url = await create_app(dev, tmp_path)
    scopes = dev.locator("#scopes code")
    await expect(scopes).to_have_text(
        ["MarketingSolutions_Analytics_Read", "MarketingSolutions_Campaign_Manage"]
    )

    # Redirect URIs: a plain-http one is refused with the reason, next to the field.
    await dev.fill("#redirect_uri", "http://partner.example/criteo-auth/callback")
    await dev.keyboard.press("Enter")
    await expect(dev.locator("#redirect_uri-error")).to_contain_text("HTTPS is required")
    await dev.fill("#redirect_uri", CALLBACK)
    await dev.click("#add-redirect-uri")
    await expect(dev.locator("#redirect-uri-list")).to_contain_text(CALLBACK)

    # A credential pair: the secret is on this page only.
    await dev.fill("#label", "production")
    await dev.click("#create-credential")
    await expect(dev.locator("#new-credential")).to_contain_text("will not be shown again")
    client_id = (await dev.locator("#new-client-id").inner_text()).strip()
    client_secret = (await dev.locator("#new-client-secret").inner_text()).strip()
    await expect(dev.locator('button[data-copy-target="new-client-secret"]')).to_be_visible()
    await dev.goto(app_url)
    await expect(dev.locator("#new-credential")).to_have_count(0)
    assert client_secret not in await dev.content()
    await expect(dev.locator(f'tr[data-client-id="{client_id}"]')).to_contain_text("production")

    await dev.click("#activate")
    await expect(dev.locator("#app-status")).to_have_text("Activated")
    await dev.select_option("#link-client-id", client_id)
    await dev.select_option("#link-redirect-uri", CALLBACK)
    await dev.fill("#link-state", "state-from-the-portal")
    await dev.click("#build-link")
    link = (await dev.locator("#built-link").inner_text()).strip()
    assert link.startswith(portal.url + "/request?response_type=code&client_id=" + client_id)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await dev.screenshot(path=SCREENSHOTS / "portal-app.png", full_page=True)

    # A customer opens the link, signs in and approves; the callback is intercepted.
    customer = await browsers.new_tab()
    landed: list[str] = []

    async def callback(route: Route) -> None:
        landed.append(route.request.url)
        await route.fulfill(status=200, content_type="text/html", body="<h1>partner app</h1>")

    await customer.route(CALLBACK + "*", callback)
    await customer.goto(link)
    await customer.fill("#email", portal.demo.customer_email)
    await customer.fill("#password", portal.demo.customer_password)
    await customer.click("#sign-in")
    await expect(customer.locator("#app-name")).to_have_text("Acme Bid Optimizer")
    await expect(customer.locator("#app-organization")).to_have_text("Partner Co")
    await expect(customer.locator("#app-image")).to_be_visible()
    await customer.check(f"#advertiser-{portal.demo.advertiser('Maison Lumière')}")
    await customer.click("#approve")
    await expect(customer.locator("h1")).to_have_text("partner app")
    query = parse_qs(urlsplit(landed[0]).query)
    assert query["state"] == ["state-from-the-portal"] and query["iss"] == [portal.url]

    # The partner's server exchanges the code with exactly the credentials read off the page.
    async with httpx.AsyncClient(base_url=portal.url) as http:
        token = await http.post(
            "/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": query["code"][0],
                "redirect_uri": CALLBACK,
                "client_id": client_id,
                "client_secret": client_secret,
            },
        )
        assert token.status_code == 200, token.text
        me = await http.get(
            "/2027-01/advertisers/me",
            headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        )
    assert me.status_code == 200, me.text
    assert [a["attributes"]["advertiserName"] for a in me.json()["data"]] == ["Maison Lumière"]

    # The pair's "last used" now shows a time.
    await dev.goto(app_url)
    await expect(dev.locator(f'tr[data-client-id="{client_id}"] time')).to_have_count(2)


async def test_limits_and_refusals_are_explained_on_the_page(
    browsers: Browsers, portal: Portal, tmp_path: Path
) -> None:
    dev = await browsers.new_tab()
    await sign_up(dev, portal, "limits@partner.example", "Limits Co")
    app_url = await create_app(dev, tmp_path)

    for n in range(5):
        await dev.click("#create-credential")
        await expect(dev.locator("#credential-count")).to_have_text(f"{n + 1} of 5")
    await dev.click("#create-credential")
    await expect(dev.locator("#credentials-error")).to_contain_text("at most 5 credential pairs")
    await expect(dev.locator("#new-credential")).to_have_count(0)

    # 30 URIs through the JSON API with this browser's session and its CSRF token, the 31st here.
    app_id = app_url.rsplit("/", 1)[1]
    csrf = await dev.locator('input[name="csrf_token"]').first.get_attribute("value")
    assert csrf
    for n in range(MAX_REDIRECT_URIS):
        response = await dev.request.post(
            f"{portal.url}/portal/api/apps/{app_id}/redirect-uris",
            data={"uri": f"https://partner.example/cb/{n}"},
            headers={"X-CSRF-Token": csrf},
        )
        assert response.status == 201, await response.text()
    await dev.goto(app_url)
    await expect(dev.locator("#redirect-uri-count")).to_have_text("30 of 30")
    await dev.fill("#redirect_uri", "https://partner.example/cb/30")
    await dev.click("#add-redirect-uri")
    await expect(dev.locator("#redirect_uri-error")).to_contain_text("at most 30 redirect URIs")

    # A text file named logo.png is refused next to the image field; nothing is changed.
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n but really just text")
    await dev.goto(app_url + "/edit")
    await dev.fill("#name", "Renamed")
    await dev.set_input_files("#image", str(fake))
    await dev.click("#save-app")
    await expect(dev.locator("#image-error")).to_contain_text("not a valid PNG, JPEG or WebP")
    await expect(dev.locator("#image")).to_have_attribute("aria-invalid", "true")
    await dev.goto(app_url)
    await expect(dev.locator("#app-name")).to_have_text("Acme Bid Optimizer")


async def test_another_organizations_app_is_not_found_and_pages_fit_a_phone(
    browsers: Browsers, portal: Portal, tmp_path: Path
) -> None:
    owner = await browsers.new_tab()
    await sign_up(owner, portal, "owner@partner.example", "Owner Co")
    app_url = await create_app(owner, tmp_path)

    await owner.set_viewport_size(PHONE)
    for url in (app_url, app_url + "/edit", portal.url + "/portal/apps"):
        await owner.goto(url)
        width = await owner.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{url} scrolls sideways at phone width ({width}px)"

    other = await browsers.new_tab()
    await sign_up(other, portal, "other@rival.example", "Rival Co")
    response = await other.goto(app_url)
    assert response is not None and response.status == 404
    await expect(other.locator("#error-title")).to_have_text("Not found")
    await expect(other.locator("#apps")).to_have_count(0)

    # Keyboard only: sign out from the navigation with Tab and Enter.
    await other.goto(portal.url + "/portal/apps")
    await other.focus("#sign-out")
    await other.keyboard.press("Enter")
    await expect(other).to_have_url(re.compile(r"/portal/login$"))
