"""Sign-in and sign-out: server-side sessions, CSRF, fixation defence, safe `next`, cookie flags."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from consentry.clock import FixedClock
from consentry.composition.app import create_app
from consentry.keys.keyring import KeyRing
from consentry.settings import Settings
from tests.conftest import CLIENT_REDIRECT_URI, Demo
from tests.support.flow import consent_link, csrf_token, sign_in

COOKIE = "consentry_session"


async def home_user(http: httpx.AsyncClient) -> str | None:
    """The display name the home page greets, or None when nobody is signed in."""
    page = await http.get("/")
    assert page.status_code == 200
    return "Casey Customer" if "Casey Customer" in page.text else None


async def login_form(http: httpx.AsyncClient, next_path: str = "/") -> str:
    page = await http.get("/login", params={"next": next_path})
    assert page.status_code == 200
    return csrf_token(page.text)


async def test_wrong_password_is_401_page_and_no_session_user(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    token = await login_form(client)
    response = await client.post(
        "/login",
        data={"csrf_token": token, "email": demo.customer_email, "password": "not-the-password"},
    )
    assert response.status_code == 401
    assert "location" not in response.headers
    assert "Incorrect e-mail or password." in response.text
    assert await home_user(client) is None


async def test_unknown_email_is_the_same_401_as_a_wrong_password(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    token = await login_form(client)
    response = await client.post(
        "/login",
        data={"csrf_token": token, "email": "nobody@example.com", "password": "whatever"},
    )
    assert response.status_code == 401
    assert "Incorrect e-mail or password." in response.text


@pytest.mark.parametrize("csrf", [None, "", "forged"], ids=["missing", "empty", "wrong"])
async def test_sign_in_without_the_csrf_token_is_refused(
    client: httpx.AsyncClient, demo: Demo, csrf: str | None
) -> None:
    await login_form(client)
    form = {"email": demo.customer_email, "password": demo.customer_password}
    if csrf is not None:
        form["csrf_token"] = csrf
    response = await client.post("/login", data=form)
    assert response.status_code == 400
    assert "location" not in response.headers
    assert await home_user(client) is None


async def test_sign_in_without_any_session_is_refused(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    # Login CSRF: a cross-site form post carries no session cookie of ours.
    response = await client.post(
        "/login",
        data={
            "csrf_token": "x",
            "email": demo.customer_email,
            "password": demo.customer_password,
        },
    )
    assert response.status_code == 400
    assert await home_user(client) is None


async def test_session_id_rotates_at_sign_in(client: httpx.AsyncClient, demo: Demo) -> None:
    token = await login_form(client)
    before = client.cookies[COOKIE]
    response = await client.post(
        "/login",
        data={
            "csrf_token": token,
            "email": demo.customer_email,
            "password": demo.customer_password,
        },
    )
    assert response.status_code == 303
    after = client.cookies[COOKIE]
    assert after != before
    assert await home_user(client) == "Casey Customer"
    # The pre-sign-in id (which an attacker could have planted) is not signed in.
    client.cookies.set(COOKIE, before)
    assert await home_user(client) is None


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/path",
        "https://evil.example",
        "http://evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/\tevil",
        "evil.example",
        "",
    ],
    ids=[
        "protocol-relative",
        "protocol-relative-path",
        "absolute-https",
        "absolute-http",
        "slash-backslash",
        "double-backslash",
        "javascript",
        "tab",
        "relative",
        "empty",
    ],
)
async def test_next_only_follows_local_paths(
    client: httpx.AsyncClient, demo: Demo, target: str
) -> None:
    page = await client.get("/login", params={"next": target})
    assert 'name="next" value="/"' in page.text
    response = await client.post(
        "/login",
        data={
            "csrf_token": csrf_token(page.text),
            "email": demo.customer_email,
            "password": demo.customer_password,
            "next": target,
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"


async def test_next_follows_a_local_consent_path(client: httpx.AsyncClient, demo: Demo) -> None:
    started = await client.get(consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    path = started.headers["location"]
    token = await login_form(client, path)
    response = await client.post(
        "/login",
        data={
            "csrf_token": token,
            "email": demo.customer_email,
            "password": demo.customer_password,
            "next": path,
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == path


def session_cookie_header(response: httpx.Response) -> str:
    cookies = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    assert len(cookies) == 1, cookies
    return cookies[0]


def attributes(set_cookie: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in set_cookie.split(";")[1:]}


async def test_session_cookie_is_httponly_lax_and_not_secure_on_loopback(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    page = await client.get("/login")
    cookie = session_cookie_header(page)
    assert cookie.startswith(f"{COOKIE}=")
    assert {"httponly", "samesite", "path"} <= attributes(cookie)
    assert "samesite=lax" in cookie.lower()
    assert "secure" not in attributes(cookie)
    assert "domain" not in attributes(cookie)
    # The signed-in cookie has the same flags.
    token = csrf_token(page.text)
    response = await client.post(
        "/login",
        data={
            "csrf_token": token,
            "email": demo.customer_email,
            "password": demo.customer_password,
        },
    )
    signed = session_cookie_header(response)
    assert {"httponly", "samesite", "path"} <= attributes(signed)
    assert "secure" not in attributes(signed)


@pytest.fixture
async def https_app(settings: Settings, clock: FixedClock) -> AsyncIterator[FastAPI]:
    application = create_app(
        settings.model_copy(update={"issuer": "https://auth.example"}), clock=clock
    )
    await application.state.components.get(KeyRing).ready()
    yield application
    await application.state.database.close()


async def test_session_cookie_is_secure_with_host_prefix_on_an_https_issuer(
    https_app: FastAPI, demo: Demo
) -> None:
    transport = httpx.ASGITransport(app=https_app)
    async with httpx.AsyncClient(transport=transport, base_url="https://auth.example") as http:
        page = await http.get("/login")
        cookie = session_cookie_header(page)
        # RFC 6265bis §4.1.3.2: __Host- needs Secure, Path=/ and no Domain.
        assert cookie.startswith("__Host-consentry_session=")
        assert {"secure", "httponly", "samesite", "path"} <= attributes(cookie)
        assert "path=/" in cookie.lower()
        assert "domain" not in attributes(cookie)
        assert "samesite=lax" in cookie.lower()
        response = await http.post(
            "/login",
            data={
                "csrf_token": csrf_token(page.text),
                "email": demo.customer_email,
                "password": demo.customer_password,
            },
        )
        assert response.status_code == 303
        signed = session_cookie_header(response)
        assert signed.startswith("__Host-consentry_session=")
        assert "secure" in attributes(signed)
        assert "strict-transport-security" in response.headers


async def test_logout_ends_the_session_server_side(client: httpx.AsyncClient, demo: Demo) -> None:
    await sign_in(client, demo.customer_email, demo.customer_password)
    signed_in_cookie = client.cookies[COOKIE]
    home = await client.get("/")
    assert "Casey Customer" in home.text
    response = await client.post("/logout", data={"csrf_token": csrf_token(home.text)})
    assert response.status_code == 303
    assert await home_user(client) is None
    # Replaying the old cookie (say, from a stolen copy) no longer signs anybody in.
    client.cookies.set(COOKIE, signed_in_cookie)
    assert await home_user(client) is None
    started = await client.get(consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    consent = await client.get(started.headers["location"])
    assert consent.status_code == 303
    assert consent.headers["location"].startswith("/login?next=")


async def test_logout_without_csrf_token_keeps_the_session(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    await sign_in(client, demo.customer_email, demo.customer_password)
    signed_in_cookie = client.cookies[COOKIE]
    await client.post("/logout", data={})
    client.cookies.set(COOKIE, signed_in_cookie)
    assert await home_user(client) == "Casey Customer"


async def test_session_expires_after_its_ttl(
    client: httpx.AsyncClient, demo: Demo, clock: FixedClock, settings: Settings
) -> None:
    await sign_in(client, demo.customer_email, demo.customer_password)
    assert await home_user(client) == "Casey Customer"
    clock.advance(timedelta(seconds=settings.session_ttl_seconds + 1))
    # Checked against the server's clock and record, not only the cookie's max-age.
    assert await home_user(client) is None
