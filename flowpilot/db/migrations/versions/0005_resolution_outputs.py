"""resolution outputs

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 07:17:44.289755
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('session_resolution_outputs',
    sa.Column('session_id', sa.UUID(), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('output_type', sa.String(length=30), nullable=False),
    sa.Column('generated_content', sa.Text(), nullable=False),
    sa.Column('structured_data', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('edited_content', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('pushed_to', sa.String(length=50), nullable=True),
    sa.Column('pushed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pushed_reference', sa.String(length=200), nullable=True),
    sa.Column('generated_by_model', sa.String(length=120), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("output_type IN ('psa_ticket_notes', 'knowledge_base', 'client_summary')", name=op.f('ck_session_resolution_outputs_output_type')),
    sa.CheckConstraint("status IN ('draft', 'approved', 'pushed', 'rejected')", name=op.f('ck_session_resolution_outputs_status')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_session_resolution_outputs_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['ai_sessions.id'], name=op.f('fk_session_resolution_outputs_session_id_ai_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_resolution_outputs')),
    sa.UniqueConstraint('session_id', 'output_type', name=op.f('uq_session_resolution_outputs_session_id_output_type'))
    )
    op.create_index(op.f('ix_session_resolution_outputs_session_id'), 'session_resolution_outputs', ['session_id'], unique=False)
    op.create_table('resolution_output_versions',
    sa.Column('output_id', sa.UUID(), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_resolution_output_versions_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['output_id'], ['session_resolution_outputs.id'], name=op.f('fk_resolution_output_versions_output_id_session_resolution_outputs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resolution_output_versions'))
    )
    op.create_index(op.f('ix_resolution_output_versions_output_id'), 'resolution_output_versions', ['output_id'], unique=False)
    op.create_table('resolution_push_log',
    sa.Column('output_id', sa.UUID(), nullable=False),
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('destination', sa.String(length=30), nullable=False),
    sa.Column('request_summary', sa.Text(), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_resolution_push_log_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['output_id'], ['session_resolution_outputs.id'], name=op.f('fk_resolution_push_log_output_id_session_resolution_outputs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resolution_push_log'))
    )
    op.create_index(op.f('ix_resolution_push_log_output_id'), 'resolution_push_log', ['output_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_resolution_push_log_output_id'), table_name='resolution_push_log')
    op.drop_table('resolution_push_log')
    op.drop_index(op.f('ix_resolution_output_versions_output_id'), table_name='resolution_output_versions')
    op.drop_table('resolution_output_versions')
    op.drop_index(op.f('ix_session_resolution_outputs_session_id'), table_name='session_resolution_outputs')
    op.drop_table('session_resolution_outputs')
