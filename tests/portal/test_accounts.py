"""Sign-up creates an organization and its first developer; customers are not developers."""

from __future__ import annotations

import pytest

from consentry.passwords import verify_password
from consentry.portal.accounts import SignUpForm
from consentry.portal.errors import AlreadyExists, InvalidInput
from tests.conftest import Demo
from tests.portal.conftest import PASSWORD, sign_up, unit
from tests.support.services import Services


async def test_sign_up_creates_an_organization_and_a_developer_with_an_argon2id_password(
    services: Services,
) -> None:
    developer = await sign_up(services, "  Ada@Example.TEST ", "Acme Analytics")
    assert developer.organization_name == "Acme Analytics"
    async with unit(services) as uow:
        user = await uow.users.get(developer.id)
        found = await services.portal.accounts.developer(uow, developer.id)
    assert user is not None and user.email == "ada@example.test"
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(PASSWORD, user.password_hash)
    assert found == developer.__class__(user, developer.organization_id, "Acme Analytics")


async def test_each_invalid_field_is_named(services: Services) -> None:
    async with unit(services) as uow:
        with pytest.raises(InvalidInput) as refused:
            await services.portal.accounts.sign_up(
                uow, SignUpForm(" ", "", "not-an-email", "short")
            )
    fields = {e.field for e in refused.value.errors}
    assert fields == {"organization", "display_name", "email", "password"}


async def test_an_email_can_register_only_once(services: Services) -> None:
    await sign_up(services, "ada@example.test", "Acme")
    with pytest.raises(AlreadyExists) as refused:
        await sign_up(services, "ADA@example.test", "Another")
    assert refused.value.errors[0].field == "email"


async def test_a_customer_is_not_a_developer(services: Services, demo: Demo) -> None:
    async with unit(services) as uow:
        assert await services.portal.accounts.developer(uow, demo.app.customer_id) is None
        assert await services.portal.accounts.developer(uow, None) is None
