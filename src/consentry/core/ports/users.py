"""The port to customers and their portfolios: who may grant which advertiser."""

from __future__ import annotations

from typing import Protocol

from consentry.core.model import (
    Advertiser,
    PortfolioEntry,
    User,
)


class UserRepository(Protocol):
    async def get(self, user_id: int) -> User | None: ...
    async def get_by_email(self, email: str) -> User | None: ...
    async def portfolio(self, user_id: int) -> list[PortfolioEntry]: ...
    async def advertisers(self, advertiser_ids: tuple[int, ...]) -> list[Advertiser]: ...
