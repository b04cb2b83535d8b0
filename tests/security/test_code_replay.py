"""A replayed authorization code revokes everything issued from it and is audited (RFC 6749 §4.1.2,
RFC 9700 §4.2.4). ↔ core/grants/authorization_code.py
"""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.core.audit import AuditKind
from tests.conftest import CLIENT_REDIRECT_URI, Demo
from tests.security.conftest import Issued, audit_events, credentials_of, granted_ids
from tests.support.flow import exchange_code, refresh


async def replay(http: httpx.AsyncClient, demo: Demo, code: str) -> httpx.Response:
    return await exchange_code(
        http,
        code,
        client_id=demo.client_id,
        client_secret=demo.client_secret,
        redirect_uri=CLIENT_REDIRECT_URI,
    )


async def test_replayed_code_revokes_what_it_issued_and_is_audited(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, engine: AsyncEngine
) -> None:
    rotated = await refresh(client, issued.refresh_token, **credentials_of(demo))
    descendant = rotated.json()["access_token"]

    response = await replay(client, demo, issued.code)

    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert await granted_ids(client, issued.access_token) == 401
    assert await granted_ids(client, descendant) == 401
    refused = await refresh(client, rotated.json()["refresh_token"], **credentials_of(demo))
    assert refused.status_code == 400
    [event] = await audit_events(engine, AuditKind.CODE_REPLAYED)
    assert event.event.client_id == demo.client_id
    assert event.event.user_id == demo.app.customer_id
    assert event.event.app_id == demo.app.app_id


async def test_refresh_with_the_old_code_attached_is_not_a_replay(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, engine: AsyncEngine
) -> None:
    # Criteo's SDK sends the old code and redirect_uri along with every refresh.
    rotated = await refresh(
        client,
        issued.refresh_token,
        **credentials_of(demo),
        code=issued.code,
        redirect_uri=CLIENT_REDIRECT_URI,
    )

    assert rotated.status_code == 200
    assert await granted_ids(client, issued.access_token) == list(issued.advertisers)
    assert await audit_events(engine, AuditKind.CODE_REPLAYED) == []
