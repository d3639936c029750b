"""a claim outside the handoff's target team says so

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("session_handoffs", sa.Column("claim_note", sa.String(length=300), nullable=True))


def downgrade() -> None:
    op.drop_column("session_handoffs", "claim_note")
