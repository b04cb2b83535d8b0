"""What is measured: the scenarios, and the request each one sends (the same to every server)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Pool(StrEnum):
    """Where a scenario's per-request values come from."""

    NONE = "none"  # the same request every time
    CODES = "codes"  # each value sent once
    REFRESH = "refresh"  # each value sent once
    ACCESS = "access"  # round robin


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    title: str
    script: str
    pool: Pool
    form: bool  # a form POST to the token endpoint (else a GET)


CLIENT_CREDENTIALS = Scenario(
    "client_credentials", "client_credentials token", "form.lua", Pool.NONE, form=True
)
REFRESH_TOKEN = Scenario(
    "refresh_token", "refresh_token, rotating", "pool_form.lua", Pool.REFRESH, form=True
)
AUTHORIZATION_CODE = Scenario(
    "authorization_code", "authorization_code exchange", "pool_form.lua", Pool.CODES, form=True
)
PARTNER_API = Scenario(
    "partner_api", "GET /2027-01/advertisers/me", "pool_bearer.lua", Pool.ACCESS, form=False
)
CEILING = Scenario("ceiling", "raw ASGI app, small JSON (GET)", "get.lua", Pool.NONE, form=False)

TOKEN_SCENARIOS = (CLIENT_CREDENTIALS, REFRESH_TOKEN, AUTHORIZATION_CODE)
ALL = (*TOKEN_SCENARIOS, PARTNER_API, CEILING)
BY_NAME = {scenario.name: scenario for scenario in ALL}

API_PATH = "/2027-01/advertisers/me"


@dataclass(frozen=True, slots=True)
class Client:
    """A confidential client as the load scripts present it (client_secret_post)."""

    client_id: str
    client_secret: str
    redirect_uri: str


def form_template(scenario: Scenario, client: Client) -> str:
    """The form body, with `{token}` where a pool value goes (RFC 6749 §4.1.3, §4.4.2, §6).

    Values are URL-safe by construction (random base64url, hex ids, a loopback redirect URI whose
    reserved characters are escaped here), so no further encoding is needed in Lua.
    """
    credentials = f"client_id={client.client_id}&client_secret={client.client_secret}"
    if scenario is CLIENT_CREDENTIALS:
        return f"grant_type=client_credentials&{credentials}"
    if scenario is REFRESH_TOKEN:
        return f"grant_type=refresh_token&refresh_token={{token}}&{credentials}"
    if scenario is AUTHORIZATION_CODE:
        redirect = client.redirect_uri.replace(":", "%3A").replace("/", "%2F")
        return f"grant_type=authorization_code&code={{token}}&redirect_uri={redirect}&{credentials}"
    raise ValueError(f"{scenario.name} sends no form")
