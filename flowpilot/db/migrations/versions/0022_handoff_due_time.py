"""A due time on handoffs (the SLA whoever picks it up works to)

Revision ID: 0022
Revises: 0021
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('session_handoffs', sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('session_handoffs', 'due_at')
