"""Grants as the SQL repositories read them: one row per still-granted advertiser."""

from __future__ import annotations

from collections.abc import Sequence

from consentry.core import model
from consentry.storage.sql.connection import Row, read_optional_time, read_time


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
