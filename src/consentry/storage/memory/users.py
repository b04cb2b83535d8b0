"""The in-memory `UserRepository`: customers, their portfolios and the advertisers in them."""

from __future__ import annotations

from consentry.core import model
from consentry.storage.memory.tables import InMemoryRepository


class InMemoryUserRepository(InMemoryRepository):
    async def get(self, user_id: int) -> model.User | None:
        return self._access.tables.users.get(user_id)

    async def get_by_email(self, email: str) -> model.User | None:
        wanted = email.strip().lower()
        return next((u for u in self._access.tables.users.values() if u.email == wanted), None)

    async def portfolio(self, user_id: int) -> list[model.PortfolioEntry]:
        t = self._access.tables
        entries = [
            model.PortfolioEntry(t.advertisers[advertiser_id], role)
            for (owner, advertiser_id), role in t.portfolio.items()
            if owner == user_id
        ]
        return sorted(entries, key=lambda e: (e.advertiser.name, e.advertiser.id))

    async def advertisers(self, advertiser_ids: tuple[int, ...]) -> list[model.Advertiser]:
        known = self._access.tables.advertisers
        return [known[i] for i in sorted(set(advertiser_ids)) if i in known]
