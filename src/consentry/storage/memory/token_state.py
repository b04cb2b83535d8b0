"""The in-memory `TokenStateRepository`: whether an access token's grant and the token are live."""

from __future__ import annotations

from datetime import datetime

from consentry.storage.memory.grants import InMemoryGrantRepository
from consentry.storage.memory.tables import InMemoryRepository


class InMemoryTokenStateRepository(InMemoryRepository):
    async def live_advertisers(self, grant_id: str, token_id: str) -> tuple[int, ...] | None:
        t = self._access.tables
        grant = t.live_grant(grant_id)
        if grant is None or not grant.active or token_id in t.revoked_tokens:
            return None
        return tuple(sorted(set(grant.advertiser_ids)))

    async def live_app_advertisers(self, client_id: str, token_id: str) -> tuple[int, ...] | None:
        t = self._access.tables
        credential = next((c for c in t.credentials.values() if c.client_id == client_id), None)
        if credential is None or token_id in t.revoked_tokens:
            return None
        grants = await InMemoryGrantRepository(self._access).app_level(credential.app_id)
        return tuple(sorted({a for grant in grants for a in grant.advertiser_ids}))

    async def revoke_token(self, token_id: str, until: datetime, now: datetime) -> None:
        t = self._access.write()
        for jti in [jti for jti, expires_at in t.revoked_tokens.items() if expires_at < now]:
            del t.revoked_tokens[jti]
        t.revoked_tokens.setdefault(token_id, until)
