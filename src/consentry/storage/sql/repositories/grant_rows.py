"""Grants as the SQL repositories read them: one row per still-granted advertiser.

`grant_columns` selects a grant (labelled with a prefix when it is joined to another row) and
`grants_from_rows` folds the `grant × advertiser` rows back into grants.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, FromClause, and_

from consentry.core import model
from consentry.storage.sql import schema
from consentry.storage.sql.connection import Row, read_optional_time, read_time

grants = schema.table(schema.Grant)
grant_advertisers = schema.table(schema.GrantAdvertiser)
_FIELDS = ("id", "user_id", "credential_id", "app_id", "scopes", "created_at", "revoked_at")


def grant_columns(table: FromClause, *, prefix: str = "") -> list[ColumnElement[Any]]:
    """The grant's columns (as `<prefix><name>`) and the `advertiser_id` of the joined row."""
    columns: list[ColumnElement[Any]] = [
        table.c[name].label(prefix + name) if prefix else table.c[name] for name in _FIELDS
    ]
    columns.append(grant_advertisers.c.advertiser_id)
    return columns


def still_granted(table: FromClause) -> ColumnElement[bool]:
    """The join condition to the advertisers still granted (not taken back) under `table`."""
    return and_(
        grant_advertisers.c.grant_id == table.c.id, grant_advertisers.c.revoked_at.is_(None)
    )


def grants_from_rows(rows: Sequence[Row], *, prefix: str = "") -> list[model.Grant]:
    """Fold `grant × advertiser` rows (ordered by grant) into grants, in their order.

    `prefix` names the columns when the grant is joined to another row (`g_id`, `g_scopes`…).
    """
    firsts: dict[str, Row] = {}
    advertisers: dict[str, list[int]] = {}
    for row in rows:
        grant_id = row[f"{prefix}id"]
        if grant_id is None:
            continue  # an outer join that found no grant
        if grant_id not in firsts:
            firsts[grant_id] = row
            advertisers[grant_id] = []
        advertiser_id = row["advertiser_id"]
        if advertiser_id is not None:
            advertisers[grant_id].append(advertiser_id)
    return [
        model.Grant(
            id=grant_id,
            user_id=row[f"{prefix}user_id"],
            credential_id=row[f"{prefix}credential_id"],
            app_id=row[f"{prefix}app_id"],
            scopes=tuple(row[f"{prefix}scopes"].split()),
            advertiser_ids=tuple(advertisers[grant_id]),
            created_at=read_time(row[f"{prefix}created_at"]),
            revoked_at=read_optional_time(row[f"{prefix}revoked_at"]),
        )
        for grant_id, row in firsts.items()
    ]
