"""`/portal/api`: personal API tokens or the session (+ X-CSRF-Token), the same rules and limits as
the pages, RFC 9457 problems naming the field, 404 for other organizations, an OpenAPI schema."""

from __future__ import annotations

import httpx
import pytest

from consentry.portal.accounts import Developer
from tests.portal.conftest import create_app, image_bytes, portal_sign_in, sign_up, unit
from tests.support.services import Services

APP = {
    "name": "Bid Optimizer",
    "description": "Tunes bids.",
    "service": "C-Growth",
    "auth_method": "authorization_code",
    "domains": {"Campaign": "manage", "Analytics": "read"},
}


async def _token(services: Services, developer: Developer) -> dict[str, str]:
    async with unit(services) as uow:
        created = await services.portal.tokens.create(uow, developer, "script")
    return {"Authorization": f"Bearer {created.token}"}


def _problem(response: httpx.Response, status: int, field: str | None = None) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert set(body) == {"type", "title", "status", "detail", "errors"} and body["status"] == status
    if field is not None:
        assert field in {e["field"] for e in body["errors"]}  # type: ignore[attr-defined]
    return body


async def test_a_script_manages_an_app_end_to_end_with_a_token(
    client: httpx.AsyncClient, services: Services, developer: Developer
) -> None:
    auth = await _token(services, developer)
    created = await client.post("/portal/api/apps", json=APP, headers=auth)
    assert created.status_code == 201, created.text
    app = created.json()
    assert app["scopes"] == [
        "MarketingSolutions_Analytics_Read",
        "MarketingSolutions_Campaign_Manage",
    ]
    assert app["domains"]["Campaign"] == "manage" and app["domains"]["Reco"] == "none"
    assert app["activated"] is False and app["credentials"] == [] and app["image_url"] is None
    base = f"/portal/api/apps/{app['id']}"

    image = await client.put(f"{base}/image", content=image_bytes("JPEG"), headers=auth)
    assert image.status_code == 200 and image.json()["image_url"] == f"/apps/{app['id']}/image"
    uri = await client.post(
        f"{base}/redirect-uris", json={"uri": "https://A.example/cb"}, headers=auth
    )
    assert uri.status_code == 201 and uri.json()["uri"] == "https://a.example/cb"
    pair = await client.post(f"{base}/credentials", json={"label": "prod"}, headers=auth)
    assert pair.status_code == 201 and len(pair.json()["client_secret"]) >= 43
    patched = await client.patch(
        base, json={"activated": True, "pkce_required": True, "name": "Bids"}, headers=auth
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["activated"] and patched.json()["pkce_required"]
    link = await client.post(
        f"{base}/consent-links",
        json={"client_id": pair.json()["client_id"], "redirect_uri": "https://a.example/cb"},
        headers=auth,
    )
    assert link.status_code == 201 and link.json()["url"].startswith(
        "http://localhost:8000/request?"
    )

    listed = await client.get(f"{base}/credentials", headers=auth)
    assert [c["client_id"] for c in listed.json()] == [pair.json()["client_id"]]
    assert "client_secret" not in listed.json()[0]
    deleted = await client.delete(f"{base}/credentials/{pair.json()['client_id']}", headers=auth)
    assert deleted.status_code == 204
    assert (
        await client.delete(f"{base}/redirect-uris/{uri.json()['id']}", headers=auth)
    ).status_code == 204
    assert (await client.get(base, headers=auth)).json()["redirect_uris"] == []


async def test_limits_and_invalid_input_are_problems_naming_the_field(
    client: httpx.AsyncClient, services: Services, developer: Developer
) -> None:
    auth = await _token(services, developer)
    base = f"/portal/api/apps/{await create_app(services, developer)}"
    for _ in range(5):
        assert (await client.post(f"{base}/credentials", json={}, headers=auth)).status_code == 201
    _problem(await client.post(f"{base}/credentials", json={}, headers=auth), 409, "credentials")
    for n in range(30):
        response = await client.post(
            f"{base}/redirect-uris", json={"uri": f"https://a.example/{n}"}, headers=auth
        )
        assert response.status_code == 201
    _problem(
        await client.post(
            f"{base}/redirect-uris", json={"uri": "https://a.example/x"}, headers=auth
        ),
        409,
        "redirect_uri",
    )
    body = _problem(
        await client.post(
            "/portal/api/apps", json={**APP, "domains": {"Catalog": "read"}}, headers=auth
        ),
        422,
        "domains.Catalog",
    )
    assert body["title"] == "Invalid input"
    _problem(await client.post("/portal/api/apps", json={"name": 3}, headers=auth), 422, "name")
    _problem(
        await client.post("/portal/api/apps", json={**APP, "extra": 1}, headers=auth), 422, "extra"
    )
    _problem(await client.put(f"{base}/image", content=b"<svg/>", headers=auth), 422, "image")
    big = b"\x89PNG" + b"\x00" * (1024 * 1024 + 10)
    _problem(await client.put(f"{base}/image", content=big, headers=auth), 422, "image")
    _problem(await client.patch(base, json={"service": "C-Max"}, headers=auth), 422, "service")


async def test_another_organizations_resources_are_404(
    client: httpx.AsyncClient, services: Services, developer: Developer, rival: Developer
) -> None:
    app_id = await create_app(services, developer)
    async with unit(services) as uow:
        pair = await services.portal.credentials.create(uow, developer, app_id)
        uri = await services.portal.credentials.add_redirect_uri(
            uow, developer, app_id, "https://a.example/cb"
        )
    auth = await _token(services, rival)
    base = f"/portal/api/apps/{app_id}"
    attempts = [
        client.get(base, headers=auth),
        client.patch(base, json={"activated": True}, headers=auth),
        client.put(f"{base}/image", content=image_bytes(), headers=auth),
        client.get(f"{base}/credentials", headers=auth),
        client.post(f"{base}/credentials", json={}, headers=auth),
        client.delete(f"{base}/credentials/{pair.credential.client_id}", headers=auth),
        client.delete(f"{base}/redirect-uris/{uri.id}", headers=auth),
        client.post(f"{base}/consent-links", json={}, headers=auth),
        client.get("/portal/api/apps/999999", headers=auth),
    ]
    for attempt in attempts:
        _problem(await attempt, 404)
    assert (await client.get("/portal/api/apps", headers=auth)).json() == []


async def test_authentication_by_token_or_by_session_with_csrf(
    client: httpx.AsyncClient, services: Services, developer: Developer
) -> None:
    _problem(await client.get("/portal/api/apps"), 401)
    refused = await client.get("/portal/api/apps", headers={"Authorization": "Bearer cpat_nope"})
    _problem(refused, 401)
    assert refused.headers["www-authenticate"].startswith("Bearer")

    csrf = await portal_sign_in(client, "ada@acme.test")
    assert (await client.get("/portal/api/apps")).status_code == 200
    me = (await client.get("/portal/api/me")).json()
    assert me["organization"] == "Acme" and me["csrf_token"] == csrf
    _problem(await client.post("/portal/api/apps", json=APP), 403)
    _problem(await client.post("/portal/api/apps", json=APP, headers={"X-CSRF-Token": "x"}), 403)
    created = await client.post("/portal/api/apps", json=APP, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201


async def test_a_revoked_token_stops_working(
    client: httpx.AsyncClient, services: Services, developer: Developer
) -> None:
    auth = await _token(services, developer)
    assert (await client.get("/portal/api/me", headers=auth)).json()["csrf_token"] is None
    tokens = (await client.get("/portal/api/tokens", headers=auth)).json()
    assert tokens[0]["label"] == "script" and tokens[0]["last_used_at"] is not None
    assert (
        await client.delete(f"/portal/api/tokens/{tokens[0]['id']}", headers=auth)
    ).status_code == 204
    _problem(await client.get("/portal/api/me", headers=auth), 401)


async def test_customers_cannot_use_the_portal_api(
    client: httpx.AsyncClient, services: Services
) -> None:
    await sign_up(services, "dev@acme.test", "Acme")
    async with unit(services) as uow:
        customer_id = await uow.accounts.add_user(
            email="c@example.test",
            display_name="C",
            password_hash="x",
            organization_id=None,
            now=services.clock.now(),
        )
    assert customer_id is not None
    from consentry.web.sessions import SessionManager

    sessions: SessionManager = services.sessions
    async with unit(services) as uow:
        active = await sessions.start(uow, user_id=customer_id)
    client.cookies.set(sessions.cookie_name, active.raw_id)
    _problem(await client.get("/portal/api/apps"), 403)


@pytest.mark.parametrize("path", ["/portal/api/nope", "/portal/api/apps/abc"])
async def test_unknown_paths_and_bad_ids_are_problems(
    client: httpx.AsyncClient, services: Services, developer: Developer, path: str
) -> None:
    response = await client.get(path, headers=await _token(services, developer))
    assert response.headers["content-type"] == "application/problem+json"
    assert response.status_code in (404, 422)


async def test_the_openapi_schema_documents_every_portal_endpoint(
    client: httpx.AsyncClient,
) -> None:
    schema = (await client.get("/openapi.json")).json()
    paths = {p: ops for p, ops in schema["paths"].items() if p.startswith("/portal/api/")}
    assert set(paths) == {
        "/portal/api/me",
        "/portal/api/apps",
        "/portal/api/apps/{app_id}",
        "/portal/api/apps/{app_id}/image",
        "/portal/api/apps/{app_id}/credentials",
        "/portal/api/apps/{app_id}/credentials/{client_id}",
        "/portal/api/apps/{app_id}/redirect-uris",
        "/portal/api/apps/{app_id}/redirect-uris/{uri_id}",
        "/portal/api/apps/{app_id}/consent-links",
        "/portal/api/tokens",
        "/portal/api/tokens/{token_id}",
    }
    for operations in paths.values():
        for operation in operations.values():
            assert operation["summary"] and "404" in operation["responses"]
            assert operation["security"] == [{"PersonalApiToken": []}]
    components = schema["components"]["schemas"]
    assert {"AppCreate", "AppDetailsOut", "PortalProblem", "NewCredentialOut"} <= set(components)
    assert not any(
        p.startswith("/portal/") and not p.startswith("/portal/api/") for p in schema["paths"]
    )
