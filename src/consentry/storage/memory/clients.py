"""The in-memory `ClientRepository`: credential pairs with their apps and redirect URIs."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from consentry.core import model
from consentry.storage.memory.tables import InMemoryRepository


class InMemoryClientRepository(InMemoryRepository):
    async def get_by_client_id(
        self, client_id: str, *, with_redirect_uris: bool = True
    ) -> model.Client | None:
        t = self._access.tables
        credential = next((c for c in t.credentials.values() if c.client_id == client_id), None)
        if credential is None:
            return None
        app = t.apps[credential.app_id]
        organization_name = t.organizations[app.organization_id]
        app = replace(app, organization_name=organization_name, has_image=app.id in t.images)
        uris = t.redirect_uris.get(app.id, frozenset()) if with_redirect_uris else frozenset()
        return model.Client(credential, app, uris)

    async def get_image(self, app_id: int) -> tuple[bytes, str] | None:
        return self._access.tables.images.get(app_id)

    async def touch_credential(self, credential_id: int, when: datetime) -> None:
        t = self._access.write()
        if credential_id in t.credentials:
            t.credentials[credential_id] = replace(t.credentials[credential_id], last_used_at=when)
