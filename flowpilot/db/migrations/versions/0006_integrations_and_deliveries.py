"""integrations and deliveries

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 07:53:33.769861
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account_smtp_settings',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('security', sa.String(length=10), nullable=False),
    sa.Column('username', sa.String(length=255), nullable=True),
    sa.Column('secrets_encrypted', sa.Text(), nullable=False),
    sa.Column('from_address', sa.String(length=255), nullable=False),
    sa.Column('from_name', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_tested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_test_ok', sa.Boolean(), nullable=True),
    sa.Column('last_test_message', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("security IN ('starttls', 'tls', 'none')", name=op.f('ck_account_smtp_settings_security')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_account_smtp_settings_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_account_smtp_settings'))
    )
    op.create_table('psa_connections',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('vendor', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('settings', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('secrets_encrypted', sa.Text(), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_tested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_test_ok', sa.Boolean(), nullable=True),
    sa.Column('last_test_message', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("vendor IN ('connectwise', 'halo', 'autotask')", name=op.f('ck_psa_connections_vendor')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_psa_connections_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_psa_connections_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_psa_connections')),
    sa.UniqueConstraint('account_id', 'name', name=op.f('uq_psa_connections_account_id_name'))
    )
    op.create_index(op.f('ix_psa_connections_account_id'), 'psa_connections', ['account_id'], unique=False)
    op.create_foreign_key(op.f('fk_ai_sessions_psa_connection_id_psa_connections'), 'ai_sessions', 'psa_connections', ['psa_connection_id'], ['id'], ondelete='SET NULL')
    op.add_column('resolution_push_log', sa.Column('content', sa.Text(), nullable=False, server_default=''))
    op.alter_column('resolution_push_log', 'content', server_default=None)
    op.add_column('resolution_push_log', sa.Column('recipients', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column('resolution_push_log', sa.Column('psa_connection_id', sa.UUID(), nullable=True))
    op.add_column('resolution_push_log', sa.Column('ticket_id', sa.String(length=100), nullable=True))
    op.add_column('resolution_push_log', sa.Column('requested_by_id', sa.UUID(), nullable=True))
    op.add_column('resolution_push_log', sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('resolution_push_log', sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False))
    op.create_foreign_key(op.f('fk_resolution_push_log_psa_connection_id_psa_connections'), 'resolution_push_log', 'psa_connections', ['psa_connection_id'], ['id'], ondelete='SET NULL')
    op.create_foreign_key(op.f('fk_resolution_push_log_requested_by_id_users'), 'resolution_push_log', 'users', ['requested_by_id'], ['id'], ondelete='SET NULL')
    op.create_check_constraint(op.f('ck_resolution_push_log_result'), 'resolution_push_log', "result IN ('queued', 'retrying', 'ok', 'failed')")


def downgrade() -> None:
    op.drop_constraint(op.f('ck_resolution_push_log_result'), 'resolution_push_log', type_='check')
    op.drop_constraint(op.f('fk_resolution_push_log_requested_by_id_users'), 'resolution_push_log', type_='foreignkey')
    op.drop_constraint(op.f('fk_resolution_push_log_psa_connection_id_psa_connections'), 'resolution_push_log', type_='foreignkey')
    op.drop_column('resolution_push_log', 'updated_at')
    op.drop_column('resolution_push_log', 'next_attempt_at')
    op.drop_column('resolution_push_log', 'requested_by_id')
    op.drop_column('resolution_push_log', 'ticket_id')
    op.drop_column('resolution_push_log', 'psa_connection_id')
    op.drop_column('resolution_push_log', 'recipients')
    op.drop_column('resolution_push_log', 'content')
    op.drop_constraint(op.f('fk_ai_sessions_psa_connection_id_psa_connections'), 'ai_sessions', type_='foreignkey')
    op.drop_index(op.f('ix_psa_connections_account_id'), table_name='psa_connections')
    op.drop_table('psa_connections')
    op.drop_table('account_smtp_settings')
