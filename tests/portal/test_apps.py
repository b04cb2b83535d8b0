"""App rules: fields, service and auth method, domains → scope strings, image, PKCE, activation,
and organization isolation (another organization's app is not found)."""

from __future__ import annotations

import pytest

from consentry.portal.accounts import Developer
from consentry.portal.apps import AppEdit, AppForm
from consentry.portal.errors import InvalidInput, NotFoundError
from tests.portal.conftest import code_app_form, create_app, image_bytes, unit
from tests.support.services import Services


async def test_domains_become_scope_strings_and_a_new_app_is_not_activated(
    services: Services, developer: Developer
) -> None:
    app_id = await create_app(services, developer)
    async with unit(services) as uow:
        app = await services.portal.apps.get(uow, developer, app_id)
    assert app.scopes == ("MarketingSolutions_Analytics_Read", "MarketingSolutions_Campaign_Manage")
    assert not app.activated and not app.pkce_required and not app.has_image
    assert app.organization_name == "Acme"


async def test_retail_media_catalog_is_manage_only(
    services: Services, developer: Developer
) -> None:
    form = AppForm("Shelf", "", "C-Max", "client_credentials", {"Catalog": "read"})
    with pytest.raises(InvalidInput) as refused:
        await create_app(services, developer, form)
    assert refused.value.errors[0].field == "domains.Catalog"
    assert "Manage" in refused.value.errors[0].message
    form = AppForm("Shelf", "", "C-Max", "client_credentials", {"catalog": "MANAGE"})
    app_id = await create_app(services, developer, form)
    async with unit(services) as uow:
        assert (await services.portal.apps.get(uow, developer, app_id)).scopes == (
            "RetailMedia_Catalog_Manage",
        )


def _form(name: str = "A", description: str = "", **domains: str) -> AppForm:
    return AppForm(name, description, "C-Growth", "authorization_code", domains or {"Reco": "read"})


# Table-driven, one database for all cases: (why, form, fields named in the refusal).
INVALID = [
    ("name required", _form(""), {"name"}),
    ("name too long", _form("x" * 101), {"name"}),
    ("description too long", _form(description="d" * 2001), {"description"}),
    (
        "unknown service and method",
        AppForm("A", "", "C-Nope", "implicit", {}),
        {"service", "auth_method"},
    ),
    ("domain of the other service", _form(Billing="read"), {"domains.Billing"}),
    ("unknown level", _form(Reco="write"), {"domains.Reco"}),
    ("at least one domain", _form(Reco="none"), {"domains"}),
]


async def test_invalid_apps_are_refused_naming_each_field(
    services: Services, developer: Developer
) -> None:
    for why, form, fields in INVALID:
        with pytest.raises(InvalidInput) as refused:
            await create_app(services, developer, form)
        assert {e.field for e in refused.value.errors} == fields, why
    async with unit(services) as uow:
        assert await services.portal.apps.all(uow, developer) == []


async def test_a_fake_image_refuses_the_whole_app(services: Services, developer: Developer) -> None:
    with pytest.raises(InvalidInput) as refused:
        await create_app(services, developer, image=b"\x89PNG\r\n\x1a\n fake")
    assert refused.value.errors[0].field == "image"
    async with unit(services) as uow:
        assert await services.portal.apps.all(uow, developer) == []


async def test_an_image_is_stored_replaced_and_removed(
    services: Services, developer: Developer
) -> None:
    app_id = await create_app(services, developer, image=image_bytes("PNG"))
    async with unit(services) as uow:
        assert (await uow.clients.get_image(app_id) or (b"", ""))[1] == "image/png"
        await services.portal.apps.set_image(uow, developer, app_id, image_bytes("WEBP"))
        assert (await uow.clients.get_image(app_id) or (b"", ""))[1] == "image/webp"
        with pytest.raises(InvalidInput):
            await services.portal.apps.set_image(uow, developer, app_id, b"")
        app = await services.portal.apps.set_image(uow, developer, app_id, None)
        assert not app.has_image and await uow.clients.get_image(app_id) is None


async def test_editing_changes_fields_but_never_service_or_auth_method(
    services: Services, developer: Developer
) -> None:
    app_id = await create_app(services, developer)
    async with unit(services) as uow:
        edit = AppEdit(name="Renamed", domains={"Audience": "manage"})
        app = await services.portal.apps.update(uow, developer, app_id, edit)
    assert app.name == "Renamed" and app.description == "Tunes bids."
    assert app.scopes == ("MarketingSolutions_Audience_Manage",)
    assert app.service == "C-Growth" and app.auth_method.value == "authorization_code"


async def test_pkce_and_activation_switches(services: Services, developer: Developer) -> None:
    app_id = await create_app(services, developer)
    cc_id = await create_app(
        services,
        developer,
        AppForm("Server", "", "C-Growth", "client_credentials", {"Reco": "read"}),
    )
    async with unit(services) as uow:
        app = await services.portal.apps.set_pkce(uow, developer, app_id, True)
        assert app.pkce_required
        app = await services.portal.apps.set_activation(uow, developer, app_id, True)
        assert app.activated
        app = await services.portal.apps.set_activation(uow, developer, app_id, False)
        assert not app.activated
        with pytest.raises(InvalidInput):
            await services.portal.apps.set_pkce(uow, developer, cc_id, True)


async def test_another_organizations_app_is_not_found(
    services: Services, developer: Developer, rival: Developer
) -> None:
    app_id = await create_app(services, developer)
    apps = services.portal.apps
    async with unit(services) as uow:
        assert await apps.all(uow, rival) == []
        for attempt in (
            apps.get(uow, rival, app_id),
            apps.details(uow, rival, app_id),
            apps.update(uow, rival, app_id, AppEdit(name="Mine now")),
            apps.set_image(uow, rival, app_id, None),
            apps.set_activation(uow, rival, app_id, True),
            apps.set_pkce(uow, rival, app_id, True),
        ):
            with pytest.raises(NotFoundError):
                await attempt
        assert (await apps.get(uow, developer, app_id)).name == code_app_form().name
