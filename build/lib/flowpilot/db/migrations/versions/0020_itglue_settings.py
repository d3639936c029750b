"""IT Glue export of KB articles (settings per account)

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_itglue_settings",
        sa.Column("account_id", sa.UUID(), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("organization_id", sa.BigInteger(), nullable=False),
        sa.Column("flexible_asset_type_id", sa.BigInteger(), nullable=False),
        sa.Column("title_trait", sa.String(length=100), nullable=False),
        sa.Column("body_trait", sa.String(length=100), nullable=False),
        sa.Column("secrets_encrypted", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("last_tested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_test_ok", sa.Boolean(), nullable=True),
        sa.Column("last_test_message", sa.Text(), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_itglue_settings_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_itglue_settings")),
    )


def downgrade() -> None:
    op.drop_table("account_itglue_settings")
