"""A named assignee on handoffs (the colleague it is handed to; others may still claim it)

Revision ID: 0023
Revises: 0022
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('session_handoffs', sa.Column('assignee_id', sa.UUID(), nullable=True))
    op.create_foreign_key(
        op.f('fk_session_handoffs_assignee_id_users'),
        'session_handoffs',
        'users',
        ['assignee_id'],
        ['id'],
        ondelete='SET NULL',
    )
    op.create_index(
        'ix_session_handoffs_assignee_open',
        'session_handoffs',
        ['assignee_id'],
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index('ix_session_handoffs_assignee_open', table_name='session_handoffs')
    op.drop_constraint(
        op.f('fk_session_handoffs_assignee_id_users'), 'session_handoffs', type_='foreignkey'
    )
    op.drop_column('session_handoffs', 'assignee_id')
