"""The in-memory `ConsentRepository`: the customer's view of their grants, one advertiser taken
back at a time."""

from __future__ import annotations

from datetime import datetime

from consentry.core.ports.grants import GrantSummary
from consentry.storage.memory.tables import InMemoryRepository


class InMemoryConsentRepository(InMemoryRepository):
    async def for_user(self, user_id: int) -> list[GrantSummary]:
        t = self._access.tables
        mine = [g for g in t.grants.values() if g.user_id == user_id and g.active]
        mine.sort(key=lambda g: g.id)
        mine.sort(key=lambda g: g.created_at, reverse=True)  # newest first, then by id
        summaries = []
        for grant in mine:
            app = t.apps[grant.app_id]
            live = sorted(
                (t.advertisers[a] for a in t.live_advertisers(grant)),
                key=lambda a: (a.name, a.id),
            )
            summaries.append(
                GrantSummary(
                    grant_id=grant.id,
                    app_id=app.id,
                    app_name=app.name,
                    organization_name=t.organizations[app.organization_id],
                    service=app.service,
                    scopes=grant.scopes,
                    advertisers=tuple(live),
                    created_at=grant.created_at,
                    last_used_at=t.last_used(grant.id),
                    app_level=grant.credential_id is None,
                )
            )
        return summaries

    async def granted_advertisers(self, user_id: int, app_id: int) -> frozenset[int]:
        t = self._access.tables
        return frozenset(
            advertiser_id
            for g in t.grants.values()
            if g.user_id == user_id and g.app_id == app_id and g.active
            for advertiser_id in t.live_advertisers(g)
        )

    async def revoke_advertiser(self, grant_id: str, advertiser_id: int, when: datetime) -> bool:
        t = self._access.write()
        grant = t.grants.get(grant_id)
        key = (grant_id, advertiser_id)
        if (
            grant is None
            or advertiser_id not in grant.advertiser_ids
            or key in t.advertiser_revoked_at
        ):
            return False
        t.advertiser_revoked_at[key] = when
        return True
