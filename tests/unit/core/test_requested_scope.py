"""The `scope` parameter (RFC 6749 §3.3): absent → the app's scopes; present → only a subset."""

from __future__ import annotations

import pytest

from consentry.core.errors import InvalidScope, RedirectableError
from consentry.core.model import AuthMethod
from consentry.core.requested_scope import requested_scopes
from tests.factories import MemoryFactory, OAuthFlow, World, claims_of, query_of

CONFIGURED = ("MarketingSolutions_Analytics_Read", "MarketingSolutions_Campaign_Manage")


def test_no_scope_parameter_means_the_apps_own_scopes() -> None:
    assert requested_scopes(None, CONFIGURED) == CONFIGURED


def test_a_subset_is_granted_in_the_apps_order() -> None:
    asked = "MarketingSolutions_Campaign_Manage MarketingSolutions_Analytics_Read"
    assert requested_scopes(asked, CONFIGURED) == CONFIGURED
    assert requested_scopes(CONFIGURED[1], CONFIGURED) == (CONFIGURED[1],)


@pytest.mark.parametrize(
    "asked",
    [
        pytest.param("RetailMedia_Billing_Read", id="not-configured-for-the-app"),
        pytest.param(f"{CONFIGURED[0]} RetailMedia_Billing_Read", id="one-of-them-unknown"),
        pytest.param("", id="empty"),
        pytest.param(f"{CONFIGURED[0]}  {CONFIGURED[1]}", id="double-space"),
        pytest.param('quote"d', id="outside-the-scope-charset"),
    ],
)
def test_anything_else_is_invalid_scope(asked: str) -> None:
    with pytest.raises(InvalidScope):
        requested_scopes(asked, CONFIGURED)


async def test_a_consent_link_asking_for_a_foreign_scope_redirects_invalid_scope(
    flow: OAuthFlow,
) -> None:
    with pytest.raises(RedirectableError) as refused:
        await flow.start(scope="RetailMedia_Billing_Read")
    assert refused.value.error.error == "invalid_scope"
    target = flow.endpoint.error_redirect(
        refused.value.error, refused.value.redirect_uri, refused.value.state
    )
    assert query_of(target.url)["error"] == "invalid_scope"


async def test_a_consent_link_may_narrow_the_scopes(flow: OAuthFlow, world: World) -> None:
    narrowed = world.client.app.scopes[0]
    started = await flow.start(scope=narrowed)
    assert started.pending.scopes == (narrowed,)


async def test_client_credentials_may_narrow_but_not_widen(
    flow: OAuthFlow, factory: MemoryFactory, world: World
) -> None:
    machine = factory.client(world.organization_id, auth_method=AuthMethod.CLIENT_CREDENTIALS)
    narrowed = machine.app.scopes[0]
    form = {"grant_type": "client_credentials", "scope": narrowed, **flow.credentials(machine)}
    issued = await flow.token(form)
    assert claims_of(issued.access_token)["scope"] == narrowed
    with pytest.raises(InvalidScope):
        await flow.token({**form, "scope": "RetailMedia_Billing_Read"})
