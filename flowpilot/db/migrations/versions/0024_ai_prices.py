"""An account's own model prices (per provider and model prefix, US dollars per million tokens)

Revision ID: 0024
Revises: 0023
"""
from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ai_prices',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('provider', sa.String(length=30), nullable=False),
    sa.Column('model_prefix', sa.String(length=100), nullable=False),
    sa.Column('input_per_million', sa.Numeric(precision=12, scale=6), nullable=False),
    sa.Column('output_per_million', sa.Numeric(precision=12, scale=6), nullable=False),
    sa.Column('cache_write_per_million', sa.Numeric(precision=12, scale=6), nullable=False),
    sa.Column('cache_read_per_million', sa.Numeric(precision=12, scale=6), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_by', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.CheckConstraint('input_per_million >= 0 AND output_per_million >= 0 AND cache_write_per_million >= 0 AND cache_read_per_million >= 0', name=op.f('ck_ai_prices_non_negative')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_ai_prices_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by'], ['users.id'], name=op.f('fk_ai_prices_updated_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ai_prices')),
    sa.UniqueConstraint('account_id', 'provider', 'model_prefix', name=op.f('uq_ai_prices_account_id_provider_model_prefix'))
    )


def downgrade() -> None:
    op.drop_table('ai_prices')
