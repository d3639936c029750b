"""client identifiers hidden from cloud models: the account's level and each session's
placeholders

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "accounts",
        sa.Column("ai_redaction", sa.String(20), server_default="secrets", nullable=False),
    )
    op.create_check_constraint(
        "ck_accounts_ai_redaction", "accounts", "ai_redaction IN ('secrets', 'identifiers')"
    )
    op.create_table(
        "redaction_entries",
        sa.Column("session_id", sa.UUID(), nullable=False),
        sa.Column("account_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("original", sa.Text(), nullable=False),
        sa.Column("original_key", sa.Text(), nullable=False),
        sa.Column("placeholder", sa.String(40), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_redaction_entries_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"], ["ai_sessions.id"],
            name=op.f("fk_redaction_entries_session_id_ai_sessions"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_redaction_entries")),
        sa.UniqueConstraint(
            "session_id", "original_key", name=op.f("uq_redaction_entries_session_id_original_key")
        ),
        sa.UniqueConstraint(
            "session_id", "placeholder", name=op.f("uq_redaction_entries_session_id_placeholder")
        ),
    )
    op.create_index(
        op.f("ix_redaction_entries_session_id"), "redaction_entries", ["session_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_redaction_entries_session_id"), table_name="redaction_entries")
    op.drop_table("redaction_entries")
    op.drop_constraint("ck_accounts_ai_redaction", "accounts", type_="check")
    op.drop_column("accounts", "ai_redaction")
