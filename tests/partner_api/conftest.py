"""Fixtures of the partner-API tests: seeded partner data and tokens with chosen scopes.

`demo_token` uses the seeded demo app (Analytics_Read, Campaign_Manage, Audience_Read);
`marketing_token` an app with every Marketing Solutions domain; `retail_token` a Retail Media app
(Accounts_Read, Campaign_Manage). Each covers the advertisers it names, through the consent page.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.clock import FixedClock
from consentry.composition.derived import hasher_from
from consentry.core.hashing import SecretHasher
from consentry.core.scopes import MARKETING_SOLUTIONS, RETAIL_MEDIA
from consentry.demo.partner_data import PartnerSeed
from consentry.settings import Settings
from tests.conftest import CLIENT_REDIRECT_URI, Demo
from tests.partner_api.world import MARKETING_LEVELS, RETAIL_LEVELS, add_partner_app, seed_partner
from tests.support.flow import bearer, exchange_code, obtain_code
from tests.support.world import ClientPair

GRANTABLE = ("Maison Lumière", "Nordic Outdoor Supply", "Pixel & Pine Toys", "Riverside Grocers")


@dataclass(frozen=True, slots=True)
class Caller:
    """A token pair from the consent flow, and the advertisers it was granted."""

    access_token: str
    refresh_token: str
    advertisers: tuple[int, ...]

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access_token)


async def consent(
    http: httpx.AsyncClient, demo: Demo, pair: ClientPair | None, names: tuple[str, ...]
) -> Caller:
    """Consent link → sign-in → approve `names` → code → tokens, for `pair` (or the demo app)."""
    client_id = pair.client_id if pair else demo.client_id
    client_secret = pair.client_secret if pair else demo.client_secret
    chosen = [demo.advertiser(name) for name in names]
    code = await obtain_code(
        http,
        client_id=client_id,
        redirect_uri=CLIENT_REDIRECT_URI,
        email=demo.customer_email,
        password=demo.customer_password,
        advertisers=chosen,
    )
    response = await exchange_code(
        http,
        code,
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=CLIENT_REDIRECT_URI,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return Caller(body["access_token"], body["refresh_token"], tuple(sorted(chosen)))


@pytest.fixture
def hasher(settings: Settings) -> SecretHasher:
    return hasher_from(settings)


@pytest.fixture
async def partner_seed(engine: AsyncEngine, demo: Demo, clock: FixedClock) -> PartnerSeed:
    return await seed_partner(engine, demo.app.advertiser_ids, clock.now())


@pytest.fixture
async def demo_token(client: httpx.AsyncClient, demo: Demo, partner_seed: PartnerSeed) -> Caller:
    return await consent(client, demo, None, ("Maison Lumière", "Pixel & Pine Toys"))


@pytest.fixture
async def marketing_app(
    engine: AsyncEngine, hasher: SecretHasher, clock: FixedClock, demo: Demo
) -> ClientPair:
    return await add_partner_app(
        engine,
        hasher,
        clock.now(),
        service=MARKETING_SOLUTIONS,
        levels=MARKETING_LEVELS,
        redirect_uris=(CLIENT_REDIRECT_URI,),
        name="Full Marketing App",
    )


@pytest.fixture
async def marketing_token(
    client: httpx.AsyncClient, demo: Demo, partner_seed: PartnerSeed, marketing_app: ClientPair
) -> Caller:
    return await consent(client, demo, marketing_app, ("Maison Lumière", "Riverside Grocers"))


@pytest.fixture
async def retail_app(
    engine: AsyncEngine, hasher: SecretHasher, clock: FixedClock, demo: Demo
) -> ClientPair:
    return await add_partner_app(
        engine,
        hasher,
        clock.now(),
        service=RETAIL_MEDIA,
        levels=RETAIL_LEVELS,
        redirect_uris=(CLIENT_REDIRECT_URI,),
        name="Retail Connector",
    )


@pytest.fixture
async def retail_token(
    client: httpx.AsyncClient, demo: Demo, partner_seed: PartnerSeed, retail_app: ClientPair
) -> Caller:
    return await consent(client, demo, retail_app, GRANTABLE)
