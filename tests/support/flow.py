"""Drive the consent flow through HTTP like a browser would: consent link, sign-in, decision."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def consent_link(client_id: str, redirect_uri: str, state: str | None = "xyz", **extra: str) -> str:
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri}
    if state is not None:
        params["state"] = state
    params.update(extra)
    return "/request?" + urlencode(params)


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


async def sign_in(http: httpx.AsyncClient, email: str, password: str, next_path: str = "/") -> None:
    page = await http.get("/login", params={"next": next_path})
    assert page.status_code == 200
    response = await http.post(
        "/login",
        data={
            "csrf_token": csrf_token(page.text),
            "email": email,
            "password": password,
            "next": next_path,
        },
    )
    assert response.status_code == 303, response.text


async def open_consent(http: httpx.AsyncClient, link: str) -> tuple[str, str]:
    """Follow the consent link to the consent page; returns (consent path, page html)."""
    response = await http.get(link)
    assert response.status_code == 303, response.text
    path = response.headers["location"]
    assert path.startswith("/consent/")
    page = await http.get(path)
    assert page.status_code == 200, page.text
    return path, page.text


async def decide(
    http: httpx.AsyncClient, path: str, html: str, decision: str, advertisers: list[int]
) -> httpx.Response:
    form = [("csrf_token", csrf_token(html)), ("decision", decision)]
    form += [("advertiser", str(a)) for a in advertisers]
    return await http.post(
        path, content=urlencode(form), headers={"content-type": "application/x-www-form-urlencoded"}
    )


def query_of(location: str) -> dict[str, str]:
    parsed = parse_qs(urlsplit(location).query, keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items()}


async def obtain_code(
    http: httpx.AsyncClient,
    *,
    client_id: str,
    redirect_uri: str,
    email: str,
    password: str,
    advertisers: list[int],
    state: str = "xyz",
    **extra: str,
) -> str:
    """Sign in, open the consent link, approve the given advertisers and return the code."""
    await sign_in(http, email, password)
    path, html = await open_consent(http, consent_link(client_id, redirect_uri, state, **extra))
    response = await decide(http, path, html, "approve", advertisers)
    assert response.status_code == 303, response.text
    params = query_of(response.headers["location"])
    assert params["state"] == state
    return params["code"]


async def exchange_code(
    http: httpx.AsyncClient,
    code: str,
    *,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    **extra: str,
) -> httpx.Response:
    """`grant_type=authorization_code` with the credentials in the body, as Criteo's SDKs send."""
    return await http.post(
        "/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "client_secret": client_secret,
            **extra,
        },
    )


async def refresh(
    http: httpx.AsyncClient,
    refresh_token: str,
    *,
    client_id: str,
    client_secret: str,
    **extra: str,
) -> httpx.Response:
    """`grant_type=refresh_token` with the credentials in the body."""
    return await http.post(
        "/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
            "client_secret": client_secret,
            **extra,
        },
    )


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}
