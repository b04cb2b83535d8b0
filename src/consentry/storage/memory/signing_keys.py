"""The in-memory `SigningKeyRepository`: the JWT signing keys, private halves sealed."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from consentry.core.ports.keys import StoredSigningKey
from consentry.storage.memory.tables import InMemoryRepository, insert


class InMemorySigningKeyRepository(InMemoryRepository):
    async def list(self) -> list[StoredSigningKey]:
        keys = sorted(self._access.tables.signing_keys.values(), key=lambda k: k.created_at)
        return [replace(key, public_jwk=dict(key.public_jwk)) for key in keys]

    async def add(self, key: StoredSigningKey) -> None:
        stored = replace(key, public_jwk=dict(key.public_jwk))
        insert(self._access.write().signing_keys, key.kid, stored, "signing key")

    async def retire(self, kid: str, when: datetime) -> None:
        t = self._access.write()
        key = t.signing_keys.get(kid)
        if key is not None and key.retired_at is None:
            t.signing_keys[kid] = replace(key, retired_at=when)
