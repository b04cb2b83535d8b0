"""Fixtures shared by the HTTP-level tests: a hasher for extra rows, and a finished code flow."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from consentry.composition.derived import hasher_from
from consentry.core.hashing import SecretHasher
from consentry.settings import Settings
from tests.conftest import CLIENT_REDIRECT_URI, Demo
from tests.support.flow import exchange_code, obtain_code


@dataclass(frozen=True, slots=True)
class Issued:
    """What one completed authorization-code flow produced."""

    code: str
    access_token: str
    refresh_token: str
    advertisers: tuple[int, ...]


@pytest.fixture
def hasher(settings: Settings) -> SecretHasher:
    return hasher_from(settings)


async def run_code_flow(
    http: httpx.AsyncClient, demo: Demo, advertisers: tuple[int, ...] | None = None
) -> Issued:
    """Consent link → sign-in → approve → code → tokens, for the demo app."""
    chosen = advertisers or (
        demo.advertiser("Maison Lumière"),
        demo.advertiser("Pixel & Pine Toys"),
    )
    code = await obtain_code(
        http,
        client_id=demo.client_id,
        redirect_uri=CLIENT_REDIRECT_URI,
        email=demo.customer_email,
        password=demo.customer_password,
        advertisers=list(chosen),
    )
    response = await exchange_code(
        http,
        code,
        client_id=demo.client_id,
        client_secret=demo.client_secret,
        redirect_uri=CLIENT_REDIRECT_URI,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return Issued(code, body["access_token"], body["refresh_token"], tuple(sorted(chosen)))


@pytest.fixture
async def issued(client: httpx.AsyncClient, demo: Demo) -> Issued:
    return await run_code_flow(client, demo)
