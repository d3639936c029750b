"""who each user is in each PSA connection (member, agent, resource + role), and a push's own
work type / billable

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "psa_person_mappings",
        sa.Column("account_id", sa.UUID(), nullable=False),
        sa.Column("psa_connection_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.UUID(), nullable=False),
        sa.Column("person_id", sa.String(length=100), nullable=False),
        sa.Column("person_name", sa.String(length=200), nullable=False),
        sa.Column("role_id", sa.String(length=20), nullable=True),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("set_by_id", sa.UUID(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "source IN ('lookup', 'manual')", name=op.f("ck_psa_person_mappings_source")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_psa_person_mappings_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["psa_connection_id"],
            ["psa_connections.id"],
            name=op.f("fk_psa_person_mappings_psa_connection_id_psa_connections"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"],
            ["users.id"],
            name=op.f("fk_psa_person_mappings_set_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_psa_person_mappings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_psa_person_mappings")),
        sa.UniqueConstraint(
            "psa_connection_id",
            "user_id",
            name=op.f("uq_psa_person_mappings_psa_connection_id_user_id"),
        ),
    )
    op.create_index(
        op.f("ix_psa_person_mappings_account_id"),
        "psa_person_mappings",
        ["account_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_psa_person_mappings_user_id"), "psa_person_mappings", ["user_id"], unique=False
    )
    op.add_column(
        "resolution_push_log", sa.Column("work_type", sa.String(length=100), nullable=True)
    )
    op.add_column("resolution_push_log", sa.Column("billable", sa.Boolean(), nullable=True))


def downgrade() -> None:
    op.drop_column("resolution_push_log", "billable")
    op.drop_column("resolution_push_log", "work_type")
    op.drop_index(op.f("ix_psa_person_mappings_user_id"), table_name="psa_person_mappings")
    op.drop_index(op.f("ix_psa_person_mappings_account_id"), table_name="psa_person_mappings")
    op.drop_table("psa_person_mappings")
