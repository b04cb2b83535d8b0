"""The port to credential pairs and their apps, as the protocol endpoints read them."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from consentry.core.model import (
    Client,
)


class ClientRepository(Protocol):
    async def get_by_client_id(
        self, client_id: str, *, with_redirect_uris: bool = True
    ) -> Client | None:
        """The pair, its app and (unless told not to: the token endpoint) its redirect URIs."""
        ...

    async def get_image(self, app_id: int) -> tuple[bytes, str] | None: ...
    async def touch_credential(self, credential_id: int, when: datetime) -> None: ...
