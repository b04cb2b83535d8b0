"""Security headers on every page, strict session cookies, server-side session revocation.

↔ web/security_headers.py, web/sessions.py, the templates (no inline script)
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

import consentry
from consentry.clock import FixedClock
from consentry.composition.app import create_app
from consentry.settings import Settings
from tests.conftest import CLIENT_REDIRECT_URI, Demo
from tests.security.conftest import Issued
from tests.support.flow import consent_link, csrf_token, sign_in

PACKAGE = Path(consentry.__file__).resolve().parent
TEMPLATES = sorted(PACKAGE.rglob("templates/**/*.html"))


def assert_hardened(response: httpx.Response) -> None:
    csp = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert "'unsafe-inline'" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"


async def test_every_kind_of_page_carries_the_security_headers(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    responses = [
        await client.get("/"),
        await client.get("/login"),
        await client.get("/consents"),
        await client.get("/portal/login"),
        await client.get("/request?client_id=nope&redirect_uri=x"),  # error page
        await client.get("/.well-known/oauth-authorization-server"),
        await client.get("/static/consentry.css"),
        await client.post("/oauth2/token", data={"grant_type": "x"}),
        await client.get("/2027-01/advertisers/me"),
        await client.get("/no-such-page"),
    ]
    consent = await client.get(consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    responses.append(await client.get(consent.headers["location"]))  # the consent page
    assert responses[-1].status_code == 200 and responses[2].status_code == 200

    for response in responses:
        assert_hardened(response)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_templates_have_no_inline_script_or_handlers(template: Path) -> None:
    html = template.read_text(encoding="utf-8")

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html, re.I), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", html, re.I), "inline event handler"
    assert "javascript:" not in html.lower()


def test_template_scan_covers_the_consent_pages() -> None:
    names = {p.name for p in TEMPLATES}
    assert {"consent.html", "consents.html", "login.html", "base.html"} <= names


async def test_session_cookie_is_httponly_and_samesite_lax_on_loopback(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/login")

    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("consentry_session=")
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # plain http on loopback: the demo must work


async def test_session_cookie_is_secure_and_host_bound_outside_loopback(
    settings: Settings, clock: FixedClock
) -> None:
    public = settings.model_copy(update={"issuer": "https://auth.consentry.example"})
    node: FastAPI = create_app(public, clock=clock)
    transport = httpx.ASGITransport(app=node)
    try:
        async with httpx.AsyncClient(transport=transport, base_url=public.issuer) as http:
            response = await http.get("/login")
    finally:
        await node.state.database.close()

    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith("__host-consentry_session=")
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_signing_out_ends_the_session_on_the_server(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    await sign_in(client, demo.customer_email, demo.customer_password)
    stolen = dict(client.cookies)
    page = await client.get("/consents")
    assert page.status_code == 200

    await client.post("/logout", data={"csrf_token": csrf_token(page.text)})

    client.cookies.clear()
    client.cookies.update(stolen)
    replayed = await client.get("/consents")
    assert replayed.status_code == 303  # the old cookie value no longer signs anyone in
