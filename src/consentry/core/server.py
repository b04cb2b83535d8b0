"""The token endpoint (RFC 6749 §3.2): authenticate the client, then hand over to its grant type.

Failed client authentication is counted per client_id in the database (all nodes share it); past
the limit, failures answer 429 with Retry-After while a valid secret is never slowed down.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from consentry.core.client_auth import present_credentials
from consentry.core.errors import InvalidClient, TooManyRequests, UnsupportedGrantType
from consentry.core.grants.base import GrantContext, TokenGrant
from consentry.core.hashing import SecretHasher
from consentry.core.model import Client, TokenResponse
from consentry.core.policy import ClientAuthLimits
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.core.requests import Parameters, reject_faulty

# Hashing a throwaway value for unknown clients keeps their timing like that of known ones.
_UNKNOWN_CLIENT_DIGEST = b"\x00" * 32


class AuthorizationServer:
    """Composes the registered grant types with client authentication."""

    def __init__(
        self,
        grants: Iterable[TokenGrant],
        context: GrantContext,
        limits: ClientAuthLimits | None = None,
    ) -> None:
        self._grants = {grant.grant_type: grant for grant in grants}
        self._context = context
        self._limits = limits or ClientAuthLimits()

    @property
    def grant_types(self) -> list[str]:
        return sorted(self._grants)

    async def authenticate_client(
        self,
        uow: UnitOfWork,
        authorization: str | None,
        params: Parameters,
    ) -> Client:
        presented = present_credentials(
            authorization, params.get("client_id"), params.values.get("client_secret")
        )
        hasher: SecretHasher = self._context.hasher
        # The token endpoint never redirects: it has no use for the redirect URIs.
        client = await uow.clients.get_by_client_id(presented.client_id, with_redirect_uris=False)
        expected = client.credential.secret_hash if client else _UNKNOWN_CLIENT_DIGEST
        if not hasher.verify(presented.client_secret, expected) or client is None:
            if client is not None:
                await self._count_failure(uow, client.client_id)
            raise InvalidClient(used_basic=presented.used_basic)
        if not client.app.activated:
            raise InvalidClient(
                "The application is not activated.", used_basic=presented.used_basic
            )
        now = self._context.clock.now()
        if self._context.usage.due(f"credential:{client.credential.id}", now):
            await uow.clients.touch_credential(client.credential.id, now)
        return client

    async def _count_failure(self, uow: UnitOfWork, client_id: str) -> None:
        """Only failures are counted: a request with the right secret costs no extra query."""
        now = self._context.clock.now()
        window = await uow.client_auth_failures.record(client_id, now, self._limits.window)
        if window.count > self._limits.max_failures:
            left = (window.started_at + self._limits.window - now).total_seconds()
            raise TooManyRequests(
                max(1, math.ceil(left)), "Too many failed client authentications; retry later."
            )

    async def token(
        self,
        uow: UnitOfWork,
        params: Parameters,
        faulty: frozenset[str],
        authorization: str | None,
    ) -> TokenResponse:
        reject_faulty(faulty)  # RFC 6749 §3.2: parameters must not be repeated
        client = await self.authenticate_client(uow, authorization, params)
        grant_type = params.require("grant_type")
        grant = self._grants.get(grant_type)
        if grant is None:
            raise UnsupportedGrantType()
        return await grant.handle(uow, params, client, self._context)
