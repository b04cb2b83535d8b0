"""Reaching past the repositories into an `InMemoryStore`'s committed rows, as only tests may.

The store has no method for these on purpose: the application never reads a grant's noted last
use on its own, nor overwrites a stored successor. Call them outside writing units of work, like
the store's seeding helpers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from consentry.storage.memory import InMemoryStore
from consentry.storage.memory.tables import Tables


def committed_tables(store: InMemoryStore) -> Tables:
    """The tables the store's last committed writer published."""
    return store._database.committed


def grant_last_used_at(store: InMemoryStore, grant_id: str) -> datetime | None:
    """When tokens were last issued under the grant (the SQL `grants.last_used_at` column)."""
    return committed_tables(store).grant_last_used_at.get(grant_id)


def tamper_refresh_successor(store: InMemoryStore, token_hash: bytes, sealed: bytes) -> None:
    """Overwrite a stored successor, as an attacker with database access might."""
    refresh_tokens = committed_tables(store).refresh_tokens
    refresh_tokens[token_hash] = replace(refresh_tokens[token_hash], successor=sealed)


def forget_refresh_token(store: InMemoryStore, token_hash: bytes) -> None:
    """Drop a stored refresh token, as a purge of expired tokens would."""
    del committed_tables(store).refresh_tokens[token_hash]
