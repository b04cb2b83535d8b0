"""The revocation count: one row that triggers bump whenever an admission's ground is taken away.

A node remembers, between statements, which partner-API tokens are live and what they may touch
(`storage/sql/admissions.py`). It reads this count every half second and forgets all of that when
the count moved, so a revocation made through any node, or by hand in the database, takes effect
on every node within a second (DESIGN.md §2). The triggers run in the revoking transaction, so
the count moves exactly when the revocation commits:

- a grant, or one advertiser of a grant, revoked (`revoked_at` written) or deleted (also by a
  cascade from its user, app or pair);
- an access token revoked (RFC 7009: a row in `revoked_access_tokens`);
- a credential pair deleted; an advertiser renamed or deleted.

On SQLite the triggers fire per row; on PostgreSQL per statement, through one function.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TABLE = "revocation_count"
_FUNCTION = "consentry_count_revocation"
# (trigger name, event, table)
_TRIGGERS = (
    ("revocation_grant_revoked", "UPDATE OF revoked_at", "grants"),
    ("revocation_grant_deleted", "DELETE", "grants"),
    ("revocation_grant_advertiser_revoked", "UPDATE OF revoked_at", "grant_advertisers"),
    ("revocation_grant_advertiser_deleted", "DELETE", "grant_advertisers"),
    ("revocation_token_revoked", "INSERT", "revoked_access_tokens"),
    ("revocation_credential_deleted", "DELETE", "credentials"),
    ("revocation_advertiser_renamed", "UPDATE OF name", "advertisers"),
    ("revocation_advertiser_deleted", "DELETE", "advertisers"),
)
_BUMP = "UPDATE revocation_count SET value = value + 1 WHERE id = 1"


def upgrade() -> None:
    counts = op.create_table(
        _TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{_TABLE}")),
    )
    op.bulk_insert(counts, [{"id": 1, "value": 0}])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {_BUMP}; RETURN NULL; END $$"
        )
        for name, event, table in _TRIGGERS:
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {_FUNCTION}()"
            )
        return
    for name, event, table in _TRIGGERS:
        op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {_BUMP}; END")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, _, table in _TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON {table}" if postgresql else f"DROP TRIGGER {name}")
    if postgresql:
        op.execute(f"DROP FUNCTION {_FUNCTION}()")
    op.drop_table(_TABLE)
