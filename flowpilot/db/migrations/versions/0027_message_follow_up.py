"""an engineer's message marks the follow-up its turn still owes (reports, model reading);
a session marks that it has uploads (a turn reads them only then)

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-29 11:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "session_messages",
        sa.Column("follow_up_due", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "ai_sessions",
        sa.Column("has_uploads", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.execute(
        "UPDATE ai_sessions SET has_uploads = true"
        " WHERE EXISTS (SELECT 1 FROM file_uploads u WHERE u.session_id = ai_sessions.id)"
    )


def downgrade() -> None:
    op.drop_column("ai_sessions", "has_uploads")
    op.drop_column("session_messages", "follow_up_due")
