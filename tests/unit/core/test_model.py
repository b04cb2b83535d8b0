"""The domain values: roles that may grant, a client's id, a grant's state, the token response."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from consentry.core.model import Grant, Role, TokenResponse
from tests.factories import World


@pytest.mark.parametrize(
    ("role", "may_grant"),
    [
        pytest.param(Role.ADMIN, True, id="admin"),
        pytest.param(Role.BUSINESS_MANAGER, True, id="business-manager"),
        pytest.param(Role.TECHNICAL_MANAGER, True, id="technical-manager"),
        pytest.param(Role.VIEWER, False, id="viewer-may-not-grant"),
    ],
)
def test_only_managing_roles_may_grant(role: Role, may_grant: bool) -> None:
    assert role.may_grant is may_grant


def test_client_id_is_the_credentials(world: World) -> None:
    assert world.client.model.client_id == world.client.credential.client_id


@pytest.mark.parametrize(
    ("revoked_at", "active"),
    [
        pytest.param(None, True, id="active"),
        pytest.param(datetime(2027, 1, 1, tzinfo=UTC), False, id="revoked"),
    ],
)
def test_grant_is_active_until_revoked(revoked_at: datetime | None, active: bool) -> None:
    grant = Grant("g", 1, 2, 3, ("S_D_Read",), (4,), datetime(2026, 1, 1, tzinfo=UTC), revoked_at)
    assert grant.active is active


@pytest.mark.parametrize("refresh_token", ["r3fresh", None], ids=["with-refresh", "without"])
def test_token_response_json_always_has_refresh_token_and_no_scope(
    refresh_token: str | None,
) -> None:
    response = TokenResponse("at", 900, refresh_token, "S_D_Read")
    assert response.as_json() == {
        "access_token": "at",
        "token_type": "Bearer",
        "expires_in": 900,
        "refresh_token": refresh_token,
    }
