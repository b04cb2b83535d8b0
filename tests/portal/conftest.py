"""Portal fixtures: the app's services, developers of two organizations, image bytes, HTTP helpers.

Service tests call the portal services inside a real unit of work on the test's own database
(SQLite or PostgreSQL), as the routes do; HTTP tests go through the ASGI app.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from consentry.core.ports.unit_of_work import PortalUnitOfWork
from consentry.demo.seed import DEVELOPER_EMAIL
from consentry.portal.accounts import Developer, SignUpForm
from consentry.portal.apps import AppForm
from consentry.settings import Settings
from tests.conftest import Demo
from tests.support.services import Services

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (32, 32)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (255, 91, 0)).save(buffer, format=kind)
    return buffer.getvalue()


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def services(app: FastAPI, settings: Settings) -> Services:
    return Services.of(app, settings)


@asynccontextmanager
async def unit(services: Services) -> AsyncIterator[PortalUnitOfWork]:
    async with services.portal_uow() as uow:
        yield uow


async def sign_up(services: Services, email: str, organization: str) -> Developer:
    async with unit(services) as uow:
        return await services.portal.accounts.sign_up(
            uow, SignUpForm(organization, "Dev " + organization, email, PASSWORD)
        )


@pytest.fixture
async def developer(services: Services) -> Developer:
    return await sign_up(services, "ada@acme.test", "Acme")


@pytest.fixture
async def rival(services: Services) -> Developer:
    """A developer of another organization."""
    return await sign_up(services, "eve@rival.test", "Rival")


def code_app_form(**domains: str) -> AppForm:
    return AppForm(
        name="Bid Optimizer",
        description="Tunes bids.",
        service="C-Growth",
        auth_method="authorization_code",
        domains=domains or {"Campaign": "manage", "Analytics": "read"},
    )


async def create_app(
    services: Services,
    developer: Developer,
    form: AppForm | None = None,
    image: bytes | None = None,
) -> int:
    async with unit(services) as uow:
        app = await services.portal.apps.create(uow, developer, form or code_app_form(), image)
    return app.id


async def portal_sign_in(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Sign in at /portal/login; returns the signed-in session's CSRF token."""
    page = await http.get("/portal/login")
    response = await http.post(
        "/portal/login",
        data={"csrf_token": csrf_of(page.text), "email": email, "password": password},
    )
    assert response.status_code == 303, response.text
    apps = await http.get("/portal/apps")
    assert apps.status_code == 200
    return csrf_of(apps.text)


@pytest.fixture
async def demo_developer(services: Services, demo: Demo) -> Developer:
    """The seeded developer, owner of the demo app."""
    async with unit(services) as uow:
        user = await uow.users.get_by_email(DEVELOPER_EMAIL)
        assert user is not None
        found = await services.portal.accounts.developer(uow, user.id)
    assert found is not None
    return found
