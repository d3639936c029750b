"""file uploads

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 06:51:37.476899
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('file_uploads',
    sa.Column('account_id', sa.UUID(), nullable=False),
    sa.Column('session_id', sa.UUID(), nullable=False),
    sa.Column('uploaded_by', sa.UUID(), nullable=True),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('detected_type', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('ai_description', sa.Text(), nullable=True),
    sa.Column('extracted_content', sa.Text(), nullable=True),
    sa.Column('content_summary', sa.Text(), nullable=True),
    sa.Column('description_data', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('uploaded_on_branch_id', sa.UUID(), nullable=True),
    sa.Column('uploaded_at_step_id', sa.UUID(), nullable=True),
    sa.Column('description_status', sa.String(length=20), nullable=False),
    sa.Column('description_error', sa.Text(), nullable=True),
    sa.Column('description_attempts', sa.Integer(), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("description_status IN ('pending', 'done', 'failed')", name=op.f('ck_file_uploads_description_status')),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_file_uploads_account_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['ai_sessions.id'], name=op.f('fk_file_uploads_session_id_ai_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_at_step_id'], ['ai_session_steps.id'], name=op.f('fk_file_uploads_uploaded_at_step_id_ai_session_steps'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['uploaded_by'], ['users.id'], name=op.f('fk_file_uploads_uploaded_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['uploaded_on_branch_id'], ['session_branches.id'], name=op.f('fk_file_uploads_uploaded_on_branch_id_session_branches'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_file_uploads')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_file_uploads_storage_key'))
    )
    op.create_index('ix_file_uploads_session_created', 'file_uploads', ['session_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_file_uploads_session_created', table_name='file_uploads')
    op.drop_table('file_uploads')
