"""No secret, code, token, consent handle, session id (or any hash of one) reaches the logs.

A full flow runs with every logger at DEBUG (consentry's, the access log, SQLAlchemy, the database
drivers, uvicorn's): consent, token, refresh, partner API, client credentials, revoke, introspect.
Only the test's own HTTP client (httpx/httpcore, which plays the partner app) is left out.
↔ web/access_log.py, storage/sql/engine.py (hidden parameters, quiet drivers)
"""

from __future__ import annotations

import base64
import hashlib
import logging
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from consentry.core.hashing import SecretHasher
from tests.conftest import CLIENT_REDIRECT_URI, Demo
from tests.security.conftest import add_app_grant, add_cc_app, client_credentials, credentials_of
from tests.support.flow import (
    bearer,
    consent_link,
    csrf_token,
    decide,
    exchange_code,
    query_of,
    refresh,
    sign_in,
)

CLIENT_SIDE = ("httpx", "httpcore")


def forms_of(secret: str, hasher: SecretHasher) -> set[str]:
    """The value and every way its hashes could be printed."""
    forms = {secret, quote(secret, safe="")}
    for digest in (hasher.hash(secret), hashlib.sha256(secret.encode()).digest()):
        forms |= {
            digest.hex(),
            repr(digest),
            base64.b64encode(digest).decode(),
            base64.urlsafe_b64encode(digest).decode().rstrip("="),
            base64.b64encode(digest).decode().rstrip("="),
        }
    return forms


@pytest.fixture
def everything_at_debug(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ("consentry", "sqlalchemy", "aiosqlite", "asyncpg", "uvicorn", "fastapi"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


async def test_a_full_flow_logs_no_secret_code_token_or_handle(
    everything_at_debug: pytest.LogCaptureFixture,
    client: httpx.AsyncClient,
    demo: Demo,
    engine: AsyncEngine,
    hasher: SecretHasher,
    clock: FixedClock,
) -> None:
    caplog = everything_at_debug
    secrets = [demo.client_secret]
    await sign_in(client, demo.customer_email, demo.customer_password)
    secrets += [demo.customer_password, *client.cookies.values()]
    opened = await client.get(consent_link(demo.client_id, CLIENT_REDIRECT_URI))
    handle_path = opened.headers["location"]
    secrets.append(handle_path.rsplit("/", 1)[1])
    page = await client.get(handle_path)
    secrets.append(csrf_token(page.text))
    advertisers = [demo.advertiser("Maison Lumière")]
    code = query_of(
        (await decide(client, handle_path, page.text, "approve", advertisers)).headers["location"]
    )["code"]
    secrets.append(code)
    tokens = (
        await exchange_code(
            client,
            code,
            client_id=demo.client_id,
            client_secret=demo.client_secret,
            redirect_uri=CLIENT_REDIRECT_URI,
        )
    ).json()
    rotated = (await refresh(client, tokens["refresh_token"], **credentials_of(demo))).json()
    again = await refresh(client, tokens["refresh_token"], **credentials_of(demo))  # grace replay
    assert again.json() == rotated
    secrets += [tokens["access_token"], tokens["refresh_token"]]
    secrets += [rotated["access_token"], rotated["refresh_token"]]
    assert (
        await client.get("/2027-01/advertisers/me", headers=bearer(rotated["access_token"]))
    ).status_code == 200
    app = await add_cc_app(engine, hasher, clock.now())
    await add_app_grant(
        engine,
        app_id=app.app_id,
        user_id=demo.app.customer_id,
        advertisers=advertisers,
        now=clock.now(),
    )
    cc_token = (await client_credentials(client, app)).json()["access_token"]
    secrets += [app.client_secret, cc_token]
    for token in (rotated["access_token"], rotated["refresh_token"]):
        answer = await client.post(
            "/oauth2/introspect", data={"token": token, **credentials_of(demo)}
        )
        assert answer.json()["active"] is True
    assert (
        await client.post(
            "/oauth2/revoke", data={"token": rotated["access_token"], **credentials_of(demo)}
        )
    ).status_code == 200
    assert (
        await client.post(
            "/oauth2/revoke", data={"token": rotated["refresh_token"], **credentials_of(demo)}
        )
    ).status_code == 200
    # Refusals are logged too: a reused code and a wrong secret.
    await exchange_code(
        client,
        code,
        client_id=demo.client_id,
        client_secret=demo.client_secret,
        redirect_uri=CLIENT_REDIRECT_URI,
    )
    await client.post(
        "/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": app.client_id,
            "client_secret": app.client_secret[:-1],
        },
    )

    server_side = [r for r in caplog.records if not r.name.startswith(CLIENT_SIDE)]
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in server_side)
    assert any(r.name == "consentry.access" for r in server_side)  # the capture works
    assert any(r.name.startswith("sqlalchemy") for r in server_side)
    for secret in secrets:
        for form in forms_of(secret, hasher):
            assert form not in logged, f"a secret leaked into the logs as {form[:12]}…"
