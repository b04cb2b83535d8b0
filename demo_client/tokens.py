"""Server-side token store: token pairs keyed by a random per-browser key, never in the cookie.

One store lives on each app instance (``app.state.token_store``); nothing is module-level.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from demo_client.oauth import TokenResponse

DEFAULT_MAX_ENTRIES = 1000


@dataclass(frozen=True)
class TokenRecord:
    """A token pair as held by the demo, with the absolute expiry computed on receipt."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    token_type: str
    expires_in: int
    obtained_at: datetime

    @property
    def expires_at(self) -> datetime:
        return self.obtained_at + timedelta(seconds=self.expires_in)

    @classmethod
    def from_response(
        cls,
        response: TokenResponse,
        *,
        obtained_at: datetime,
        previous_refresh_token: str | None = None,
    ) -> TokenRecord:
        """Build a record; keep the old refresh token if a refresh answer omits a new one."""
        return cls(
            access_token=response.access_token,
            refresh_token=response.refresh_token or previous_refresh_token,
            token_type=response.token_type,
            expires_in=response.expires_in,
            obtained_at=obtained_at,
        )


class TokenStore:
    """An in-memory, size-bounded map from opaque store keys to token records."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self._records: OrderedDict[str, TokenRecord] = OrderedDict()
        self._max_entries = max_entries

    def __len__(self) -> int:
        return len(self._records)

    def add(self, record: TokenRecord) -> str:
        """Store ``record`` under a fresh random key and return the key."""
        key = secrets.token_urlsafe(32)
        self._records[key] = record
        while len(self._records) > self._max_entries:
            self._records.popitem(last=False)
        return key

    def get(self, key: str | None) -> TokenRecord | None:
        if key is None:
            return None
        return self._records.get(key)

    def replace(self, key: str, record: TokenRecord) -> None:
        """Replace the record under an existing key (after a refresh)."""
        if key not in self._records:
            raise KeyError("unknown store key")
        self._records[key] = record
        self._records.move_to_end(key)

    def discard(self, key: str | None) -> None:
        if key is not None:
            self._records.pop(key, None)
