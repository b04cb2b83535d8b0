"""Signing-key rotation with the test clock: new key signs, old one verifies until its tokens
expire, then leaves the JWKS; other nodes follow within the key-ring cache TTL.

↔ keys/rotation.py, keys/keyring.py, cli/keys.py
"""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from consentry.cli.keys import list_keys, retire_keys, rotate_key
from consentry.cli.main import app as cli
from consentry.clock import FixedClock
from consentry.composition.derived import sealer_from
from consentry.core.audit import AuditKind
from consentry.core.errors import InvalidToken
from consentry.core.ports.unit_of_work import UnitOfWorkFactory
from consentry.keys.keyring import KeyRing
from consentry.keys.rotation import CACHE_TTL
from consentry.settings import Settings
from tests.conftest import Demo
from tests.security.conftest import Issued, audit_events, credentials_of, granted_ids, second_node
from tests.support.flow import refresh

# CACHE_TTL + access TTL (900 s) + leeway (30 s): when the old key may leave the JWKS.
RETIRE_AFTER = CACHE_TTL + timedelta(seconds=900 + 30)


def kid_of(token: str) -> str:
    header = token.split(".")[0]
    return str(json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"])


async def jwks_kids(http: httpx.AsyncClient) -> set[str]:
    return {k["kid"] for k in (await http.get("/.well-known/jwks.json")).json()["keys"]}


async def new_access_token(
    http: httpx.AsyncClient, demo: Demo, refresh_token: str
) -> tuple[str, str]:
    response = await refresh(http, refresh_token, **credentials_of(demo))
    assert response.status_code == 200, response.text
    return response.json()["access_token"], response.json()["refresh_token"]


async def test_rotated_key_signs_while_the_old_one_still_verifies(
    client: httpx.AsyncClient,
    app: FastAPI,
    demo: Demo,
    issued: Issued,
    settings: Settings,
    clock: FixedClock,
) -> None:
    old_kid = kid_of(issued.access_token)
    clock.advance(timedelta(seconds=1))

    new_kid = await rotate_key(settings, clock)
    await app.state.components.get(KeyRing).reload()  # the rotating node; others wait for CACHE_TTL
    access, _ = await new_access_token(client, demo, issued.refresh_token)

    assert kid_of(access) == new_kid != old_kid
    assert await jwks_kids(client) == {old_kid, new_kid}
    assert await granted_ids(client, issued.access_token) == list(issued.advertisers)
    assert await granted_ids(client, access) == list(issued.advertisers)


async def test_old_key_is_retired_only_once_all_its_tokens_expired(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, settings: Settings, clock: FixedClock
) -> None:
    old_kid = kid_of(issued.access_token)
    clock.advance(timedelta(seconds=1))
    new_kid = await rotate_key(settings, clock)

    clock.advance(RETIRE_AFTER - timedelta(seconds=1))
    assert await retire_keys(settings, clock) == []
    clock.advance(timedelta(seconds=1))
    assert await retire_keys(settings, clock) == [old_kid]

    clock.advance(CACHE_TTL + timedelta(seconds=1))  # this node's cache ages out
    assert await jwks_kids(client) == {new_kid}
    assert [k.kid for k in await list_keys(settings) if k.retired_at is None] == [new_kid]


async def test_rotation_retires_expired_keys_and_startup_does_too(
    demo: Demo, settings: Settings, clock: FixedClock, engine: AsyncEngine
) -> None:
    first = await rotate_key(settings, clock)
    clock.advance(timedelta(seconds=1))
    second = await rotate_key(settings, clock)
    clock.advance(RETIRE_AFTER)
    third = await rotate_key(settings, clock)  # retires `first` on the way
    live = [k.kid for k in await list_keys(settings) if k.retired_at is None]
    assert first not in live and {second, third} <= set(live)

    clock.advance(RETIRE_AFTER)
    async with second_node(settings, clock):  # startup: KeyRing.ready() retires `second`
        pass

    live = [k.kid for k in await list_keys(settings) if k.retired_at is None]
    assert live == [third]
    rotated = await audit_events(engine, AuditKind.KEY_ROTATED)
    retired = await audit_events(engine, AuditKind.KEY_RETIRED)
    assert [e.event.detail["kid"] for e in rotated] == [first, second, third]
    assert {e.event.detail["kid"] for e in retired} >= {first, second}


async def test_other_node_signs_with_the_new_key_within_the_cache_ttl(
    client: httpx.AsyncClient, demo: Demo, issued: Issued, settings: Settings, clock: FixedClock
) -> None:
    old_kid = kid_of(issued.access_token)
    async with second_node(settings, clock) as other:
        clock.advance(timedelta(seconds=1))
        new_kid = await rotate_key(settings, clock)

        access, refresh_token = await new_access_token(other, demo, issued.refresh_token)
        assert kid_of(access) == old_kid  # still cached: allowed for at most CACHE_TTL
        clock.advance(CACHE_TTL)
        access, _ = await new_access_token(other, demo, refresh_token)

        assert kid_of(access) == new_kid
        # A node that has not reloaded yet verifies the new kid at once (unknown kid → reload).
        assert await granted_ids(client, access) == list(issued.advertisers)


async def test_unknown_kids_reload_the_ring_at_most_once_a_second(
    app: FastAPI, demo: Demo, issued: Issued, settings: Settings, clock: FixedClock
) -> None:
    ring: KeyRing = app.state.components.get(KeyRing)
    forged = issued.access_token.replace(issued.access_token.split(".")[0], _header("nope"), 1)
    with pytest.raises(InvalidToken, match="unknown key"):
        await ring.verify(forged)  # an unknown kid: the ring reloads once
    clock.advance(timedelta(milliseconds=500))
    new_kid = await rotate_key(settings, clock)
    fresh = await KeyRing(
        uow_factory=app.state.components.get(UnitOfWorkFactory),
        sealer=sealer_from(settings),
        clock=clock,
        issuer=settings.issuer,
        leeway=timedelta(seconds=30),
    ).sign({"iss": settings.issuer})
    assert kid_of(fresh) == new_kid

    with pytest.raises(InvalidToken, match="unknown key"):
        await ring.verify(fresh)  # within a second of the last forced reload: no new query
    clock.advance(timedelta(milliseconds=500))
    with pytest.raises(InvalidToken, match="claims"):
        await ring.verify(fresh)  # reloaded: the signature verifies (the test claims are partial)


def _header(kid: str) -> str:
    raw = json.dumps({"alg": "ES256", "kid": kid, "typ": "at+jwt"}).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def test_cli_rotates_lists_and_retires(
    demo: Demo, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("CONSENTRY_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CONSENTRY_SECRET_KEY", settings.secret_key.get_secret_value())
    runner = CliRunner()

    rotated = await asyncio.to_thread(runner.invoke, cli, ["keys", "rotate"])
    listed = await asyncio.to_thread(runner.invoke, cli, ["keys", "list"])
    retired = await asyncio.to_thread(runner.invoke, cli, ["keys", "retire-expired"])

    assert rotated.exit_code == 0, rotated.output
    kid = rotated.output.split()[-1]
    assert f"{kid}  ES256" in listed.output and "signs" in listed.output
    assert retired.exit_code == 0 and "retired: none" in retired.output
