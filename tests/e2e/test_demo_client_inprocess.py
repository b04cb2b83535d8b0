"""The demo client against the real consentry app, in-process, with the test playing the browser.

Both apps run behind httpx.ASGITransport: the demo client reaches consentry through one (its only
way to talk to consentry is HTTP), and the "browser" has one client per origin and follows every
Location header by hand, sending each hop to the app that owns the URL. The clock is the test
clock, so expiries are exact and the refresh moves time instead of sleeping.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from consentry.clock import FixedClock
from demo_client.app import SESSION_COOKIE, create_app
from demo_client.settings import DemoClientSettings
from tests.conftest import ISSUER, Demo
from tests.support.flow import csrf_token

DEMO_URL = "http://localhost:3000"
CALLBACK_URL = DEMO_URL + "/criteo-auth/callback"  # registered by the `demo` fixture
CHOSEN = ("Maison Lumière", "Pixel & Pine Toys")


@dataclass
class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes the demo client's calls to consentry and keeps every token-endpoint answer."""

    inner: httpx.AsyncBaseTransport
    token_requests: list[dict[str, list[str]]] = field(default_factory=list)
    token_responses: list[dict[str, Any]] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path != "/oauth2/token":
            return response
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
        await response.aclose()
        self.token_requests.append(parse_qs(request.content.decode()))
        if response.status_code == 200:
            self.token_responses.append(json.loads(raw))
        return httpx.Response(
            response.status_code, headers=response.headers, stream=httpx.ByteStream(raw)
        )


@dataclass
class Browser:
    """One cookie jar per origin, redirects followed by hand, every demo-client answer kept."""

    clients: dict[str, httpx.AsyncClient]
    seen_from_demo: list[httpx.Response] = field(default_factory=list)

    async def request(
        self, method: str, url: str, data: dict[str, Any] | None = None
    ) -> httpx.Response:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        assert origin in self.clients, f"the flow left the two apps: {url}"
        response = await self.clients[origin].request(method, url, data=data)
        if origin == DEMO_URL:
            self.seen_from_demo.append(response)
        return response

    async def follow(self, response: httpx.Response) -> tuple[httpx.Response, list[str]]:
        """Follow 30x Location headers (as GET, like a browser after 303) to a final page."""
        hops: list[str] = []
        while response.is_redirect:
            assert response.status_code in (302, 303), response.status_code
            location = urljoin(str(response.url), response.headers["location"])
            hops.append(location)
            assert len(hops) <= 10, hops
            response = await self.request("GET", location)
        return response, hops


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)<', html, re.S)
    assert match, f"no #{element_id} on the page"
    return unescape(match.group(1)).strip()


def advertiser_names(html: str) -> list[str]:
    block = re.search(r'<ul class="advertisers" id="advertisers">(.*?)</ul>', html, re.S)
    assert block, "no #advertisers list on the page"
    return [unescape(n) for n in re.findall(r'<span class="name">(.*?)</span>', block.group(1))]


def session_payload(cookie: str) -> str:
    """The JSON inside Starlette's signed session cookie (base64 data . timestamp . signature)."""
    data = cookie.split(".", 1)[0]
    return base64.b64decode(data + "=" * (-len(data) % 4)).decode()


@pytest.fixture
async def world(
    app: FastAPI, demo: Demo, clock: FixedClock
) -> AsyncIterator[tuple[Browser, RecordingTransport]]:
    recorder = RecordingTransport(httpx.ASGITransport(app=app))
    settings = DemoClientSettings(
        consentry_url=ISSUER,
        client_id=demo.client_id,
        client_secret=SecretStr(demo.client_secret),
        redirect_uri=CALLBACK_URL,
        session_secret=SecretStr("in-process-demo-session-secret-0123456789"),
    )
    demo_app = create_app(settings, transport=recorder, now=clock.now)
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as to_consentry,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=demo_app)) as to_demo,
    ):
        try:
            yield Browser({ISSUER: to_consentry, DEMO_URL: to_demo}), recorder
        finally:
            await demo_app.state.consentry.aclose()  # what the demo's lifespan does


async def test_connect_approve_refresh_without_a_browser(
    world: tuple[Browser, RecordingTransport], demo: Demo, clock: FixedClock
) -> None:
    browser, recorder = world
    home = await browser.request("GET", DEMO_URL + "/")
    assert home.status_code == 200
    assert 'id="connect" href="/connect"' in home.text

    # Connect: the demo sends the browser to consentry's consent link, which asks to sign in.
    login_page, hops = await browser.follow(await browser.request("GET", DEMO_URL + "/connect"))
    link = urlsplit(hops[0])
    assert f"{link.scheme}://{link.netloc}{link.path}" == ISSUER + "/request"
    query = {k: v[0] for k, v in parse_qs(link.query).items()}
    assert query["response_type"] == "code"
    assert query["client_id"] == demo.client_id
    assert query["redirect_uri"] == CALLBACK_URL
    assert query["state"] and query["code_challenge_method"] == "S256"
    consent_url = hops[1]
    assert consent_url.startswith(ISSUER + "/consent/")
    assert hops[2].startswith(ISSUER + "/login?next=/consent/")
    assert login_page.status_code == 200

    signed_in = await browser.request(
        "POST",
        ISSUER + "/login",
        data={
            "csrf_token": csrf_token(login_page.text),
            "email": demo.customer_email,
            "password": demo.customer_password,
            "next": urlsplit(consent_url).path,
        },
    )
    consent, hops = await browser.follow(signed_in)
    assert hops == [consent_url]
    assert consent.status_code == 200
    assert text_of(consent.text, "app-name") == "Acme Bid Optimizer"

    # Approve two advertisers: consentry redirects to the demo's callback, which exchanges the
    # code and sends the browser home.
    decided = await browser.request(
        "POST",
        consent_url,
        data={
            "csrf_token": csrf_token(consent.text),
            "decision": "approve",
            "advertiser": [str(demo.advertiser(name)) for name in CHOSEN],
        },
    )
    page, hops = await browser.follow(decided)
    assert hops[0].startswith(CALLBACK_URL + "?")
    callback = {k: v[0] for k, v in parse_qs(urlsplit(hops[0]).query).items()}
    assert callback["state"] == query["state"]
    assert callback["iss"] == ISSUER
    assert "code" in callback
    assert hops[1:] == [DEMO_URL + "/"]
    assert page.status_code == 200
    assert text_of(page.text, "flash") == "Connected: consentry issued a token pair."
    assert text_of(page.text, "token-type") == "Bearer"
    assert text_of(page.text, "expires-in") == "900"
    first_expiry = (clock.now() + timedelta(seconds=900)).isoformat(timespec="seconds")
    assert text_of(page.text, "expires-at") == first_expiry
    assert advertiser_names(page.text) == list(CHOSEN)

    # The demo redeemed the code with PKCE and client_secret_post, and got a token pair.
    assert len(recorder.token_responses) == 1
    exchange = recorder.token_requests[0]
    assert exchange["grant_type"] == ["authorization_code"]
    assert exchange["code"] == [callback["code"]]
    assert exchange["redirect_uri"] == [CALLBACK_URL]
    assert exchange["code_verifier"] and exchange["client_secret"] == [demo.client_secret]
    first = recorder.token_responses[0]

    # Refresh, a minute later: a rotated pair and a new expiry.
    clock.advance(timedelta(seconds=60))
    refreshed = await browser.request(
        "POST", DEMO_URL + "/refresh", data={"csrf_token": csrf_token(page.text)}
    )
    page, hops = await browser.follow(refreshed)
    assert hops == [DEMO_URL + "/"]
    assert text_of(page.text, "flash") == "Token refreshed."
    assert text_of(page.text, "token-type") == "Bearer"
    assert text_of(page.text, "expires-in") == "900"
    second_expiry = (clock.now() + timedelta(seconds=900)).isoformat(timespec="seconds")
    assert second_expiry > first_expiry
    assert text_of(page.text, "expires-at") == second_expiry
    assert advertiser_names(page.text) == list(CHOSEN)  # the new access token works

    assert len(recorder.token_responses) == 2
    assert recorder.token_requests[1]["grant_type"] == ["refresh_token"]
    assert recorder.token_requests[1]["refresh_token"] == [first["refresh_token"]]
    second = recorder.token_responses[1]
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]

    # No token ever reached the browser: not in a page, a header, or the session cookie.
    secrets = [first["access_token"], first["refresh_token"]]
    secrets += [second["access_token"], second["refresh_token"]]
    assert all(len(secret) > 20 for secret in secrets)
    assert len(browser.seen_from_demo) >= 6
    for response in browser.seen_from_demo:
        for secret in secrets:
            assert secret not in response.text, response.request.url
            assert all(secret not in value for value in response.headers.values())
    cookie = browser.clients[DEMO_URL].cookies[SESSION_COOKIE]
    payload = session_payload(cookie)
    assert set(json.loads(payload)) <= {"csrf_token", "store_key", "flash"}
    for secret in secrets:
        assert secret not in cookie and secret not in payload
