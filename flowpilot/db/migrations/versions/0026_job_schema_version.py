"""record the job queue's schema version (procrastinate)

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-29 08:00:00
"""
from alembic import op

from flowpilot.jobs.schema import VERSION_TABLE, installed_version

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # 0001 created the schema of the procrastinate installed then: the pinned version (see
    # flowpilot/jobs/schema.py). A later pin adds a revision that calls upgrade_job_schema().
    op.execute(f"CREATE TABLE {VERSION_TABLE} (version text NOT NULL)")
    op.execute(f"INSERT INTO {VERSION_TABLE} (version) VALUES ('{installed_version()}')")


def downgrade() -> None:
    op.execute(f"DROP TABLE {VERSION_TABLE}")
