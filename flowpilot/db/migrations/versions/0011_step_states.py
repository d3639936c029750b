"""step states: a suggestion stays 'suggested' until the engineer reports on it

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

STATES = "('suggested', 'done', 'skipped', 'not_applicable', 'record')"


def upgrade() -> None:
    op.add_column(
        "ai_session_steps",
        sa.Column("state", sa.String(length=20), nullable=False, server_default="record"),
    )
    op.alter_column("ai_session_steps", "state", server_default=None)
    op.create_check_constraint("state", "ai_session_steps", f"state IN {STATES}")
    op.add_column(
        "ai_session_steps", sa.Column("result", sa.Text(), nullable=False, server_default="")
    )
    op.alter_column("ai_session_steps", "result", server_default=None)
    op.add_column(
        "ai_session_steps",
        sa.Column("reported_by", postgresql.UUID(as_uuid=True), nullable=True),
    )
    op.create_foreign_key(
        op.f("fk_ai_session_steps_reported_by_users"),
        "ai_session_steps",
        "users",
        ["reported_by"],
        ["id"],
        ondelete="SET NULL",
    )
    op.add_column(
        "ai_session_steps",
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "ai_session_steps",
        sa.Column("report_message_id", postgresql.UUID(as_uuid=True), nullable=True),
    )
    op.create_foreign_key(
        op.f("fk_ai_session_steps_report_message_id_session_messages"),
        "ai_session_steps",
        "session_messages",
        ["report_message_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.add_column(
        "ai_session_steps",
        sa.Column("report_source", sa.String(length=20), nullable=False, server_default=""),
    )
    op.alter_column("ai_session_steps", "report_source", server_default=None)
    # Existing assistant turns were suggestions nobody reported on.
    op.execute(
        "UPDATE ai_session_steps SET state = 'suggested' WHERE step_type IN "
        "('question', 'action', 'script_generation', 'verification', 'info_request')"
    )
    op.create_index(
        "ix_ai_session_steps_branch_state", "ai_session_steps", ["branch_id", "state"]
    )


def downgrade() -> None:
    op.drop_index("ix_ai_session_steps_branch_state", table_name="ai_session_steps")
    for column in ("report_source", "report_message_id", "reported_at", "reported_by", "result"):
        op.drop_column("ai_session_steps", column)
    op.drop_constraint("state", "ai_session_steps", type_="check")
    op.drop_column("ai_session_steps", "state")
