"""Tests for the demo client: a fake consentry behind httpx.MockTransport, the app behind ASGI."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import uvicorn
from pydantic import SecretStr, ValidationError

from demo_client import main as main_module
from demo_client.app import SESSION_COOKIE, create_app
from demo_client.main import RedactQueryFilter
from demo_client.oauth import (
    ConsentryClient,
    OAuthError,
    code_challenge_s256,
    new_code_verifier,
    parse_advertisers,
    parse_token_response,
)
from demo_client.settings import ConfigFileError, DemoClientSettings, load_settings
from demo_client.tokens import TokenStore

CONSENTRY_URL = "http://consentry.test:8000"
DEMO_URL = "http://localhost:3000"
CLIENT_ID = "demo-client-id"
CLIENT_SECRET = "s3cr3t-client-secret-value"
REDIRECT_URI = "http://localhost:3000/criteo-auth/callback"
CALLBACK_PATH = "/criteo-auth/callback"
START = datetime(2027, 1, 15, 12, 0, 0, tzinfo=UTC)
ADVERTISERS = [("123", "Acme Shoes"), ("456", "Globex <Outdoor> & Co")]
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
B64URL_RE = re.compile(r"^[A-Za-z0-9_-]+$")


# --------------------------------------------------------------------------- fakes


class Clock:
    """An injectable clock that tests move by hand."""

    def __init__(self, start: datetime = START) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, seconds: int) -> None:
        self.current += timedelta(seconds=seconds)


@dataclass
class Grant:
    code_challenge: str
    redirect_uri: str
    client_id: str


@dataclass
class FakeConsentry:
    """Just enough of consentry: /oauth2/token (code + refresh grants) and advertisers/me."""

    expires_in: int = 900
    codes: dict[str, Grant] = field(default_factory=dict)
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    issued: list[str] = field(default_factory=list)
    requests: list[httpx.Request] = field(default_factory=list)
    token_failure: tuple[int, Any] | None = None
    advertisers_failure: tuple[int, Any] | None = None
    unreachable: bool = False

    # -- what the browser would do on consentry's consent page
    def approve(self, consent_link: str) -> tuple[str, str]:
        """Grant consent for ``consent_link``; return (code, state) for the callback."""
        parts = urlsplit(consent_link)
        params = {k: v[0] for k, v in parse_qs(parts.query, strict_parsing=True).items()}
        code = "code-" + secrets.token_urlsafe(16)
        self.codes[code] = Grant(
            code_challenge=params["code_challenge"],
            redirect_uri=params["redirect_uri"],
            client_id=params["client_id"],
        )
        return code, params["state"]

    # -- requests received
    def token_requests(self) -> list[dict[str, list[str]]]:
        return [
            parse_qs(r.content.decode(), keep_blank_values=True)
            for r in self.requests
            if r.url.path == "/oauth2/token"
        ]

    def advertiser_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path.endswith("/advertisers/me")]

    # -- the fake server
    def _issue(self) -> dict[str, Any]:
        access = "at-" + secrets.token_urlsafe(24)
        refresh = "rt-" + secrets.token_urlsafe(24)
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        self.issued += [access, refresh]
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": refresh,
        }

    @staticmethod
    def _oauth_error(status: int, error: str, description: str) -> httpx.Response:
        return httpx.Response(status, json={"error": error, "error_description": description})

    def _token(self, request: httpx.Request) -> httpx.Response:
        if self.token_failure is not None:
            status, body = self.token_failure
            if isinstance(body, str):
                return httpx.Response(status, text=body)
            return httpx.Response(status, json=body)
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return self._oauth_error(401, "invalid_client", "client authentication failed")
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            grant = self.codes.pop(form.get("code", ""), None)
            if (
                grant is None
                or grant.client_id != form["client_id"]
                or grant.redirect_uri != form.get("redirect_uri")
                or code_challenge_s256(form.get("code_verifier", "")) != grant.code_challenge
            ):
                return self._oauth_error(400, "invalid_grant", "bad code or verifier")
            return httpx.Response(200, json=self._issue())
        if grant_type == "refresh_token":
            refresh = form.get("refresh_token", "")
            if refresh not in self.refresh_tokens:
                return self._oauth_error(400, "invalid_grant", "refresh token revoked")
            self.refresh_tokens.discard(refresh)
            return httpx.Response(200, json=self._issue())
        return self._oauth_error(400, "unsupported_grant_type", "nope")

    def _advertisers(self, request: httpx.Request) -> httpx.Response:
        if self.advertisers_failure is not None:
            status, body = self.advertisers_failure
            return httpx.Response(status, json=body)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme != "Bearer" or token not in self.access_tokens:
            return self._oauth_error(401, "invalid_token", "unknown or expired token")
        return httpx.Response(
            200,
            json={
                "data": [
                    {"type": "advertiser", "id": ad_id, "attributes": {"advertiserName": name}}
                    for ad_id, name in ADVERTISERS
                ],
                "errors": [],
                "warnings": [],
            },
        )

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.unreachable:
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.host != "consentry.test":
            return httpx.Response(404)
        if request.method == "POST" and request.url.path == "/oauth2/token":
            return self._token(request)
        if request.method == "GET" and request.url.path == "/2027-01/advertisers/me":
            return self._advertisers(request)
        return httpx.Response(404, json={"error": "not_found"})


# --------------------------------------------------------------------------- fixtures


def make_settings(**overrides: Any) -> DemoClientSettings:
    values: dict[str, Any] = {
        "consentry_url": CONSENTRY_URL,
        "client_id": CLIENT_ID,
        "client_secret": SecretStr(CLIENT_SECRET),
        "redirect_uri": REDIRECT_URI,
        "session_secret": SecretStr("test-session-secret-0123456789"),
    }
    values.update(overrides)
    return DemoClientSettings(**values)


@pytest.fixture
def fake() -> FakeConsentry:
    return FakeConsentry()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@dataclass
class Harness:
    app: Any
    browser: httpx.AsyncClient
    fake: FakeConsentry
    clock: Clock
    responses: list[httpx.Response] = field(default_factory=list)

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        response = await self.browser.get(url, **kwargs)
        self.responses.append(response)
        return response

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        response = await self.browser.post(url, **kwargs)
        self.responses.append(response)
        return response

    async def csrf_token(self) -> str:
        page = await self.get("/")
        match = CSRF_RE.search(page.text)
        assert match, "no CSRF token on the home page"
        return match.group(1)

    async def start(self) -> tuple[str, dict[str, str]]:
        """GET /connect; return the consent link and its query parameters."""
        response = await self.get("/connect")
        assert response.status_code == 303
        link = response.headers["location"]
        params = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
        return link, params

    async def connect(self) -> httpx.Response:
        """Run the whole consent flow; return the callback response."""
        link, _ = await self.start()
        code, state = self.fake.approve(link)
        return await self.get(
            f"{CALLBACK_PATH}?{urlencode({'code': code, 'state': state, 'iss': CONSENTRY_URL})}"
        )


@pytest.fixture
async def harness(fake: FakeConsentry, clock: Clock) -> AsyncIterator[Harness]:
    app = create_app(make_settings(), transport=httpx.MockTransport(fake.handler), now=clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=DEMO_URL, follow_redirects=False
    ) as browser:
        yield Harness(app=app, browser=browser, fake=fake, clock=clock)
    await app.state.consentry.aclose()


def element_text(html: str, element_id: str) -> str:
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"#{element_id} not found"
    return re.sub(r"<[^>]+>", " ", match.group(2)).strip()


def list_items(html: str, element_id: str) -> list[str]:
    match = re.search(rf'<ul[^>]*\bid="{element_id}"[^>]*>(.*?)</ul>', html, re.S)
    assert match, f"#{element_id} not found"
    return [
        " ".join(re.sub(r"<[^>]+>", " ", item).split())
        for item in re.findall(r"<li[^>]*>(.*?)</li>", match.group(1), re.S)
    ]


# --------------------------------------------------------------------------- PKCE and helpers


def test_pkce_matches_rfc7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert code_challenge_s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_code_verifier_is_long_random_and_unreserved() -> None:
    verifiers = {new_code_verifier() for _ in range(20)}
    assert len(verifiers) == 20
    for verifier in verifiers:
        assert 43 <= len(verifier) <= 128
        assert B64URL_RE.match(verifier)


def test_parse_token_response_rejects_malformed_bodies() -> None:
    good = {"access_token": "a", "token_type": "Bearer", "expires_in": 900, "refresh_token": "r"}
    assert parse_token_response(good).expires_in == 900
    for broken in (
        {**good, "access_token": ""},
        {**good, "expires_in": "900"},
        {**good, "expires_in": True},
        {k: v for k, v in good.items() if k != "token_type"},
        {**good, "refresh_token": 7},
    ):
        with pytest.raises(OAuthError) as info:
            parse_token_response(broken)
        assert info.value.error == "invalid_response"


def test_parse_advertisers() -> None:
    body = {"data": [{"type": "advertiser", "id": 9, "attributes": {"advertiserName": "N"}}]}
    [advertiser] = parse_advertisers(body)
    assert (advertiser.id, advertiser.name) == ("9", "N")
    with pytest.raises(OAuthError):
        parse_advertisers({"data": "nope"})


def test_token_reprs_hide_secrets() -> None:
    token = parse_token_response(
        {"access_token": "AT-VALUE", "token_type": "Bearer", "expires_in": 1, "refresh_token": "R"}
    )
    assert "AT-VALUE" not in repr(token)
    assert CLIENT_SECRET not in repr(make_settings())


async def test_consentry_client_error_shapes() -> None:
    responses: list[httpx.Response] = []

    def handler(request: httpx.Request) -> httpx.Response:
        return responses.pop(0)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http:
        client = ConsentryClient(
            http,
            consentry_url=CONSENTRY_URL + "/",
            client_id=CLIENT_ID,
            client_secret=SecretStr(CLIENT_SECRET),
            redirect_uri=REDIRECT_URI,
            api_version="2027-01",
        )
        cases: list[tuple[httpx.Response, str, int]] = [
            (httpx.Response(400, json={"error": "invalid_grant"}), "invalid_grant", 400),
            (
                httpx.Response(401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}),
                "invalid_token",
                401,
            ),
            (httpx.Response(403, json={"errors": [{"code": "forbidden"}]}), "forbidden", 403),
            (httpx.Response(500, text="<html>oops</html>"), "invalid_response", 500),
            (httpx.Response(200, text="not json"), "invalid_response", 200),
            (httpx.Response(200, json=["list"]), "invalid_response", 200),
        ]
        for response, error, status in cases:
            responses.append(response)
            with pytest.raises(OAuthError) as info:
                await client.list_advertisers("token")
            assert (info.value.error, info.value.status_code) == (error, status)


# --------------------------------------------------------------------------- connect


async def test_connect_redirects_to_consent_link_with_pkce(harness: Harness) -> None:
    link, params = await harness.start()
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}" == CONSENTRY_URL
    assert parts.path == "/request"
    assert set(params) == {
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
        "code_challenge",
        "code_challenge_method",
    }
    assert params["response_type"] == "code"
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == REDIRECT_URI
    assert params["code_challenge_method"] == "S256"
    assert len(params["state"]) >= 43 and B64URL_RE.match(params["state"])
    assert len(params["code_challenge"]) == 43 and B64URL_RE.match(params["code_challenge"])

    code, state = harness.fake.approve(link)
    callback = await harness.get(
        f"{CALLBACK_PATH}?{urlencode({'code': code, 'state': state, 'iss': CONSENTRY_URL})}"
    )
    assert callback.status_code == 303
    [form] = harness.fake.token_requests()
    verifier = form["code_verifier"][0]
    assert 43 <= len(verifier) <= 128
    digest = hashlib.sha256(verifier.encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == params["code_challenge"]


async def test_each_connect_uses_fresh_state_and_verifier(harness: Harness) -> None:
    _, first = await harness.start()
    _, second = await harness.start()
    assert first["state"] != second["state"]
    assert first["code_challenge"] != second["code_challenge"]


async def test_home_page_offers_connect_when_disconnected(harness: Harness) -> None:
    page = await harness.get("/")
    assert page.status_code == 200
    assert 'id="connect"' in page.text
    assert 'href="/connect"' in page.text
    assert 'id="token-panel"' not in page.text
    assert "<script" not in page.text


# --------------------------------------------------------------------------- callback


@pytest.mark.parametrize(
    "query",
    [
        {"code": "whatever", "state": "not-the-state"},
        {"code": "whatever"},
        {"code": "whatever", "state": ""},
        {"error": "access_denied", "state": "not-the-state"},
        {"error": "access_denied"},
    ],
)
async def test_callback_with_bad_state_is_refused(harness: Harness, query: dict[str, str]) -> None:
    link, params = await harness.start()
    code, _ = harness.fake.approve(link)
    if query.get("code"):
        query = {**query, "code": code}
    response = await harness.get(f"{CALLBACK_PATH}?{urlencode(query)}")
    assert response.status_code == 400
    assert "state mismatch" in response.text.lower()
    assert element_text(response.text, "error") == "state_mismatch"
    assert harness.fake.token_requests() == []
    # The genuine state still works afterwards: the bad callback changed nothing.
    genuine = {"code": code, "state": params["state"], "iss": CONSENTRY_URL}
    good = await harness.get(f"{CALLBACK_PATH}?{urlencode(genuine)}")
    assert good.status_code == 303


async def test_callback_without_a_pending_flow_is_refused(harness: Harness) -> None:
    response = await harness.get(f"{CALLBACK_PATH}?code=abc&state=xyz")
    assert response.status_code == 400
    assert "state mismatch" in response.text.lower()
    assert harness.fake.requests == []


async def test_callback_exchanges_code_with_client_secret_post(harness: Harness) -> None:
    link, params = await harness.start()
    code, state = harness.fake.approve(link)
    response = await harness.get(
        f"{CALLBACK_PATH}?{urlencode({'code': code, 'state': state, 'iss': CONSENTRY_URL})}"
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"

    [request] = [r for r in harness.fake.requests if r.url.path == "/oauth2/token"]
    assert str(request.url) == f"{CONSENTRY_URL}/oauth2/token"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert "authorization" not in request.headers
    form = parse_qs(request.content.decode())
    assert set(form) == {
        "grant_type",
        "code",
        "redirect_uri",
        "client_id",
        "client_secret",
        "code_verifier",
    }
    assert form["grant_type"] == ["authorization_code"]
    assert form["code"] == [code]
    assert form["redirect_uri"] == [REDIRECT_URI]
    assert form["client_id"] == [CLIENT_ID]
    assert form["client_secret"] == [CLIENT_SECRET]
    assert code_challenge_s256(form["code_verifier"][0]) == params["code_challenge"]

    # The state is single-use.
    replay = await harness.get(
        f"{CALLBACK_PATH}?{urlencode({'code': code, 'state': state, 'iss': CONSENTRY_URL})}"
    )
    assert replay.status_code == 400
    assert len(harness.fake.token_requests()) == 1


async def test_home_shows_token_panel_and_live_advertisers(harness: Harness) -> None:
    await harness.connect()
    page = await harness.get("/")
    assert page.status_code == 200
    html = page.text
    assert 'id="connect"' not in html
    assert element_text(html, "token-type") == "Bearer"
    assert element_text(html, "expires-in") == "900"
    expected_expiry = (START + timedelta(seconds=900)).isoformat(timespec="seconds")
    assert element_text(html, "expires-at") == expected_expiry
    assert element_text(html, "has-refresh-token") == "held"
    assert 'id="expired"' not in html
    items = list_items(html, "advertisers")
    assert len(items) == 2
    assert "Acme Shoes" in items[0] and "123" in items[0]
    assert "Globex &lt;Outdoor&gt; &amp; Co" in html  # escaped, not injected
    assert 'id="refresh"' in html and 'id="disconnect"' in html

    [request] = harness.fake.advertiser_requests()
    assert str(request.url) == f"{CONSENTRY_URL}/2027-01/advertisers/me"
    scheme, _, token = request.headers["authorization"].partition(" ")
    assert scheme == "Bearer" and token in harness.fake.access_tokens

    harness.clock.advance(901)
    later = await harness.get("/")
    assert 'id="expired"' in later.text


async def test_access_denied_page(harness: Harness) -> None:
    _, params = await harness.start()
    query = {
        "error": "access_denied",
        "error_description": "The user denied access",
        "state": params["state"],
        "iss": CONSENTRY_URL,
    }
    response = await harness.get(f"{CALLBACK_PATH}?{urlencode(query)}")
    assert response.status_code == 200
    assert "access_denied" in response.text
    assert element_text(response.text, "error") == "access_denied"
    assert "denied" in response.text.lower()
    assert harness.fake.requests == []
    home = await harness.get("/")
    assert 'id="connect"' in home.text
    # The state was consumed by the denial.
    replay = await harness.get(f"{CALLBACK_PATH}?{urlencode(query)}")
    assert replay.status_code == 400


async def test_callback_with_neither_code_nor_error(harness: Harness) -> None:
    _, params = await harness.start()
    query = urlencode({"state": params["state"], "iss": CONSENTRY_URL})
    response = await harness.get(f"{CALLBACK_PATH}?{query}")
    assert response.status_code == 400
    assert element_text(response.text, "error") == "invalid_request"
    assert harness.fake.requests == []


# --------------------------------------------------------------------------- refresh, disconnect


async def test_refresh_rotates_tokens_and_shows_new_expiry(harness: Harness) -> None:
    await harness.connect()
    [first_exchange] = harness.fake.token_requests()
    first_page = await harness.get("/")
    old_access = harness.fake.advertiser_requests()[-1].headers["authorization"]
    [old_refresh] = [t for t in harness.fake.issued if t.startswith("rt-")]
    token = CSRF_RE.search(first_page.text)
    assert token is not None

    harness.clock.advance(600)
    response = await harness.post("/refresh", data={"csrf_token": token.group(1)})
    assert response.status_code == 303
    assert response.headers["location"] == "/"

    refresh_form = harness.fake.token_requests()[-1]
    assert refresh_form == {
        "grant_type": ["refresh_token"],
        "refresh_token": [old_refresh],
        "client_id": [CLIENT_ID],
        "client_secret": [CLIENT_SECRET],
    }
    assert first_exchange["grant_type"] == ["authorization_code"]

    page = await harness.get("/")
    expected = (START + timedelta(seconds=600 + 900)).isoformat(timespec="seconds")
    assert element_text(page.text, "expires-at") == expected
    assert "Token refreshed" in page.text
    new_access = harness.fake.advertiser_requests()[-1].headers["authorization"]
    assert new_access != old_access
    assert len(list_items(page.text, "advertisers")) == 2

    # The rotated-out refresh token is gone; a second refresh uses the new one.
    token2 = CSRF_RE.search(page.text)
    assert token2 is not None
    again = await harness.post("/refresh", data={"csrf_token": token2.group(1)})
    assert again.status_code == 303
    assert harness.fake.token_requests()[-1]["refresh_token"] != [old_refresh]


@pytest.mark.parametrize("data", [{}, {"csrf_token": "forged"}, {"csrf_token": ""}])
@pytest.mark.parametrize("path", ["/refresh", "/disconnect"])
async def test_posts_without_valid_csrf_token_are_refused(
    harness: Harness, data: dict[str, str], path: str
) -> None:
    await harness.connect()
    await harness.get("/")
    requests_before = len(harness.fake.token_requests())
    response = await harness.post(path, data=data)
    assert response.status_code == 403
    assert element_text(response.text, "error") == "csrf_token_invalid"
    assert len(harness.fake.token_requests()) == requests_before
    page = await harness.get("/")
    assert 'id="token-panel"' in page.text  # still connected


async def test_refresh_is_post_only(harness: Harness) -> None:
    response = await harness.get("/refresh")
    assert response.status_code == 405


async def test_refresh_after_disconnect_is_refused(harness: Harness) -> None:
    await harness.connect()
    token = await harness.csrf_token()
    assert (await harness.post("/disconnect", data={"csrf_token": token})).status_code == 303
    requests_before = len(harness.fake.requests)
    response = await harness.post("/refresh", data={"csrf_token": token})
    assert response.status_code == 400
    assert element_text(response.text, "error") == "not_connected"
    assert len(harness.fake.requests) == requests_before


async def test_disconnect_forgets_tokens(harness: Harness) -> None:
    await harness.connect()
    store: TokenStore = harness.app.state.token_store
    assert len(store) == 1
    token = await harness.csrf_token()
    response = await harness.post("/disconnect", data={"csrf_token": token})
    assert response.status_code == 303
    assert len(store) == 0
    page = await harness.get("/")
    assert 'id="connect"' in page.text
    assert 'id="token-panel"' not in page.text


async def test_reconnecting_replaces_the_stored_pair(harness: Harness) -> None:
    await harness.connect()
    await harness.connect()
    assert len(harness.app.state.token_store) == 1


# --------------------------------------------------------------------------- consentry errors


@pytest.mark.parametrize(
    ("failure", "status", "error"),
    [
        (
            (400, {"error": "invalid_grant", "error_description": "code expired"}),
            400,
            "invalid_grant",
        ),
        (
            (401, {"error": "invalid_client", "error_description": "bad secret"}),
            400,
            "invalid_client",
        ),
        ((500, "<html>boom</html>"), 502, "invalid_response"),
        ((200, {"access_token": "x"}), 502, "invalid_response"),
    ],
)
async def test_token_exchange_errors_are_shown_as_pages(
    harness: Harness, failure: tuple[int, Any], status: int, error: str
) -> None:
    harness.fake.token_failure = failure
    response = await harness.connect()
    assert response.status_code == status
    assert element_text(response.text, "error") == error
    if isinstance(failure[1], dict) and "error_description" in failure[1]:
        assert failure[1]["error_description"] in response.text
    page = await harness.get("/")
    assert 'id="connect"' in page.text


async def test_unreachable_consentry_is_shown_as_a_page(harness: Harness) -> None:
    harness.fake.unreachable = True
    response = await harness.connect()
    assert response.status_code == 502
    assert element_text(response.text, "error") == "server_unreachable"


async def test_refresh_error_is_shown_as_a_page(harness: Harness) -> None:
    await harness.connect()
    token = await harness.csrf_token()
    harness.fake.refresh_tokens.clear()
    response = await harness.post("/refresh", data={"csrf_token": token})
    assert response.status_code == 400
    assert element_text(response.text, "error") == "invalid_grant"
    assert "refresh token revoked" in response.text


async def test_advertiser_errors_are_shown_in_the_panel(harness: Harness) -> None:
    await harness.connect()
    harness.fake.access_tokens.clear()
    page = await harness.get("/")
    assert page.status_code == 200
    assert element_text(page.text, "error") == "invalid_token"
    assert 'id="refresh"' in page.text
    assert 'id="advertisers"' not in page.text


# --------------------------------------------------------------------------- secrecy, headers


def session_payload(cookie_value: str) -> str:
    data = cookie_value.split(".")[0]
    return base64.b64decode(data + "=" * (-len(data) % 4)).decode(errors="replace")


async def test_tokens_never_reach_the_browser(harness: Harness) -> None:
    await harness.connect()
    page = await harness.get("/")
    token = CSRF_RE.search(page.text)
    assert token is not None
    await harness.post("/refresh", data={"csrf_token": token.group(1)})
    page = await harness.get("/")
    token = CSRF_RE.search(page.text)
    assert token is not None
    harness.fake.token_failure = (400, {"error": "invalid_grant"})
    await harness.post("/refresh", data={"csrf_token": token.group(1)})
    harness.fake.token_failure = None
    await harness.get("/")

    secrets_seen = [*harness.fake.issued, CLIENT_SECRET]
    assert len(harness.fake.issued) == 4
    cookie = harness.browser.cookies.get(SESSION_COOKIE)
    assert cookie
    payload = json.loads(session_payload(cookie))
    assert set(payload) <= {"csrf_token", "oauth_state", "pkce_verifier", "store_key", "flash"}
    for response in harness.responses:
        exposed = [response.text, *response.headers.get_list("set-cookie")]
        exposed += [
            session_payload(v.split("=", 1)[1].split(";")[0])
            for v in response.headers.get_list("set-cookie")
        ]
        exposed.append(response.headers.get("location", ""))
        for blob in exposed:
            for value in secrets_seen:
                assert value not in blob


async def test_session_cookie_attributes(harness: Harness) -> None:
    response = await harness.get("/")
    [cookie] = response.headers.get_list("set-cookie")
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()


async def test_pages_carry_security_headers_and_no_inline_script(harness: Harness) -> None:
    await harness.connect()
    page = await harness.get("/")
    csp = page.headers["content-security-policy"]
    assert "script-src" not in csp or "'unsafe-inline'" not in csp
    assert "default-src 'none'" in csp
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert "<script" not in page.text
    assert " style=" not in page.text


async def test_stylesheet_is_served(harness: Harness) -> None:
    page = await harness.get("/")
    assert 'href="/static/demo.css"' in page.text
    css = await harness.get("/static/demo.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


async def test_apps_do_not_share_token_stores(fake: FakeConsentry, clock: Clock) -> None:
    first = create_app(make_settings(), transport=httpx.MockTransport(fake.handler), now=clock)
    second = create_app(make_settings(), transport=httpx.MockTransport(fake.handler), now=clock)
    assert first.state.token_store is not second.state.token_store
    await first.state.consentry.aclose()
    await second.state.consentry.aclose()


async def test_lifespan_closes_the_http_client(fake: FakeConsentry) -> None:
    app = create_app(make_settings(), transport=httpx.MockTransport(fake.handler))
    async with app.router.lifespan_context(app):
        pass
    assert app.state.consentry._http.is_closed


def test_callback_route_follows_redirect_uri() -> None:
    app = create_app(make_settings(redirect_uri="http://localhost:3000/oauth/done"))
    paths = {getattr(route, "path", None) for route in app.routes}
    assert "/oauth/done" in paths
    with pytest.raises(ValueError, match="clashes"):
        create_app(make_settings(redirect_uri="http://localhost:3000/refresh"))


# --------------------------------------------------------------------------- settings, main


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in list(os.environ):
        if name.upper().startswith("DEMO_CLIENT_"):
            monkeypatch.delenv(name)
    return monkeypatch


def write_config(tmp_path: Path, **values: Any) -> Path:
    path = tmp_path / "config.local.json"
    path.write_text(json.dumps(values), encoding="utf-8")
    return path


def test_load_settings_reads_file_and_env_overrides(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> None:
    path = write_config(
        tmp_path,
        consentry_url="http://127.0.0.1:8000/",
        client_id="from-file",
        client_secret="file-secret",
        redirect_uri="http://localhost:3001/criteo-auth/callback",
        api_version="2026-07",
        host="127.0.0.2",
        port=3001,
        session_secret="file-session-secret-0123456789",
    )
    settings = load_settings(path)
    assert settings.consentry_url == "http://127.0.0.1:8000"
    assert settings.client_id == "from-file"
    assert settings.client_secret.get_secret_value() == "file-secret"
    assert settings.port == 3001
    assert settings.host == "127.0.0.2"
    assert settings.api_version == "2026-07"
    assert settings.session_secret.get_secret_value() == "file-session-secret-0123456789"

    clean_env.setenv("DEMO_CLIENT_CLIENT_ID", "from-env")
    clean_env.setenv("DEMO_CLIENT_PORT", "3999")
    overridden = load_settings(path)
    assert overridden.client_id == "from-env"
    assert overridden.port == 3999
    assert overridden.client_secret.get_secret_value() == "file-secret"


def test_load_settings_defaults(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    settings = load_settings(write_config(tmp_path, client_id="c", client_secret="s"))
    assert settings.consentry_url == "http://localhost:8000"
    assert settings.redirect_uri == "http://localhost:3000/criteo-auth/callback"
    assert settings.api_version == "2027-01"
    assert (settings.host, settings.port) == ("127.0.0.1", 3000)
    assert len(settings.session_secret.get_secret_value()) >= 32


def test_load_settings_errors(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigFileError, match="not found"):
        load_settings(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigFileError, match="JSON"):
        load_settings(bad)
    with pytest.raises(ValidationError):
        load_settings(write_config(tmp_path, client_id="c", client_secret="s", typo_key=1))
    with pytest.raises(ValidationError):
        load_settings(write_config(tmp_path, client_id="c", client_secret="s", consentry_url="x"))


def test_main_runs_uvicorn_with_settings(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, dict[str, Any]]] = []
    clean_env.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    path = write_config(tmp_path, client_id="c", client_secret="s", port=3456)
    main_module.main(["--config", str(path)])
    [(app, kwargs)] = calls
    assert kwargs == {"host": "127.0.0.1", "port": 3456}
    assert app.state.settings.client_id == "c"
    access_logger = logging.getLogger("uvicorn.access")
    for filt in [f for f in access_logger.filters if isinstance(f, RedactQueryFilter)]:
        access_logger.removeFilter(filt)


def test_main_rejects_missing_config(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit) as info:
        main_module.main(["--config", str(tmp_path / "nope.json")])
    assert "not found" in str(info.value.code)


def test_access_log_filter_redacts_query_strings() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/criteo-auth/callback?code=SECRET&state=x", "1.1", 303),
        None,
    )
    assert RedactQueryFilter().filter(record)
    assert "SECRET" not in record.getMessage()
    assert "/criteo-auth/callback" in record.getMessage()


@pytest.mark.parametrize(
    "iss", [None, "https://evil.example", CONSENTRY_URL + "/other"], ids=["absent", "other", "path"]
)
async def test_callback_from_another_issuer_is_refused_rfc9207(
    harness: Harness, iss: str | None
) -> None:
    link, _ = await harness.start()
    code, state = harness.fake.approve(link)
    query = {"code": code, "state": state} | ({"iss": iss} if iss else {})
    response = await harness.get(f"{CALLBACK_PATH}?{urlencode(query)}")
    assert response.status_code == 400
    assert element_text(response.text, "error") == "issuer_mismatch"
    assert harness.fake.token_requests() == []
