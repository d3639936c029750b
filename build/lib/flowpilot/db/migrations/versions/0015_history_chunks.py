"""history chunks (immutable digests of old history), each branch's prompt window start, and
trigram indexes for session search

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "history_chunks",
        sa.Column("session_id", sa.UUID(), nullable=False),
        sa.Column("account_id", sa.UUID(), nullable=False),
        sa.Column("last_message_id", sa.UUID(), nullable=False),
        sa.Column("previous_message_id", sa.UUID(), nullable=True),
        sa.Column("first_depth", sa.Integer(), nullable=False),
        sa.Column("digest", sa.Text(), nullable=False),
        sa.Column("evidence", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("guides", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_history_chunks_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["last_message_id"],
            ["session_messages.id"],
            name=op.f("fk_history_chunks_last_message_id_session_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["previous_message_id"],
            ["session_messages.id"],
            name=op.f("fk_history_chunks_previous_message_id_session_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["ai_sessions.id"],
            name=op.f("fk_history_chunks_session_id_ai_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_history_chunks")),
        sa.UniqueConstraint("last_message_id", name=op.f("uq_history_chunks_last_message_id")),
    )
    op.create_index(
        op.f("ix_history_chunks_session_id"), "history_chunks", ["session_id"], unique=False
    )
    op.add_column(
        "session_branches", sa.Column("prompt_window_start", sa.Integer(), nullable=True)
    )
    op.create_index(
        "ix_ai_sessions_account_updated", "ai_sessions", ["account_id", "updated_at"]
    )
    # Session search (`q=`) matches anywhere in the title or problem: trigram indexes.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_ai_sessions_title_trgm",
        "ai_sessions",
        ["title"],
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops"},
    )
    op.create_index(
        "ix_ai_sessions_problem_summary_trgm",
        "ai_sessions",
        ["problem_summary"],
        postgresql_using="gin",
        postgresql_ops={"problem_summary": "gin_trgm_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_ai_sessions_problem_summary_trgm", table_name="ai_sessions")
    op.drop_index("ix_ai_sessions_account_updated", table_name="ai_sessions")
    op.drop_index("ix_ai_sessions_title_trgm", table_name="ai_sessions")
    op.drop_index(op.f("ix_history_chunks_session_id"), table_name="history_chunks")
    op.drop_table("history_chunks")
    op.drop_column("session_branches", "prompt_window_start")
