"""Authorization server metadata (RFC 8414 §2), derived from what the server implements."""

from __future__ import annotations

from consentry.core.metadata import CLIENT_AUTH_METHODS, all_scopes, authorization_server_metadata
from consentry.core.scopes import MARKETING_SOLUTIONS, RETAIL_MEDIA


def test_all_scopes_offers_read_and_manage_except_manage_only_domains() -> None:
    scopes = all_scopes()
    assert scopes == sorted(scopes)
    assert "RetailMedia_Catalog_Manage" in scopes
    assert "RetailMedia_Catalog_Read" not in scopes
    assert {"MarketingSolutions_Reco_Read", "MarketingSolutions_Reco_Manage"} <= set(scopes)
    expected = 2 * len(MARKETING_SOLUTIONS.domains) + 2 * len(RETAIL_MEDIA.domains) - 1
    assert len(scopes) == len(set(scopes)) == expected


def test_metadata_document() -> None:
    issuer = "https://auth.example"
    document = authorization_server_metadata(issuer, ["refresh_token", "authorization_code"])
    assert document == {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/request",
        "token_endpoint": f"{issuer}/oauth2/token",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "revocation_endpoint": f"{issuer}/oauth2/revoke",
        "introspection_endpoint": f"{issuer}/oauth2/introspect",
        "scopes_supported": all_scopes(),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": True,
    }
    assert CLIENT_AUTH_METHODS == ["client_secret_post", "client_secret_basic"]
