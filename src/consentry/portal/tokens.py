"""Personal API tokens: a developer's bearer token for scripts calling `/portal/api`.

Shown once at creation, stored as a keyed hash, revocable; it acts as the developer who made it.
"""

from __future__ import annotations

from dataclasses import dataclass

from consentry.clock import Clock
from consentry.core.hashing import SecretHasher, new_secret
from consentry.core.ports.portal import StoredApiToken
from consentry.core.ports.unit_of_work import PortalUnitOfWork
from consentry.portal.accounts import Developer
from consentry.portal.errors import InvalidInput, NotFoundError

TOKEN_PREFIX = "cpat_"  # noqa: S105 - a public prefix that secret scanners can recognise
MAX_LABEL = 100


@dataclass(frozen=True, slots=True)
class NewApiToken:
    id: int
    label: str
    token: str


class ApiTokenService:
    def __init__(self, *, clock: Clock, hasher: SecretHasher) -> None:
        self._clock = clock
        self._hasher = hasher

    async def create(self, uow: PortalUnitOfWork, developer: Developer, label: str) -> NewApiToken:
        label = label.strip()
        if not label:
            raise InvalidInput("Name the token, e.g. after the script that uses it.", field="label")
        if len(label) > MAX_LABEL:
            raise InvalidInput(f"Use at most {MAX_LABEL} characters.", field="label")
        token = TOKEN_PREFIX + new_secret()
        token_id = await uow.api_tokens.add(
            developer.id, self._hasher.hash(token), label, self._clock.now()
        )
        return NewApiToken(token_id, label, token)

    async def list(self, uow: PortalUnitOfWork, developer: Developer) -> list[StoredApiToken]:
        return await uow.api_tokens.list(developer.id)

    async def revoke(self, uow: PortalUnitOfWork, developer: Developer, token_id: int) -> None:
        if not await uow.api_tokens.revoke(developer.id, token_id, self._clock.now()):
            raise NotFoundError("There is no such active token.")

    async def user_for(self, uow: PortalUnitOfWork, token: str) -> int | None:
        """The user a presented token acts for; None when unknown or revoked."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        return await uow.api_tokens.find_user(self._hasher.hash(token), self._clock.now())
