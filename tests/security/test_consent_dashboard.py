"""The consent dashboard `/consents`: see grants, revoke them or one advertiser, immediately.

↔ consent/dashboard.py, consent/dashboard_routes.py, consent/service.py (re-consent pre-selection)
"""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from consentry.core.audit import AuditKind
from consentry.core.hashing import SecretHasher
from consentry.passwords import hash_password
from consentry.settings import Settings
from consentry.storage.sql import schema as t
from tests.conftest import CLIENT_REDIRECT_URI, ISSUER, Demo
from tests.security.conftest import (
    Issued,
    add_app_grant,
    add_cc_app,
    audit_events,
    code_flow,
    credentials_of,
    granted_ids,
    second_node,
)
from tests.support.flow import consent_link, csrf_token, decide, open_consent, refresh, sign_in

GRANT_ID = re.compile(r'data-grant="([0-9a-f]+)"')


async def dashboard(http: httpx.AsyncClient) -> str:
    page = await http.get("/consents")
    assert page.status_code == 200, page.text
    return page.text


async def post(http: httpx.AsyncClient, path: str, token: str | None) -> httpx.Response:
    data = {"csrf_token": token} if token is not None else {"decision": "revoke"}
    return await http.post(path, data=data)


async def introspect(http: httpx.AsyncClient, demo: Demo, token: str) -> dict[str, object]:
    response = await http.post("/oauth2/introspect", data={"token": token, **credentials_of(demo)})
    return dict(response.json())


async def test_dashboard_requires_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get("/consents")

    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/consents"


async def test_dashboard_lists_each_grant_with_its_details(
    client: httpx.AsyncClient,
    demo: Demo,
    issued: Issued,
    clock: FixedClock,
) -> None:
    html = await dashboard(client)

    assert html.count('class="card stack grant"') == 1
    assert "Acme Bid Optimizer" in html and "Acme Ad Tools" in html
    assert "Marketing Solutions" in html
    assert "See performance statistics and reports" in html  # domains in words
    assert "Create and change campaigns, budgets and bids" in html
    assert "Maison Lumière" in html and "Pixel &amp; Pine Toys" in html
    assert "Riverside Grocers" not in html
    granted_at = clock.now().strftime("%Y-%m-%d %H:%M UTC")
    assert f">{granted_at}</time>" in html
    assert 'class="last-used"' in html and "never" not in html  # the token exchange used it


async def test_dashboard_shows_app_level_grants_too(
    client: httpx.AsyncClient,
    demo: Demo,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
) -> None:
    app = await add_cc_app(engine, hasher, clock.now())
    await add_app_grant(
        engine,
        app_id=app.app_id,
        user_id=demo.app.customer_id,
        advertisers=[demo.advertiser("Riverside Grocers")],
        now=clock.now(),
    )
    await sign_in(client, demo.customer_email, demo.customer_password)

    html = await dashboard(client)

    assert "Acme Reporter" in html and "Riverside Grocers" in html and "never" in html


async def test_revoking_a_grant_is_immediate_for_refresh_introspection_and_partner_api(
    client: httpx.AsyncClient,
    demo: Demo,
    issued: Issued,
    settings: Settings,
    clock: FixedClock,
    engine: AsyncEngine,
) -> None:
    html = await dashboard(client)
    [grant_id] = GRANT_ID.findall(html)
    async with second_node(settings, clock) as other:
        assert await granted_ids(other, issued.access_token) == list(issued.advertisers)

        response = await post(client, f"/consents/{grant_id}/revoke", csrf_token(html))

        assert response.status_code == 303 and response.headers["location"] == "/consents"
        assert await granted_ids(other, issued.access_token) == 401
    assert await granted_ids(client, issued.access_token) == 401
    assert await introspect(client, demo, issued.access_token) == {"active": False}
    assert (await refresh(client, issued.refresh_token, **credentials_of(demo))).status_code == 400
    assert 'id="no-grants"' in await dashboard(client)
    [event] = await audit_events(engine, AuditKind.CONSENT_REVOKED)
    assert event.event.grant_id == grant_id and event.event.app_id == demo.app.app_id


async def test_revoking_one_advertiser_keeps_the_rest(
    client: httpx.AsyncClient,
    demo: Demo,
    issued: Issued,
    settings: Settings,
    clock: FixedClock,
    engine: AsyncEngine,
) -> None:
    html = await dashboard(client)
    [grant_id] = GRANT_ID.findall(html)
    gone, kept = issued.advertisers

    response = await post(
        client, f"/consents/{grant_id}/advertisers/{gone}/revoke", csrf_token(html)
    )

    assert response.status_code == 303
    async with second_node(settings, clock) as other:
        assert await granted_ids(other, issued.access_token) == [kept]
    assert (await introspect(client, demo, issued.access_token))["advertisers"] == [str(kept)]
    rotated = await refresh(client, issued.refresh_token, **credentials_of(demo))
    assert rotated.status_code == 200
    assert await granted_ids(client, rotated.json()["access_token"]) == [kept]
    [event] = await audit_events(engine, AuditKind.CONSENT_REVOKED)
    assert event.event.detail == {"scope": "advertiser", "advertiser_id": str(gone)}


async def test_revoking_the_last_advertiser_revokes_the_grant(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    for advertiser in issued.advertisers:
        html = await dashboard(client)
        [grant_id] = GRANT_ID.findall(html)
        path = f"/consents/{grant_id}/advertisers/{advertiser}/revoke"
        assert (await post(client, path, csrf_token(html))).status_code == 303

    assert (await refresh(client, issued.refresh_token, **credentials_of(demo))).status_code == 400
    assert 'id="no-grants"' in await dashboard(client)


async def test_revocation_needs_the_csrf_token(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    [grant_id] = GRANT_ID.findall(await dashboard(client))

    missing = await post(client, f"/consents/{grant_id}/revoke", None)
    wrong = await post(client, f"/consents/{grant_id}/revoke", "not-the-token")

    assert missing.status_code == 403 and wrong.status_code == 403
    assert await granted_ids(client, issued.access_token) == list(issued.advertisers)


async def test_a_customer_cannot_revoke_someone_elses_grant(
    client: httpx.AsyncClient,
    app: FastAPI,
    demo: Demo,
    issued: Issued,
    engine: AsyncEngine,
    clock: FixedClock,
) -> None:
    [grant_id] = GRANT_ID.findall(await dashboard(client))
    other_user = await _other_customer(engine, clock)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=ISSUER
    ) as stranger:
        await sign_in(stranger, other_user, "another-password-123")
        html = await dashboard(stranger)

        response = await post(stranger, f"/consents/{grant_id}/revoke", csrf_token(html))

    assert response.status_code == 404
    assert await granted_ids(client, issued.access_token) == list(issued.advertisers)


async def test_re_consent_preselects_what_was_granted(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    _, html = await open_consent(client, consent_link(demo.client_id, CLIENT_REDIRECT_URI))

    checked = set(re.findall(r'value="(\d+)" id="advertiser-\d+" checked', html))
    assert checked == {str(a) for a in issued.advertisers}


async def test_first_consent_preselects_nothing(client: httpx.AsyncClient, demo: Demo) -> None:
    await sign_in(client, demo.customer_email, demo.customer_password)

    _, html = await open_consent(client, consent_link(demo.client_id, CLIENT_REDIRECT_URI))

    assert " checked" not in html


async def test_sign_out_everywhere_ends_every_session(
    client: httpx.AsyncClient, app: FastAPI, demo: Demo, engine: AsyncEngine
) -> None:
    await sign_in(client, demo.customer_email, demo.customer_password)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as laptop:
        await sign_in(laptop, demo.customer_email, demo.customer_password)
        html = await dashboard(client)

        response = await post(client, "/consents/sign-out-everywhere", csrf_token(html))

        assert response.status_code == 303 and response.headers["location"] == "/login"
        assert (await laptop.get("/consents")).status_code == 303  # the other browser too
    assert (await client.get("/consents")).status_code == 303
    [event] = await audit_events(engine, AuditKind.SESSIONS_REVOKED)
    assert event.event.user_id == demo.app.customer_id and event.event.detail["sessions"] == "2"


async def test_consent_decisions_are_audited(
    client: httpx.AsyncClient, demo: Demo, engine: AsyncEngine
) -> None:
    issued = await code_flow(client, demo, [demo.advertiser("Riverside Grocers")])
    path, html = await open_consent(client, consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    await decide(client, path, html, "deny", [])

    [granted] = await audit_events(engine, AuditKind.CONSENT_GRANTED)
    [denied] = await audit_events(engine, AuditKind.CONSENT_DENIED)
    assert granted.event.detail == {"advertisers": str(issued.advertisers[0])}
    assert granted.event.user_id == denied.event.user_id == demo.app.customer_id
    assert granted.event.app_id == denied.event.app_id == demo.app.app_id


async def _other_customer(engine: AsyncEngine, clock: FixedClock) -> str:
    email = "someone.else@demo.consentry.test"
    async with engine.begin() as conn:
        await conn.execute(
            insert(t.User).values(
                email=email,
                display_name="Someone Else",
                password_hash=hash_password("another-password-123"),
                created_at=clock.now(),
            )
        )
    return email
