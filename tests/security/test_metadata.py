"""RFC 8414 metadata consistent with what the server really does; RFC 9207 `iss` everywhere.

↔ core/metadata.py, oauth/routes.py, core/authorize.py
"""

from __future__ import annotations

import base64

import httpx
from fastapi import FastAPI

from consentry.core.metadata import all_scopes
from consentry.core.server import AuthorizationServer
from tests.conftest import CLIENT_REDIRECT_URI, ISSUER, Demo
from tests.security.conftest import Issued, credentials_of
from tests.support.flow import consent_link, decide, open_consent, query_of, sign_in


async def metadata(http: httpx.AsyncClient) -> dict[str, object]:
    response = await http.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    return dict(response.json())


async def test_metadata_names_every_endpoint_and_they_exist(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    document = await metadata(client)

    assert document["issuer"] == ISSUER
    for name in ("token_endpoint", "revocation_endpoint", "introspection_endpoint"):
        url = str(document[name])
        assert url.startswith(ISSUER)
        response = await client.post(url.removeprefix(ISSUER), data=credentials_of(demo))
        assert response.status_code == 400, (name, response.text)  # reached, parameter missing
    jwks = await client.get(str(document["jwks_uri"]).removeprefix(ISSUER))
    assert jwks.status_code == 200 and jwks.json()["keys"]
    authorize = str(document["authorization_endpoint"]).removeprefix(ISSUER)
    assert authorize == "/request"


async def test_grant_types_are_the_registered_ones_and_each_is_accepted(
    client: httpx.AsyncClient, app: FastAPI, demo: Demo
) -> None:
    document = await metadata(client)
    registered = app.state.components.get(AuthorizationServer).grant_types

    assert document["grant_types_supported"] == registered
    assert set(registered) == {"authorization_code", "refresh_token", "client_credentials"}
    for grant_type in registered:
        response = await client.post(
            "/oauth2/token", data={"grant_type": grant_type, **credentials_of(demo)}
        )
        assert response.json()["error"] != "unsupported_grant_type", grant_type


async def test_advertised_auth_methods_both_authenticate(
    client: httpx.AsyncClient, demo: Demo, issued: Issued
) -> None:
    document = await metadata(client)
    methods = ["client_secret_post", "client_secret_basic"]
    for key in (
        "token_endpoint_auth_methods_supported",
        "revocation_endpoint_auth_methods_supported",
        "introspection_endpoint_auth_methods_supported",
    ):
        assert document[key] == methods
    basic = base64.b64encode(f"{demo.client_id}:{demo.client_secret}".encode()).decode()

    by_post = await client.post(
        "/oauth2/introspect", data={"token": issued.access_token, **credentials_of(demo)}
    )
    by_basic = await client.post(
        "/oauth2/introspect",
        data={"token": issued.access_token},
        headers={"Authorization": f"Basic {basic}"},
    )

    assert by_post.json()["active"] is True and by_basic.json()["active"] is True


async def test_pkce_and_iss_support_are_declared(client: httpx.AsyncClient) -> None:
    document = await metadata(client)

    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["authorization_response_iss_parameter_supported"] is True
    assert document["response_types_supported"] == ["code"]
    assert document["scopes_supported"] == all_scopes()
    assert "RetailMedia_Catalog_Manage" in all_scopes()
    assert "RetailMedia_Catalog_Read" not in all_scopes()


async def test_iss_is_in_every_authorization_response(
    client: httpx.AsyncClient, demo: Demo
) -> None:
    await sign_in(client, demo.customer_email, demo.customer_password)
    advertiser = [demo.advertiser("Maison Lumière")]
    outcomes = []
    for decision in ("approve", "deny"):
        path, html = await open_consent(client, consent_link(demo.client_id, CLIENT_REDIRECT_URI))
        outcomes.append((await decide(client, path, html, decision, advertiser)).headers)
    error = await client.get(
        consent_link(demo.client_id, CLIENT_REDIRECT_URI, response_type="token")
    )
    outcomes.append(error.headers)

    queries = [query_of(headers["location"]) for headers in outcomes]
    assert "code" in queries[0]
    assert queries[1]["error"] == "access_denied"
    assert queries[2]["error"] == "unsupported_response_type"
    assert all(q["iss"] == ISSUER for q in queries)
