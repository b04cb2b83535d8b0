"""Bulk insertion of what consentry's own code adds while minting a pool.

`Collected` stands in for a unit of work: `issue_code` and `TokenIssuer.issue` hand it their
grants, codes and refresh tokens, and it inserts them in one transaction, in the columns the SQL
repositories set.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncEngine

from consentry.core.model import AuthorizationCode, Grant, RefreshToken
from consentry.core.ports.unit_of_work import UnitOfWork
from consentry.storage.sql import schema as tables


class Collected:
    """Stands in for a unit of work: keeps what consentry's own code adds, for one bulk insert.

    Minting one value at a time through the SQL repositories costs a few statements each (a few
    hundred values a second); the values and their hashes still come from consentry's code.
    """

    def __init__(self) -> None:
        self.grants: list[Grant] = []
        self.codes: list[AuthorizationCode] = []
        self.refresh_tokens: list[RefreshToken] = []

    # GrantRepository / AuthorizationCodeRepository / RefreshTokenRepository, as far as used here.
    async def add(self, item: Grant | AuthorizationCode | RefreshToken) -> None:
        if isinstance(item, Grant):
            self.grants.append(item)
        elif isinstance(item, AuthorizationCode):
            self.codes.append(item)
        else:
            self.refresh_tokens.append(item)

    async def touch(self, _grant_id: str, _when: datetime) -> None:
        return None  # last-used bookkeeping of a grant nobody used yet

    def as_unit_of_work(self) -> UnitOfWork:
        view = SimpleNamespace(grants=self, codes=self, refresh_tokens=self)
        return cast(UnitOfWork, view)

    async def store(self, engine: AsyncEngine) -> None:
        """Insert everything collected in one transaction (the columns the SQL repositories set)."""
        async with engine.begin() as conn:
            if self.grants:
                await conn.execute(
                    insert(_table(tables.Grant)), [_grant_row(g) for g in self.grants]
                )
                links = [
                    {"grant_id": g.id, "advertiser_id": a}
                    for g in self.grants
                    for a in g.advertiser_ids
                ]
                await conn.execute(insert(_table(tables.GrantAdvertiser)), links)
            if self.codes:
                rows = [_code_row(c) for c in self.codes]
                await conn.execute(insert(_table(tables.AuthorizationCode)), rows)
            if self.refresh_tokens:
                rows = [_refresh_row(t) for t in self.refresh_tokens]
                await conn.execute(insert(_table(tables.RefreshToken)), rows)


def _table(mapped: type[object]) -> Table:
    return cast(Table, mapped.__table__)  # type: ignore[attr-defined]


def _grant_row(grant: Grant) -> dict[str, object]:
    return {
        "id": grant.id,
        "user_id": grant.user_id,
        "credential_id": grant.credential_id,
        "app_id": grant.app_id,
        "scopes": " ".join(grant.scopes),
        "created_at": grant.created_at,
        "revoked_at": grant.revoked_at,
    }


def _code_row(code: AuthorizationCode) -> dict[str, object]:
    return {
        "code_hash": code.code_hash,
        "grant_id": code.grant_id,
        "credential_id": code.credential_id,
        "redirect_uri": code.redirect_uri,
        "code_challenge": code.code_challenge,
        "created_at": code.created_at,
        "expires_at": code.expires_at,
    }


def _refresh_row(token: RefreshToken) -> dict[str, object]:
    return {
        "token_hash": token.token_hash,
        "grant_id": token.grant_id,
        "credential_id": token.credential_id,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
    }
