"""A person in real Chromium: demo client → consentry sign-in → consent → back to the demo client.

Both servers are real processes on loopback (see conftest.py), so the clock is the real one.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Locator, Page, expect

from tests.e2e.conftest import DESKTOP, PHONE, Stack, page_width, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]

GRANTABLE = ("Maison Lumière", "Nordic Outdoor Supply", "Pixel & Pine Toys", "Riverside Grocers")
VIEWER_ONLY = "Atlas Travel Deals"
OUTSIDE_PORTFOLIO = "Competitor Corp"
CHOSEN = ("Nordic Outdoor Supply", "Pixel & Pine Toys")  # a business and a technical manager
FITS = {"desktop": DESKTOP["width"], "phone": PHONE["width"]}  # no sideways scrolling


def _url(prefix: str) -> re.Pattern[str]:
    return re.compile("^" + re.escape(prefix))


async def connect_and_sign_in(
    tab: Page, stack: Stack, *, wrong_password_first: bool = False
) -> None:
    """From the demo client's home page to consentry's consent page."""
    await tab.goto(stack.demo_url + "/")
    await expect(tab.locator("#connect")).to_be_visible()
    await tab.click("#connect")

    await expect(tab).to_have_url(_url(stack.consentry_url + "/login?next=/consent/"))
    if wrong_password_first:
        await tab.fill("#email", stack.demo.customer_email)
        await tab.fill("#password", "not-the-password")
        await tab.click("#sign-in")
        await expect(tab.locator("#login-error")).to_contain_text("Incorrect e-mail or password")
        await expect(tab.locator("#email")).to_have_value(stack.demo.customer_email)
        assert await screenshot(tab, "login-page-error") == FITS
    await tab.fill("#email", stack.demo.customer_email)
    await tab.fill("#password", stack.demo.customer_password)
    await tab.click("#sign-in")

    await expect(tab).to_have_url(_url(stack.consentry_url + "/consent/"))
    await expect(tab.locator("#approve")).to_be_visible()


def checkbox(tab: Page, stack: Stack, name: str) -> Locator:
    return tab.locator(f"#advertiser-{stack.demo.advertiser(name)}")


async def test_approve_two_advertisers_then_refresh(tab: Page, stack: Stack) -> None:
    await connect_and_sign_in(tab, stack)

    # The consent page says who asks, for what, in words, and offers only grantable advertisers.
    await expect(tab.locator("#app-name")).to_have_text("Acme Bid Optimizer")
    await expect(tab.locator("#app-organization")).to_have_text("Acme Ad Tools")
    await expect(tab.locator("#app-description")).to_have_text(
        "Adjusts your campaign bids every hour from your sales data."
    )
    await expect(tab.locator("#service")).to_have_text("Marketing Solutions (C-Growth)")
    domains = tab.locator("#domains li")
    await expect(domains).to_have_count(3)
    await expect(domains).to_contain_text(
        [
            "See performance statistics and reports",
            "See your audiences",
            "Create and change campaigns, budgets and bids",
        ]
    )
    assert await tab.locator("#app-image").evaluate("img => img.complete && img.naturalWidth") > 0

    boxes = tab.locator("input[type=checkbox][name=advertiser]")
    await expect(boxes).to_have_count(len(GRANTABLE))
    for name in GRANTABLE:
        box = checkbox(tab, stack, name)
        await expect(box).to_be_enabled()
        await expect(box).not_to_be_checked()
        await expect(tab.get_by_label(name, exact=True)).to_have_count(1)
    await expect(checkbox(tab, stack, VIEWER_ONLY)).to_have_count(0)
    await expect(tab.get_by_label(VIEWER_ONLY)).to_have_count(0)
    await expect(tab.locator("#not-grantable")).to_contain_text(VIEWER_ONLY)
    await expect(checkbox(tab, stack, OUTSIDE_PORTFOLIO)).to_have_count(0)
    await expect(tab.locator("body")).not_to_contain_text(OUTSIDE_PORTFOLIO)
    assert await screenshot(tab, "consent-page") == FITS

    for name in CHOSEN:
        await tab.get_by_label(name, exact=True).check()  # click the label, as a person would
    await tab.click("#approve")

    # Back on the demo client, which exchanged the code and called advertisers/me.
    await expect(tab).to_have_url(stack.demo_url + "/")
    await expect(tab.locator("#flash")).to_have_text("Connected: consentry issued a token pair.")
    await expect(tab.locator("#token-type")).to_have_text("Bearer")
    await expect(tab.locator("#expires-in")).to_have_text("900")
    await expect(tab.locator("#has-refresh-token")).to_have_text("held")
    await expect(tab.locator("#advertisers li .name")).to_have_text(list(CHOSEN))
    first_expiry = datetime.fromisoformat(
        await tab.locator("#expires-at").get_attribute("datetime") or ""
    )
    now = datetime.now(UTC)
    # Received just now (a minute of slack for a busy machine), valid for 900 s.
    assert now + timedelta(seconds=840) < first_expiry <= now + timedelta(seconds=900)
    await screenshot(tab, "demo-token-page")

    # The shown expiry has whole seconds: let the wall clock pass the second in which the first
    # token was received (at most ~1 s of real time), so the refreshed expiry must be later.
    received = first_expiry - timedelta(seconds=900)
    wait = (received + timedelta(seconds=1, milliseconds=50) - datetime.now(UTC)).total_seconds()
    if wait > 0:
        await tab.wait_for_timeout(wait * 1000)
    await tab.click("#refresh")

    await expect(tab).to_have_url(stack.demo_url + "/")
    await expect(tab.locator("#flash")).to_have_text("Token refreshed.")
    await expect(tab.locator("#token-type")).to_have_text("Bearer")
    await expect(tab.locator("#expires-in")).to_have_text("900")
    second_expiry = datetime.fromisoformat(
        await tab.locator("#expires-at").get_attribute("datetime") or ""
    )
    assert second_expiry > first_expiry
    # The new access token works against the partner API: the same two advertisers.
    await expect(tab.locator("#advertisers li .name")).to_have_text(list(CHOSEN))

    await tab.click("#disconnect")
    await expect(tab.locator("#flash")).to_have_text("Disconnected: the demo forgot its tokens.")
    await expect(tab.locator("#connect")).to_be_visible()


async def test_deny_shows_access_denied(tab: Page, stack: Stack) -> None:
    await connect_and_sign_in(tab, stack, wrong_password_first=True)
    await tab.click("#deny")

    await expect(tab).to_have_url(_url(stack.callback_url + "?"))
    await expect(tab.locator("#error")).to_have_text("access_denied")
    await expect(tab.locator("h1")).to_have_text("Access denied")
    assert "code=" not in tab.url
    assert await screenshot(tab, "demo-denied-page") == FITS


async def test_approve_without_advertiser_stays_on_consent_page(tab: Page, stack: Stack) -> None:
    await connect_and_sign_in(tab, stack)
    consent_url = tab.url
    await tab.click("#approve")

    await expect(tab.locator("#consent-error")).to_have_text(
        "Choose at least one advertiser to grant."
    )
    assert tab.url == consent_url
    await expect(tab.locator("input[name=advertiser]")).to_have_count(len(GRANTABLE))
    await expect(tab.locator("#app-name")).to_have_text("Acme Bid Optimizer")
    assert await screenshot(tab, "consent-page-error") == FITS

    # The re-rendered form still works: pick one advertiser and approve.
    await tab.get_by_label("Riverside Grocers", exact=True).check()
    await tab.click("#approve")
    await expect(tab).to_have_url(stack.demo_url + "/")
    await expect(tab.locator("#advertisers li .name")).to_have_text(["Riverside Grocers"])


async def test_demo_token_page_fits_a_phone(tab: Page, stack: Stack) -> None:
    await connect_and_sign_in(tab, stack)
    await tab.get_by_label("Maison Lumière", exact=True).check()
    await tab.click("#approve")
    await expect(tab.locator("#token-type")).to_have_text("Bearer")
    await tab.set_viewport_size(PHONE)
    assert await page_width(tab) == PHONE["width"]
