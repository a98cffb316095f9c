"""The day's changes stored once (not once per follower), the digests' runs,
and the content each group of alike recipients shares.

Revision ID: imwg_notify_0003
Revises: imwg_notify_0002
Create Date: 2026-11-27
"""

from alembic import op

revision = "imwg_notify_0003"
down_revision = "imwg_notify_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE imwg_notify_change (
            id text PRIMARY KEY,
            key text NOT NULL UNIQUE,
            event text NOT NULL,
            package_id text NOT NULL,
            resource_id text,
            actor_id text,
            data jsonb NOT NULL,
            created timestamp without time zone NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX imwg_notify_change_created_idx ON imwg_notify_change (created)")
    op.execute(
        """
        CREATE TABLE imwg_notify_digest_run (
            digest text NOT NULL,
            key text NOT NULL,
            covered_until timestamp without time zone NOT NULL,
            PRIMARY KEY (digest, key)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE imwg_notify_digest_content (
            id text PRIMARY KEY,
            subject text NOT NULL,
            body text NOT NULL,
            html text,
            created timestamp without time zone NOT NULL
        )
        """
    )


def downgrade():
    op.execute("DROP TABLE imwg_notify_digest_content")
    op.execute("DROP TABLE imwg_notify_digest_run")
    op.execute("DROP TABLE imwg_notify_change")
