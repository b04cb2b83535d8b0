"""Developer portal: sign-in throttling, API tokens, signed consent links, app-level grants.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("address_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_login_failures_account_hash"), ["account_hash"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_login_failures_address_hash"), ["address_hash"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_login_failures_failed_at"), ["failed_at"], unique=False
        )

    op.create_table(
        "portal_api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_portal_api_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_portal_api_tokens_token_hash")),
    )
    with op.batch_alter_table("portal_api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_portal_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "consent_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_id", sa.Integer(), nullable=False),
        sa.Column("nonce_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.Integer(), nullable=True),
        sa.Column("grant_id", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["app_id"], ["apps.id"], name=op.f("fk_consent_links_app_id_apps"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_consent_links_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["grant_id"],
            ["grants.id"],
            name=op.f("fk_consent_links_grant_id_grants"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["used_by"],
            ["users.id"],
            name=op.f("fk_consent_links_used_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_links")),
        sa.UniqueConstraint("nonce_hash", name=op.f("uq_consent_links_nonce_hash")),
    )
    with op.batch_alter_table("consent_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_links_app_id"), ["app_id"], unique=False)

    # App-level grants (client-credentials consent links) belong to no credential pair.
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.alter_column("credential_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # App-level grants cannot exist without the nullable column: they are deleted (their
    # grant_advertisers rows go with them), then the column becomes NOT NULL again.
    op.execute(
        "DELETE FROM grant_advertisers WHERE grant_id IN "
        "(SELECT id FROM grants WHERE credential_id IS NULL)"
    )
    op.execute("UPDATE consent_links SET grant_id = NULL")
    op.execute("DELETE FROM grants WHERE credential_id IS NULL")
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.alter_column("credential_id", existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table("consent_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_links_app_id"))
    op.drop_table("consent_links")

    with op.batch_alter_table("portal_api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_api_tokens_user_id"))
    op.drop_table("portal_api_tokens")

    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failures_failed_at"))
        batch_op.drop_index(batch_op.f("ix_login_failures_address_hash"))
        batch_op.drop_index(batch_op.f("ix_login_failures_account_hash"))
    op.drop_table("login_failures")
