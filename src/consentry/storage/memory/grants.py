"""The in-memory `GrantRepository`: consents given to a credential pair or to an app."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from consentry.core import model
from consentry.storage.errors import Conflict
from consentry.storage.memory.tables import InMemoryRepository, insert, require


class InMemoryGrantRepository(InMemoryRepository):
    async def add(self, grant: model.Grant) -> None:
        t = self._access.write()
        if grant.credential_id is not None:  # None: an app-level (client-credentials) grant
            require(t.credentials, grant.credential_id, "credential")
        require(t.apps, grant.app_id, "app")
        if grant.user_id is not None:
            require(t.users, grant.user_id, "user")
        for advertiser_id in grant.advertiser_ids:
            require(t.advertisers, advertiser_id, "advertiser")
        if len(set(grant.advertiser_ids)) != len(grant.advertiser_ids):
            raise Conflict("an advertiser appears twice in the grant")
        stored = replace(grant, advertiser_ids=tuple(sorted(grant.advertiser_ids)))
        insert(t.grants, grant.id, stored, "grant")

    async def get(self, grant_id: str) -> model.Grant | None:
        return self._access.tables.live_grant(grant_id)

    async def revoke(self, grant_id: str, when: datetime) -> None:
        t = self._access.write()
        grant = t.grants.get(grant_id)
        if grant is not None and grant.revoked_at is None:
            t.grants[grant_id] = replace(grant, revoked_at=when)

    async def touch(self, grant_id: str, when: datetime) -> None:
        t = self._access.write()
        if grant_id in t.grants:
            t.grant_last_used_at[grant_id] = when

    async def app_level(self, app_id: int) -> list[model.Grant]:
        t = self._access.tables
        found = [
            g
            for g in t.grants.values()
            if g.app_id == app_id and g.credential_id is None and g.active
        ]
        found.sort(key=lambda g: (g.created_at, g.id))
        return [grant for g in found if (grant := t.live_grant(g.id)) is not None]
