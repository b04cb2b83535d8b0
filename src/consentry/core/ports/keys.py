"""The port to the JWT signing keys (private halves sealed by `keys.sealing`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredSigningKey:
    kid: str
    algorithm: str
    encrypted_private_key: bytes
    public_jwk: dict[str, str]
    created_at: datetime
    retired_at: datetime | None = None


class SigningKeyRepository(Protocol):
    async def list(self) -> list[StoredSigningKey]: ...
    async def add(self, key: StoredSigningKey) -> None: ...
    async def retire(self, kid: str, when: datetime) -> None: ...
