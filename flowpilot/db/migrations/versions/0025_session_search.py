"""Session search across the client, contact, device, ticket and conversation; a client filter

Two IMMUTABLE SQL functions give the session's client and its "who" text (client, site,
contact, device, ticket number) from the intake; indexes on them serve `q=` (trigram) and
`client=` (prefix, case-insensitive); a trigram index on message text per account (btree_gin)
and the account's messages by time serve the search through the conversation.

Revision ID: 0025
Revises: 0024
"""
from alembic import op


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

# Plain SQL-language functions (no SET clauses) so the planner inlines them: the indexes'
# expressions and the queries' expressions then match.
CLIENT_FUNCTION = """
CREATE OR REPLACE FUNCTION flowpilot_session_client(intake jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        nullif(btrim(intake -> 'psa_ticket' ->> 'company'), ''),
        nullif(btrim(intake ->> 'client'), ''),
        nullif(btrim(intake ->> 'company'), '')
    )
$$
"""
# One line per field (a quoted phrase never matches across two fields).
WHO_FUNCTION = """
CREATE OR REPLACE FUNCTION flowpilot_session_who(intake jsonb, ticket text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(intake ->> 'client', '') || E'\\n'
        || coalesce(intake ->> 'company', '') || E'\\n'
        || coalesce(intake ->> 'site', '') || E'\\n'
        || coalesce(intake ->> 'contact', '') || E'\\n'
        || coalesce(intake ->> 'contact_name', '') || E'\\n'
        || coalesce(intake ->> 'contact_email', '') || E'\\n'
        || coalesce(intake ->> 'device', '') || E'\\n'
        || coalesce(intake ->> 'asset', '') || E'\\n'
        || coalesce(intake ->> 'hostname', '') || E'\\n'
        || coalesce(intake -> 'psa_ticket' ->> 'company', '') || E'\\n'
        || coalesce(intake -> 'psa_ticket' ->> 'contact', '') || E'\\n'
        || coalesce(intake -> 'psa_ticket' ->> 'contact_email', '') || E'\\n'
        || coalesce('#' || ticket, '')
$$
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(CLIENT_FUNCTION)
    op.execute(WHO_FUNCTION)
    op.execute(
        "CREATE INDEX ix_ai_sessions_who_trgm ON ai_sessions"
        " USING gin (flowpilot_session_who(intake, psa_ticket_id) gin_trgm_ops)"
    )
    op.execute(
        "CREATE INDEX ix_ai_sessions_account_client ON ai_sessions"
        " (account_id, lower(flowpilot_session_client(intake)) text_pattern_ops)"
    )
    # Message text per account (btree_gin puts the account in the same GIN index, so a
    # term is looked up among the account's messages only) …
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.execute(
        "CREATE INDEX ix_session_messages_account_content_trgm ON session_messages"
        " USING gin (account_id, content gin_trgm_ops)"
    )
    # … and the account's messages newest first, for a term in very many of them.
    op.execute(
        "CREATE INDEX ix_session_messages_account_created ON session_messages"
        " (account_id, created_at)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_session_messages_account_created")
    op.execute("DROP INDEX ix_session_messages_account_content_trgm")
    op.execute("DROP INDEX ix_ai_sessions_account_client")
    op.execute("DROP INDEX ix_ai_sessions_who_trgm")
    op.execute("DROP FUNCTION flowpilot_session_who(jsonb, text)")
    op.execute("DROP FUNCTION flowpilot_session_client(jsonb)")
