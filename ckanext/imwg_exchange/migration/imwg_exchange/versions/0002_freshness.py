"""Freshness: when each dataset's data last changed, its confirmations and status.

Revision ID: imwg_exchange_0002
Revises: imwg_exchange_0001
Create Date: 2026-11-26
"""

from alembic import op

revision = "imwg_exchange_0002"
down_revision = "imwg_exchange_0001"
branch_labels = None
depends_on = None


def upgrade():
    # one row per dataset: the last change of its data (resources added,
    # replaced or deleted), a digest of its resources that tells a data change
    # from a metadata edit, the last "still current" confirmation and the
    # status last computed (the one its index entry carries)
    op.execute(
        """
        CREATE TABLE imwg_exchange_freshness (
            package_id text PRIMARY KEY REFERENCES package (id) ON DELETE CASCADE,
            data_changed_at timestamp without time zone NOT NULL,
            resources_digest text NOT NULL,
            confirmed_at timestamp without time zone,
            confirmed_by text,
            status text NOT NULL,
            computed_at timestamp without time zone NOT NULL,
            CHECK (status IN ('fresh', 'due', 'overdue', 'delinquent', 'archived', 'never'))
        )
        """
    )
    op.execute("CREATE INDEX imwg_exchange_freshness_status_idx ON imwg_exchange_freshness (status)")
    # what happened to a dataset's freshness: a "still current" confirmation
    # (who, when: the audit) or a change of status (for the notifications,
    # which mark the rows they have told)
    op.execute(
        """
        CREATE TABLE imwg_exchange_freshness_event (
            id bigserial PRIMARY KEY,
            package_id text NOT NULL,
            at timestamp without time zone NOT NULL,
            kind text NOT NULL,
            user_id text,
            old_status text,
            new_status text,
            notified_at timestamp without time zone,
            CHECK (kind IN ('still_current', 'status'))
        )
        """
    )
    op.execute(
        "CREATE INDEX imwg_exchange_freshness_event_package_idx ON imwg_exchange_freshness_event (package_id, at)"
    )
    op.execute(
        "CREATE INDEX imwg_exchange_freshness_event_pending_idx ON imwg_exchange_freshness_event (at)"
        " WHERE kind = 'status' AND notified_at IS NULL"
    )


def downgrade():
    op.execute("DROP TABLE IF EXISTS imwg_exchange_freshness_event")
    op.execute("DROP TABLE IF EXISTS imwg_exchange_freshness")
