"""Control characters in text input (issue 12): refused with a 4xx naming the field before any
database sees them, identically on SQLite and PostgreSQL (which answered 500 for a NUL).

↔ web/text.py, portal/schemas.py, partner_api/schemas.py, web/forms.py.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from consentry.portal.accounts import Developer
from consentry.web.text import has_control_character
from tests.conftest import Demo
from tests.portal.conftest import unit
from tests.support.services import Services

APP = {
    "name": "Bid Optimizer",
    "description": "Tunes bids.",
    "service": "C-Growth",
    "auth_method": "authorization_code",
    "domains": {"Campaign": "manage", "Analytics": "read"},
}
CONTROLS = ("\x00", "\x07", "\x1b", "\x7f", "\x85")


async def _auth(services: Services, developer: Developer) -> dict[str, str]:
    async with unit(services) as uow:
        created = await services.portal.tokens.create(uow, developer, "script")
    return {"Authorization": f"Bearer {created.token}"}


def _names(response: httpx.Response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert field in {e["field"] for e in response.json()["errors"]}, response.text


def test_what_counts_as_a_control_character() -> None:
    assert all(has_control_character(f"a{c}b") for c in CONTROLS)
    assert not has_control_character("Line one\r\nline two\ttabbed, Zoë & 東京")
    assert has_control_character({"key\x00": "value"}) and has_control_character(
        ["ok", {"k": "\x01"}]
    )
    assert not has_control_character(42)


@pytest.mark.parametrize("control", CONTROLS)
async def test_the_portal_api_refuses_control_characters_in_every_text_field(
    client: httpx.AsyncClient, services: Services, developer: Developer, control: str
) -> None:
    auth = await _auth(services, developer)
    refused = await client.post(
        "/portal/api/apps", json={**APP, "name": f"a{control}b"}, headers=auth
    )
    _names(refused, 422, "name")
    assert (await client.get("/portal/api/apps", headers=auth)).json() == []  # nothing written

    app = (await client.post("/portal/api/apps", json=APP, headers=auth)).json()
    base = f"/portal/api/apps/{app['id']}"
    patch = await client.patch(base, json={"description": f"x{control}"}, headers=auth)
    _names(patch, 422, "description")
    label = await client.post(f"{base}/credentials", json={"label": control}, headers=auth)
    _names(label, 422, "label")
    uri = await client.post(
        f"{base}/redirect-uris", json={"uri": f"https://a.example/{control}"}, headers=auth
    )
    _names(uri, 422, "uri")
    gone = await client.delete(f"{base}/credentials/{quote(control)}", headers=auth)
    assert gone.status_code == 422, gone.text


async def test_line_breaks_and_tabs_are_text(
    client: httpx.AsyncClient, services: Services, developer: Developer
) -> None:
    auth = await _auth(services, developer)
    text = {**APP, "description": "Tunes bids.\r\nAnd\tbudgets."}
    created = await client.post("/portal/api/apps", json=text, headers=auth)
    assert created.status_code == 201, created.text
    assert created.json()["description"] == "Tunes bids.\r\nAnd\tbudgets."


async def test_form_parameters_refuse_control_characters(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    answer = await client.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": "a\x1bb", "client_secret": "x"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"
    assert "client_id" in answer.json()["error_description"]
