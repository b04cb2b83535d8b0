"""Portal pages over HTTP: sign-up, apps, credentials, redirect URIs, switches, links, tokens;
CSRF on every form, messages next to the field, 404 for other organizations, sign-out."""

from __future__ import annotations

import re

import httpx

from tests.conftest import Demo
from tests.portal.conftest import PASSWORD, csrf_of, image_bytes, portal_sign_in, sign_up
from tests.support.services import Services

DOMAINS = {"domains.C-Growth.Campaign": "manage", "domains.C-Growth.Analytics": "read"}


async def _sign_up(client: httpx.AsyncClient, email: str = "ada@acme.test") -> str:
    page = await client.get("/portal/signup")
    response = await client.post(
        "/portal/signup",
        data={
            "csrf_token": csrf_of(page.text),
            "organization": "Acme",
            "display_name": "Ada",
            "email": email,
            "password": PASSWORD,
        },
    )
    assert response.status_code == 303 and response.headers["location"] == "/portal/apps"
    apps = await client.get("/portal/apps")
    assert apps.status_code == 200 and 'id="no-apps"' in apps.text
    return csrf_of(apps.text)


async def _create_app(
    client: httpx.AsyncClient,
    csrf: str,
    *,
    image: bytes | None = None,
    overrides: dict[str, str] | None = None,
) -> httpx.Response:
    data = {
        "csrf_token": csrf,
        "name": "Bid Optimizer",
        "description": "Tunes bids.",
        "service": "C-Growth",
        "auth_method": "authorization_code",
        **DOMAINS,
        **(overrides or {}),
    }
    files = {"image": ("logo.png", image or b"", "image/png")}
    return await client.post("/portal/apps/new", data=data, files=files)


def _app_path(response: httpx.Response) -> str:
    assert response.status_code == 303, response.text
    location: str = response.headers["location"]
    assert re.fullmatch(r"/portal/apps/\d+", location)
    return location


async def test_sign_up_then_create_an_app_with_image_and_see_its_scopes(
    client: httpx.AsyncClient,
) -> None:
    csrf = await _sign_up(client)
    path = _app_path(await _create_app(client, csrf, image=image_bytes("PNG")))
    page = await client.get(path)
    assert page.status_code == 200
    assert "MarketingSolutions_Campaign_Manage" in page.text
    assert "MarketingSolutions_Analytics_Read" in page.text
    assert 'id="app-status" class="status off">Not activated' in page.text
    image = await client.get(f"/apps/{path.rsplit('/', 1)[1]}/image")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"


async def test_a_fake_image_is_refused_next_to_the_field(client: httpx.AsyncClient) -> None:
    csrf = await _sign_up(client)
    response = await _create_app(client, csrf, image=b"\x89PNG\r\n\x1a\nthis is text")
    assert response.status_code == 422
    assert 'id="image-error"' in response.text and "not a valid PNG" in response.text
    assert 'value="Bid Optimizer"' in response.text  # what was typed is kept
    missing = await _create_app(
        client,
        csrf,
        overrides={
            "name": "",
            "domains.C-Growth.Campaign": "none",
            "domains.C-Growth.Analytics": "none",
        },
    )
    assert 'id="name-error"' in missing.text, missing.text
    assert 'id="domains-error"' in missing.text, missing.text


async def test_credentials_secret_is_shown_once_and_deletion_is_confirmed(
    client: httpx.AsyncClient,
) -> None:
    csrf = await _sign_up(client)
    path = _app_path(await _create_app(client, csrf))
    created = await client.post(f"{path}/credentials", data={"csrf_token": csrf, "label": "prod"})
    assert created.status_code == 200
    secret = re.search(r'id="new-client-secret">([^<]+)<', created.text)
    client_id = re.search(r'id="new-client-id">([^<]+)<', created.text)
    assert secret and client_id and "will not be shown again" in created.text
    again = await client.get(path)
    assert secret.group(1) not in again.text and client_id.group(1) in again.text
    confirm = await client.get(f"{path}/credentials/{client_id.group(1)}/delete")
    assert confirm.status_code == 200 and "grants, refresh tokens and access tokens" in confirm.text
    deleted = await client.post(
        f"{path}/credentials/{client_id.group(1)}/delete", data={"csrf_token": csrf}
    )
    assert deleted.status_code == 303
    after = (await client.get(path)).text
    credentials_section, audit_section = after.split('id="audit"', 1)
    assert client_id.group(1) not in credentials_section
    assert "credential.deleted" in audit_section  # the audit trail still names the deleted pair
    for _ in range(5):
        await client.post(f"{path}/credentials", data={"csrf_token": csrf})
    sixth = await client.post(f"{path}/credentials", data={"csrf_token": csrf})
    assert sixth.status_code == 409 and 'id="credentials-error"' in sixth.text


async def test_redirect_uris_switches_and_the_consent_link_builder(
    client: httpx.AsyncClient,
) -> None:
    csrf = await _sign_up(client)
    path = _app_path(await _create_app(client, csrf))
    refused = await client.post(
        f"{path}/redirect-uris", data={"csrf_token": csrf, "redirect_uri": "http://app.example/cb"}
    )
    assert refused.status_code == 422 and 'id="redirect_uri-error"' in refused.text
    assert "HTTPS is required" in refused.text
    added = await client.post(
        f"{path}/redirect-uris", data={"csrf_token": csrf, "redirect_uri": "https://app.example/cb"}
    )
    assert added.status_code == 303
    await client.post(f"{path}/credentials", data={"csrf_token": csrf})
    assert (
        await client.post(f"{path}/pkce", data={"csrf_token": csrf, "pkce_required": "on"})
    ).status_code == 303
    assert (
        await client.post(f"{path}/activation", data={"csrf_token": csrf, "activated": "on"})
    ).status_code == 303
    page = await client.get(path)
    assert 'id="pkce_required" checked' in page.text and ">Activated<" in page.text
    client_id = re.search(r'<option value="([0-9a-f]{32})"', page.text)
    assert client_id
    built = await client.post(
        f"{path}/consent-link",
        data={
            "csrf_token": csrf,
            "client_id": client_id.group(1),
            "redirect_uri": "https://app.example/cb",
            "state": "abc",
        },
    )
    assert built.status_code == 200
    link = re.search(r'id="built-link">([^<]+)<', built.text)
    assert link and "response_type=code" in link.group(1) and "state=abc" in link.group(1)


async def test_every_form_needs_the_csrf_token(client: httpx.AsyncClient) -> None:
    csrf = await _sign_up(client)
    path = _app_path(await _create_app(client, csrf))
    for target, data in (
        (f"{path}/credentials", {}),
        (f"{path}/activation", {"activated": "on"}),
        (f"{path}/redirect-uris", {"redirect_uri": "https://a.example/cb"}),
        ("/portal/tokens", {"label": "x"}),
    ):
        response = await client.post(target, data={**data, "csrf_token": "forged"})
        assert response.status_code == 403, target
    assert (await _create_app(client, "forged")).status_code == 403


async def test_another_organizations_app_is_404_on_every_page(
    client: httpx.AsyncClient, services: Services
) -> None:
    csrf = await _sign_up(client)
    path = _app_path(await _create_app(client, csrf))
    await sign_up(services, "eve@rival.test", "Rival")
    await client.post("/portal/logout", data={"csrf_token": csrf})
    rival_csrf = await portal_sign_in(client, "eve@rival.test")
    assert (await client.get(path)).status_code == 404
    assert (await client.get(f"{path}/edit")).status_code == 404
    for target in ("credentials", "activation", "redirect-uris", "consent-link", "pkce"):
        response = await client.post(f"{path}/{target}", data={"csrf_token": rival_csrf})
        assert response.status_code == 404, target
    assert (await client.get("/portal/apps/abc")).status_code == 404


async def test_sign_in_is_required_and_sign_out_ends_the_session_server_side(
    client: httpx.AsyncClient, services: Services
) -> None:
    anonymous = await client.get("/portal/apps/1")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/portal/login?next=/portal/apps/1"
    csrf = await _sign_up(client)
    cookie = client.cookies.get(services.sessions.cookie_name)
    await client.post("/portal/logout", data={"csrf_token": csrf})
    client.cookies.set(services.sessions.cookie_name, cookie or "")
    assert (await client.get("/portal/apps")).status_code == 303


async def test_a_customer_account_is_not_let_into_the_portal(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    page = await client.get("/portal/login")
    response = await client.post(
        "/portal/login",
        data={
            "csrf_token": csrf_of(page.text),
            "email": demo.customer_email,
            "password": demo.customer_password,
        },
    )
    assert response.status_code == 403 and "customer account" in response.text


async def test_api_tokens_page_shows_a_new_token_once(client: httpx.AsyncClient) -> None:
    csrf = await _sign_up(client)
    created = await client.post("/portal/tokens", data={"csrf_token": csrf, "label": "ci"})
    token = re.search(r'id="new-token-value">(cpat_[^<]+)<', created.text)
    assert token
    me = await client.get("/portal/api/me", headers={"Authorization": f"Bearer {token.group(1)}"})
    assert me.status_code == 200
    assert token.group(1) not in (await client.get("/portal/tokens")).text
    empty = await client.post("/portal/tokens", data={"csrf_token": csrf, "label": ""})
    assert empty.status_code == 422 and 'id="label-error"' in empty.text


async def test_the_home_page_links_the_portal(client: httpx.AsyncClient) -> None:
    home = await client.get("/")
    assert 'href="/portal"' in home.text
    assert (await client.get("/portal")).headers["location"] == "/portal/apps"


async def test_every_form_on_the_app_page_carries_the_sessions_csrf_token(
    client: httpx.AsyncClient,
) -> None:
    csrf = await _sign_up(client)
    path = _app_path(await _create_app(client, csrf))
    await client.post(f"{path}/credentials", data={"csrf_token": csrf})
    await client.post(
        f"{path}/redirect-uris", data={"csrf_token": csrf, "redirect_uri": "https://a.example/"}
    )
    for page_path in (path, f"{path}/edit", "/portal/apps", "/portal/tokens", "/portal/apps/new"):
        html = (await client.get(page_path)).text
        forms = re.findall(r"<form [^>]*method=\"post\".*?</form>", html, flags=re.S)
        assert forms, page_path
        for form in forms:
            assert f'name="csrf_token" value="{csrf}"' in form, (page_path, form[:200])


async def test_the_app_page_shows_the_apps_security_events_to_its_owners(
    client: httpx.AsyncClient,
) -> None:
    csrf = await _sign_up(client)
    path = _app_path(await _create_app(client, csrf))
    assert 'id="no-events"' in (await client.get(path)).text
    await client.post(f"{path}/credentials", data={"csrf_token": csrf, "label": "ci"})
    events = (await client.get(path)).text.split('id="audit"', 1)[1]
    assert "credential.created" in events
