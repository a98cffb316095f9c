"""The outbox: messages owed to users or addresses, users' preferences and languages.

Revision ID: imwg_notify_0001
Revises:
Create Date: 2026-11-26
"""

from alembic import op

revision = "imwg_notify_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # ``recipient`` is the user's id or, for an address that is not an account,
    # ``mailto:<address>``: one column makes (recipient, key) unique, which is
    # what makes a sender's second call with the same key store nothing.
    # ``batch``: the digest message that carries a held one.
    op.execute(
        """
        CREATE TABLE imwg_notify_message (
            id text PRIMARY KEY,
            recipient text NOT NULL,
            user_id text,
            email text,
            kind text NOT NULL,
            key text NOT NULL,
            template text NOT NULL,
            data jsonb NOT NULL DEFAULT '{}',
            package_id text,
            status text NOT NULL,
            digest text,
            batch text,
            attempts integer NOT NULL DEFAULT 0,
            next_attempt timestamp,
            last_error text,
            created timestamp NOT NULL,
            sent_at timestamp,
            CONSTRAINT imwg_notify_message_recipient_key UNIQUE (recipient, key),
            CONSTRAINT imwg_notify_message_status CHECK (
                status IN ('queued', 'held', 'sent', 'failed', 'withheld')),
            CONSTRAINT imwg_notify_message_digest CHECK (digest IN ('daily', 'weekly'))
        );
        CREATE INDEX imwg_notify_message_due ON imwg_notify_message (next_attempt)
            WHERE status = 'queued';
        CREATE INDEX imwg_notify_message_held ON imwg_notify_message (user_id, digest)
            WHERE status = 'held' AND batch IS NULL;
        CREATE INDEX imwg_notify_message_batch ON imwg_notify_message (batch)
            WHERE batch IS NOT NULL;
        CREATE TABLE imwg_notify_preference (
            user_id text NOT NULL,
            kind text NOT NULL,
            frequency text NOT NULL,
            modified timestamp NOT NULL,
            PRIMARY KEY (user_id, kind),
            CONSTRAINT imwg_notify_preference_frequency CHECK (
                frequency IN ('immediate', 'daily', 'weekly', 'none'))
        );
        CREATE TABLE imwg_notify_locale (
            user_id text PRIMARY KEY,
            locale text NOT NULL,
            modified timestamp NOT NULL
        );
        """
    )


def downgrade():
    op.execute("DROP TABLE imwg_notify_locale; DROP TABLE imwg_notify_preference; DROP TABLE imwg_notify_message")
