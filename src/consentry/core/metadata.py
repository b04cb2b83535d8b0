"""Authorization server metadata (RFC 8414 §2), derived from what this server really does.

Grant types come from the token endpoint's registry; endpoints, auth methods and PKCE methods are
the ones implemented, so the document cannot drift from the code.
"""

from __future__ import annotations

from dataclasses import dataclass

from consentry.core.scopes import SERVICES, Level, scope_string

# RFC 6749 §2.3.1: the two ways our token, revocation and introspection endpoints accept.
CLIENT_AUTH_METHODS = ["client_secret_post", "client_secret_basic"]


def all_scopes() -> list[str]:
    """Every `<Service>_<Domain>_<Level>` scope an app can be given."""
    scopes: list[str] = []
    for service in SERVICES.values():
        for domain in service.domains:
            levels = [Level.MANAGE] if domain in service.manage_only else list(Level)
            scopes.extend(scope_string(service, domain, level) for level in levels)
    return sorted(scopes)


def authorization_server_metadata(issuer: str, grant_types: list[str]) -> dict[str, object]:
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/request",
        "token_endpoint": f"{issuer}/oauth2/token",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "revocation_endpoint": f"{issuer}/oauth2/revoke",
        "introspection_endpoint": f"{issuer}/oauth2/introspect",
        "scopes_supported": all_scopes(),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": sorted(grant_types),
        "token_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
        # RFC 7636 §4.2 / RFC 9700 §2.1.1: S256 only, plain is refused.
        "code_challenge_methods_supported": ["S256"],
        # RFC 9207 §3: `iss` is in every authorization response.
        "authorization_response_iss_parameter_supported": True,
    }


@dataclass(frozen=True, slots=True)
class ServerMetadata:
    """The metadata document of this node, computed once when the app is built."""

    fields: dict[str, object]

    @classmethod
    def of(cls, issuer: str, grant_types: list[str]) -> ServerMetadata:
        return cls(authorization_server_metadata(issuer, grant_types))
