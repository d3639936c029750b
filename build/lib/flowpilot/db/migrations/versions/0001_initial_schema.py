"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 05:34:00.829527
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from procrastinate.schema import SchemaManager

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The job queue's own tables and functions (procrastinate), in the same database.
    # Run on the driver connection: the schema contains literal '%' that a DBAPI would parse.
    op.get_bind().connection.driver_connection.execute(SchemaManager.get_schema())
    op.create_table('accounts',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('plan', sa.String(length=20), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("plan IN ('free', 'pro', 'team', 'enterprise')", name=op.f('ck_accounts_plan')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('name', name=op.f('uq_accounts_name'))
    )
    op.create_table('login_attempts',
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    op.create_index('ix_login_attempts_email_created', 'login_attempts', ['email', 'created_at'], unique=False)
    op.create_index('ix_login_attempts_ip_created', 'login_attempts', ['ip', 'created_at'], unique=False)
    op.create_table('library_entries',
    sa.Column('account_id', sa.UUID(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('domain', sa.String(length=120), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('keywords_text', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('steps', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('search', postgresql.TSVECTOR(), sa.Computed("setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || setweight(to_tsvector('english'::regconfig, coalesce(keywords_text, '')), 'A') || setweight(to_tsvector('english'::regconfig, coalesce(summary, '')), 'B') || setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'C')", persisted=True), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_library_entries_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_library_entries')),
    sa.UniqueConstraint('account_id', 'slug', name=op.f('uq_library_entries_account_id_slug'), postgresql_nulls_not_distinct=True)
    )
    op.create_index(op.f('ix_library_entries_account_id'), 'library_entries', ['account_id'], unique=False)
    op.create_index('ix_library_entries_search', 'library_entries', ['search'], unique=False, postgresql_using='gin')
    op.create_table('teams',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_teams_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('account_id', 'name', name=op.f('uq_teams_account_id_name'))
    )
    op.create_index(op.f('ix_teams_account_id'), 'teams', ['account_id'], unique=False)
    op.create_table('users',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('engineer', 'lead', 'admin')", name=op.f('ck_users_role')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_users_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_index(op.f('ix_users_account_id'), 'users', ['account_id'], unique=False)
    op.create_table('ai_sessions',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('team_id', sa.UUID(), nullable=True),
    sa.Column('owner_id', sa.UUID(), nullable=False),
    sa.Column('assignee_id', sa.UUID(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('problem_summary', sa.Text(), nullable=False),
    sa.Column('problem_domain', sa.String(length=120), nullable=True),
    sa.Column('intake', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('confidence_tier', sa.String(length=20), nullable=False),
    sa.Column('psa_connection_id', sa.UUID(), nullable=True),
    sa.Column('psa_ticket_id', sa.String(length=100), nullable=True),
    sa.Column('total_input_tokens', sa.BigInteger(), nullable=False),
    sa.Column('total_output_tokens', sa.BigInteger(), nullable=False),
    sa.Column('total_cache_read_tokens', sa.BigInteger(), nullable=False),
    sa.Column('total_cache_write_tokens', sa.BigInteger(), nullable=False),
    sa.Column('turn_count', sa.Integer(), nullable=False),
    sa.Column('step_count', sa.Integer(), nullable=False),
    sa.Column('is_branching', sa.Boolean(), nullable=False),
    sa.Column('active_branch_id', sa.UUID(), nullable=True),
    sa.Column('handoff_count', sa.Integer(), nullable=False),
    sa.Column('total_active_seconds', sa.BigInteger(), nullable=False),
    sa.Column('total_parked_seconds', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("confidence_tier IN ('discovery', 'hypothesis', 'confirmed')", name=op.f('ck_ai_sessions_confidence_tier')),
    sa.CheckConstraint("status IN ('active', 'paused', 'escalated', 'resolved', 'closed')", name=op.f('ck_ai_sessions_status')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_ai_sessions_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_ai_sessions_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_ai_sessions_owner_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_ai_sessions_team_id_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ai_sessions'))
    )
    op.create_index('ix_ai_sessions_account_status', 'ai_sessions', ['account_id', 'status'], unique=False)
    op.create_index('ix_ai_sessions_owner', 'ai_sessions', ['owner_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_ai_sessions_team_id'), 'ai_sessions', ['team_id'], unique=False)
    op.create_table('auth_tokens',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auth_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_auth_tokens_token_hash'))
    )
    op.create_index(op.f('ix_auth_tokens_user_id'), 'auth_tokens', ['user_id'], unique=False)
    op.create_table('team_memberships',
    sa.Column('team_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_team_memberships_team_id_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_team_memberships_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'user_id', name=op.f('pk_team_memberships'))
    )
    op.create_index(op.f('ix_team_memberships_user_id'), 'team_memberships', ['user_id'], unique=False)
    op.create_table('session_branches',
    sa.Column('session_id', sa.UUID(), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('parent_branch_id', sa.UUID(), nullable=True),
    sa.Column('fork_point_step_id', sa.UUID(), nullable=True),
    sa.Column('branch_order', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=True),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status_changed_by', sa.UUID(), nullable=True),
    sa.Column('context_summary', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('summary_generated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('summary_stale', sa.Boolean(), nullable=False),
    sa.Column('evidence_from_branch_id', sa.UUID(), nullable=True),
    sa.Column('evidence_description', sa.Text(), nullable=True),
    sa.Column('head_message_id', sa.UUID(), nullable=True),
    sa.Column('forked_from_message_id', sa.UUID(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('active', 'dead_end', 'solved', 'untried', 'revived')", name=op.f('ck_session_branches_status')),
    sa.CheckConstraint('branch_order > 0', name=op.f('ck_session_branches_branch_order_positive')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_session_branches_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['evidence_from_branch_id'], ['session_branches.id'], name=op.f('fk_session_branches_evidence_from_branch_id_session_branches'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['fork_point_step_id'], ['ai_session_steps.id'], name=op.f('fk_session_branches_fork_point_step_id_ai_session_steps'), ondelete='SET NULL', use_alter=True),
    sa.ForeignKeyConstraint(['forked_from_message_id'], ['session_messages.id'], name=op.f('fk_session_branches_forked_from_message_id_session_messages'), ondelete='SET NULL', use_alter=True),
    sa.ForeignKeyConstraint(['head_message_id'], ['session_messages.id'], name=op.f('fk_session_branches_head_message_id_session_messages'), ondelete='SET NULL', use_alter=True),
    sa.ForeignKeyConstraint(['parent_branch_id'], ['session_branches.id'], name=op.f('fk_session_branches_parent_branch_id_session_branches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['ai_sessions.id'], name=op.f('fk_session_branches_session_id_ai_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['status_changed_by'], ['users.id'], name=op.f('fk_session_branches_status_changed_by_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_branches')),
    sa.UniqueConstraint('session_id', 'branch_order', name=op.f('uq_session_branches_session_id_branch_order'))
    )
    op.create_index(op.f('ix_session_branches_session_id'), 'session_branches', ['session_id'], unique=False)
    op.create_index('ix_session_branches_session_status', 'session_branches', ['session_id', 'status'], unique=False)
    op.create_table('session_messages',
    sa.Column('session_id', sa.UUID(), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('parent_id', sa.UUID(), nullable=True),
    sa.Column('branch_id', sa.UUID(), nullable=False),
    sa.Column('reply_to_id', sa.UUID(), nullable=True),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('author_id', sa.UUID(), nullable=True),
    sa.Column('attachments', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('meta', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('input_tokens', sa.Integer(), nullable=False),
    sa.Column('output_tokens', sa.Integer(), nullable=False),
    sa.Column('cache_read_tokens', sa.Integer(), nullable=False),
    sa.Column('cache_write_tokens', sa.Integer(), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('user', 'assistant', 'system')", name=op.f('ck_session_messages_role')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_session_messages_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_session_messages_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['branch_id'], ['session_branches.id'], name=op.f('fk_session_messages_branch_id_session_branches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['parent_id'], ['session_messages.id'], name=op.f('fk_session_messages_parent_id_session_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reply_to_id'], ['session_messages.id'], name=op.f('fk_session_messages_reply_to_id_session_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['ai_sessions.id'], name=op.f('fk_session_messages_session_id_ai_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_messages'))
    )
    op.create_index(op.f('ix_session_messages_branch_id'), 'session_messages', ['branch_id'], unique=False)
    op.create_index(op.f('ix_session_messages_parent_id'), 'session_messages', ['parent_id'], unique=False)
    op.create_index(op.f('ix_session_messages_reply_to_id'), 'session_messages', ['reply_to_id'], unique=False)
    op.create_index('ix_session_messages_session_created', 'session_messages', ['session_id', 'created_at'], unique=False)
    op.create_table('ai_session_steps',
    sa.Column('session_id', sa.UUID(), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('branch_id', sa.UUID(), nullable=True),
    sa.Column('message_id', sa.UUID(), nullable=True),
    sa.Column('step_number', sa.Integer(), nullable=False),
    sa.Column('step_type', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('is_fork_point', sa.Boolean(), nullable=False),
    sa.Column('fork_point_id', sa.UUID(), nullable=True),
    sa.Column('provider', sa.String(length=30), nullable=False),
    sa.Column('model', sa.String(length=120), nullable=False),
    sa.Column('latency_ms', sa.Integer(), nullable=False),
    sa.Column('input_tokens', sa.Integer(), nullable=False),
    sa.Column('output_tokens', sa.Integer(), nullable=False),
    sa.Column('cache_read_tokens', sa.Integer(), nullable=False),
    sa.Column('cache_write_tokens', sa.Integer(), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("step_type IN ('question', 'action', 'script_generation', 'verification', 'info_request', 'note', 'intake_analysis', 'fork')", name=op.f('ck_ai_session_steps_step_type')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_ai_session_steps_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['branch_id'], ['session_branches.id'], name=op.f('fk_ai_session_steps_branch_id_session_branches'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['message_id'], ['session_messages.id'], name=op.f('fk_ai_session_steps_message_id_session_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['ai_sessions.id'], name=op.f('fk_ai_session_steps_session_id_ai_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ai_session_steps')),
    sa.UniqueConstraint('session_id', 'step_number', name=op.f('uq_ai_session_steps_session_id_step_number'))
    )
    op.create_index(op.f('ix_ai_session_steps_branch_id'), 'ai_session_steps', ['branch_id'], unique=False)
    op.create_index(op.f('ix_ai_session_steps_session_id'), 'ai_session_steps', ['session_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_ai_session_steps_session_id'), table_name='ai_session_steps')
    op.drop_index(op.f('ix_ai_session_steps_branch_id'), table_name='ai_session_steps')
    op.drop_table('ai_session_steps')
    op.drop_index('ix_session_messages_session_created', table_name='session_messages')
    op.drop_index(op.f('ix_session_messages_reply_to_id'), table_name='session_messages')
    op.drop_index(op.f('ix_session_messages_parent_id'), table_name='session_messages')
    op.drop_index(op.f('ix_session_messages_branch_id'), table_name='session_messages')
    op.drop_table('session_messages')
    op.drop_index('ix_session_branches_session_status', table_name='session_branches')
    op.drop_index(op.f('ix_session_branches_session_id'), table_name='session_branches')
    op.drop_table('session_branches')
    op.drop_index(op.f('ix_team_memberships_user_id'), table_name='team_memberships')
    op.drop_table('team_memberships')
    op.drop_index(op.f('ix_auth_tokens_user_id'), table_name='auth_tokens')
    op.drop_table('auth_tokens')
    op.drop_index(op.f('ix_ai_sessions_team_id'), table_name='ai_sessions')
    op.drop_index('ix_ai_sessions_owner', table_name='ai_sessions')
    op.drop_index('ix_ai_sessions_account_status', table_name='ai_sessions')
    op.drop_table('ai_sessions')
    op.drop_index(op.f('ix_users_account_id'), table_name='users')
    op.drop_table('users')
    op.drop_index(op.f('ix_teams_account_id'), table_name='teams')
    op.drop_table('teams')
    op.drop_index('ix_library_entries_search', table_name='library_entries', postgresql_using='gin')
    op.drop_index(op.f('ix_library_entries_account_id'), table_name='library_entries')
    op.drop_table('library_entries')
    op.drop_index('ix_login_attempts_ip_created', table_name='login_attempts')
    op.drop_index('ix_login_attempts_email_created', table_name='login_attempts')
    op.drop_table('login_attempts')
    op.drop_table('accounts')
