"""fork points

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 05:54:07.563000
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('fork_points',
    sa.Column('session_id', sa.UUID(), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('parent_branch_id', sa.UUID(), nullable=False),
    sa.Column('trigger_step_id', sa.UUID(), nullable=True),
    sa.Column('trigger_message_id', sa.UUID(), nullable=True),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('fork_reason', sa.Text(), nullable=False),
    sa.Column('options', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_fork_points_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_fork_points_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_branch_id'], ['session_branches.id'], name=op.f('fk_fork_points_parent_branch_id_session_branches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['ai_sessions.id'], name=op.f('fk_fork_points_session_id_ai_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['trigger_message_id'], ['session_messages.id'], name=op.f('fk_fork_points_trigger_message_id_session_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['trigger_step_id'], ['ai_session_steps.id'], name=op.f('fk_fork_points_trigger_step_id_ai_session_steps'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fork_points'))
    )
    op.create_index(op.f('ix_fork_points_session_id'), 'fork_points', ['session_id'], unique=False)
    op.add_column('session_branches', sa.Column('last_active_at', sa.DateTime(timezone=True), nullable=True))
    # 0001 created session_branches before the tables these point at; add them now.
    op.create_foreign_key(op.f('fk_session_branches_forked_from_message_id_session_messages'), 'session_branches', 'session_messages', ['forked_from_message_id'], ['id'], ondelete='SET NULL', use_alter=True)
    op.create_foreign_key(op.f('fk_session_branches_head_message_id_session_messages'), 'session_branches', 'session_messages', ['head_message_id'], ['id'], ondelete='SET NULL', use_alter=True)
    op.create_foreign_key(op.f('fk_session_branches_fork_point_step_id_ai_session_steps'), 'session_branches', 'ai_session_steps', ['fork_point_step_id'], ['id'], ondelete='SET NULL', use_alter=True)


def downgrade() -> None:
    op.drop_constraint(op.f('fk_session_branches_fork_point_step_id_ai_session_steps'), 'session_branches', type_='foreignkey')
    op.drop_constraint(op.f('fk_session_branches_head_message_id_session_messages'), 'session_branches', type_='foreignkey')
    op.drop_constraint(op.f('fk_session_branches_forked_from_message_id_session_messages'), 'session_branches', type_='foreignkey')
    op.drop_column('session_branches', 'last_active_at')
    op.drop_index(op.f('ix_fork_points_session_id'), table_name='fork_points')
    op.drop_table('fork_points')
