"""The contract every grant type fulfils, and what it is handed to do its job."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from consentry.clock import Clock
from consentry.core.hashing import SecretHasher
from consentry.core.model import Client, TokenResponse
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.core.requests import Parameters
from consentry.core.tokens import TokenIssuer
from consentry.core.usage import UsageThrottle, always


@dataclass(frozen=True, slots=True)
class GrantContext:
    """The collaborators a grant handler may use; nothing more."""

    hasher: SecretHasher
    issuer: TokenIssuer
    clock: Clock
    usage: UsageThrottle = field(default_factory=always)  # "last used" of pairs and grants


class TokenGrant(Protocol):
    grant_type: str

    async def handle(
        self, uow: UnitOfWork, params: Parameters, client: Client, context: GrantContext
    ) -> TokenResponse: ...
