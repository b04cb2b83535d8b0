"""The in-memory `RefreshTokenRepository`: rotating refresh tokens and their sealed successors."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from consentry.core import model
from consentry.storage.memory.one_time import consume
from consentry.storage.memory.tables import InMemoryRepository, insert, require


class InMemoryRefreshTokenRepository(InMemoryRepository):
    async def add(self, token: model.RefreshToken) -> None:
        t = self._access.write()
        require(t.grants, token.grant_id, "grant")
        require(t.credentials, token.credential_id, "credential")
        insert(t.refresh_tokens, token.token_hash, token, "refresh token")

    async def get(self, token_hash: bytes) -> model.RefreshToken | None:
        return self._access.tables.refresh_tokens.get(token_hash)

    async def get_with_grant(
        self, token_hash: bytes
    ) -> tuple[model.RefreshToken, model.Grant | None] | None:
        t = self._access.tables
        token = t.refresh_tokens.get(token_hash)
        return None if token is None else (token, t.live_grant(token.grant_id))

    async def rotate(
        self,
        token_hash: bytes,
        credential_id: int,
        now: datetime,
        successor: bytes | None,
        replacement: model.RefreshToken,
    ) -> bool:
        table = self._access.write().refresh_tokens
        consumed = consume(table, token_hash, credential_id, now)
        if consumed is None:
            return False
        table[token_hash] = replace(consumed, successor=successor)
        insert(table, replacement.token_hash, replacement, "refresh token")
        return True
