"""The in-memory `AuthorizationCodeRepository`: single-use codes, redeemed for a refresh token."""

from __future__ import annotations

from datetime import datetime

from consentry.core import model
from consentry.storage.memory.one_time import consume
from consentry.storage.memory.tables import InMemoryRepository, insert, require


class InMemoryAuthorizationCodeRepository(InMemoryRepository):
    async def add(self, code: model.AuthorizationCode) -> None:
        t = self._access.write()
        require(t.grants, code.grant_id, "grant")
        require(t.credentials, code.credential_id, "credential")
        insert(t.codes, code.code_hash, code, "authorization code")

    async def get(self, code_hash: bytes) -> model.AuthorizationCode | None:
        return self._access.tables.codes.get(code_hash)

    async def get_with_grant(
        self, code_hash: bytes
    ) -> tuple[model.AuthorizationCode, model.Grant | None] | None:
        t = self._access.tables
        code = t.codes.get(code_hash)
        return None if code is None else (code, t.live_grant(code.grant_id))

    async def redeem(
        self,
        code_hash: bytes,
        credential_id: int,
        now: datetime,
        refresh_token: model.RefreshToken,
    ) -> bool:
        t = self._access.write()
        if consume(t.codes, code_hash, credential_id, now) is None:
            return False
        insert(t.refresh_tokens, refresh_token.token_hash, refresh_token, "refresh token")
        return True
