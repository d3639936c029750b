"""AI budgets per account and the running monthly spend they are checked against

Revision ID: 0021
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ai_budgets',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('monthly_usd', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('engineer_monthly_usd', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("action IN ('warn', 'block')", name=op.f('ck_ai_budgets_action')),
    sa.CheckConstraint('engineer_monthly_usd IS NULL OR engineer_monthly_usd > 0', name=op.f('ck_ai_budgets_eng')),
    sa.CheckConstraint('monthly_usd > 0', name=op.f('ck_ai_budgets_monthly_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_ai_budgets_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_ai_budgets'))
    )
    op.create_table('ai_spend_months',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=True),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('cost_usd', sa.Numeric(precision=14, scale=6), nullable=False),
    sa.Column('warned_80', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('warned_100', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_ai_spend_months_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ai_spend_months_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ai_spend_months'))
    )
    op.create_index('uq_ai_spend_account_month', 'ai_spend_months', ['account_id', 'month'], unique=True, postgresql_where=sa.text('user_id IS NULL'))
    op.create_index('uq_ai_spend_user_month', 'ai_spend_months', ['account_id', 'month', 'user_id'], unique=True, postgresql_where=sa.text('user_id IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('uq_ai_spend_user_month', table_name='ai_spend_months', postgresql_where=sa.text('user_id IS NOT NULL'))
    op.drop_index('uq_ai_spend_account_month', table_name='ai_spend_months', postgresql_where=sa.text('user_id IS NULL'))
    op.drop_table('ai_spend_months')
    op.drop_table('ai_budgets')
