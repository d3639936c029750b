"""playbooks as decision guides; account playbooks with versions and retirement

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "library_entries",
        sa.Column("guide", postgresql.JSONB(astext_type=sa.Text()), nullable=False,
                  server_default=sa.text("'{}'::jsonb")),
    )
    op.alter_column("library_entries", "guide", server_default=None)
    op.add_column(
        "library_entries",
        sa.Column("status", sa.String(length=20), nullable=False, server_default="active"),
    )
    op.alter_column("library_entries", "status", server_default=None)
    op.add_column(
        "library_entries",
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )
    op.alter_column("library_entries", "version", server_default=None)
    op.add_column("library_entries", sa.Column("created_by", sa.UUID(), nullable=True))
    op.add_column(
        "library_entries",
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
    )
    op.create_foreign_key(
        op.f("fk_library_entries_created_by_users"), "library_entries", "users",
        ["created_by"], ["id"], ondelete="SET NULL",
    )
    op.create_check_constraint(
        op.f("ck_library_entries_status"), "library_entries", "status IN ('active', 'retired')"
    )
    op.create_table(
        "library_entry_versions",
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("account_id", sa.UUID(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("guide", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.UUID(), nullable=True),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"),
                  nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"],
                                name=op.f("fk_library_entry_versions_account_id_accounts"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"],
                                name=op.f("fk_library_entry_versions_created_by_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["entry_id"], ["library_entries.id"],
                                name=op.f("fk_library_entry_versions_entry_id_library_entries"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_library_entry_versions")),
        sa.UniqueConstraint("entry_id", "version",
                            name=op.f("uq_library_entry_versions_entry_id_version")),
    )
    op.create_index(op.f("ix_library_entry_versions_entry_id"), "library_entry_versions",
                    ["entry_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_library_entry_versions_entry_id"), table_name="library_entry_versions")
    op.drop_table("library_entry_versions")
    op.drop_constraint(op.f("ck_library_entries_status"), "library_entries", type_="check")
    op.drop_constraint(op.f("fk_library_entries_created_by_users"), "library_entries",
                       type_="foreignkey")
    for column in ("updated_at", "created_by", "version", "status", "guide"):
        op.drop_column("library_entries", column)
