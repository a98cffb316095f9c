"""The data-needs register: needs, their history, answers, followers and notices.

Revision ID: imwg_exchange_0001
Revises:
Create Date: 2026-11-26
"""

from alembic import op

revision = "imwg_exchange_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # ``place_scope``: the need's places and all their ancestors (from the
    # gazetteer when there is one). A search for a place finds the needs of its
    # sub-units through it, and a dataset tagged with an ancestor of a need's
    # place matches the need through it; both are array overlaps on GIN indexes.
    op.execute(
        """
        CREATE TABLE imwg_exchange_need (
            id text PRIMARY KEY,
            title text NOT NULL,
            notes text NOT NULL DEFAULT '',
            sectors text[] NOT NULL,
            pcodes text[] NOT NULL DEFAULT '{}',
            place_scope text[] NOT NULL DEFAULT '{}',
            data_type text,
            reference_period_start date,
            reference_period_end date,
            sensitivity text,
            owner_org text NOT NULL,
            purpose text NOT NULL DEFAULT '',
            deadline date,
            status text NOT NULL,
            outcome text,
            fulfilled_by text[] NOT NULL DEFAULT '{}',
            creator_user_id text NOT NULL,
            created timestamp without time zone NOT NULL,
            modified timestamp without time zone NOT NULL,
            CHECK (status IN ('open', 'in_discussion', 'fulfilled', 'closed'))
        )
        """
    )
    op.execute("CREATE INDEX imwg_exchange_need_status_idx ON imwg_exchange_need (status, created)")
    op.execute("CREATE INDEX imwg_exchange_need_org_idx ON imwg_exchange_need (owner_org)")
    op.execute("CREATE INDEX imwg_exchange_need_sectors_idx ON imwg_exchange_need USING gin (sectors)")
    op.execute("CREATE INDEX imwg_exchange_need_pcodes_idx ON imwg_exchange_need USING gin (pcodes)")
    op.execute("CREATE INDEX imwg_exchange_need_scope_idx ON imwg_exchange_need USING gin (place_scope)")
    op.execute(
        """
        CREATE TABLE imwg_exchange_need_history (
            id bigserial PRIMARY KEY,
            need_id text NOT NULL REFERENCES imwg_exchange_need (id) ON DELETE CASCADE,
            at timestamp without time zone NOT NULL,
            user_id text NOT NULL,
            event text NOT NULL,
            status_from text,
            status_to text,
            detail jsonb NOT NULL DEFAULT '{}'::jsonb
        )
        """
    )
    op.execute("CREATE INDEX imwg_exchange_need_history_need_idx ON imwg_exchange_need_history (need_id, at)")
    op.execute(
        """
        CREATE TABLE imwg_exchange_need_answer (
            id text PRIMARY KEY,
            need_id text NOT NULL REFERENCES imwg_exchange_need (id) ON DELETE CASCADE,
            kind text NOT NULL,
            package_id text,
            text text NOT NULL DEFAULT '',
            user_id text NOT NULL,
            created timestamp without time zone NOT NULL,
            CHECK (kind IN ('dataset', 'plan', 'comment')),
            CHECK ((kind = 'dataset') = (package_id IS NOT NULL))
        )
        """
    )
    op.execute("CREATE INDEX imwg_exchange_need_answer_need_idx ON imwg_exchange_need_answer (need_id, created)")
    op.execute(
        """
        CREATE TABLE imwg_exchange_need_follower (
            need_id text NOT NULL REFERENCES imwg_exchange_need (id) ON DELETE CASCADE,
            user_id text NOT NULL,
            created timestamp without time zone NOT NULL,
            PRIMARY KEY (need_id, user_id)
        )
        """
    )
    op.execute("CREATE INDEX imwg_exchange_need_follower_user_idx ON imwg_exchange_need_follower (user_id)")
    # one notice per need, dataset and follower, ever: a dataset updated again
    # (or made visible to more people later) adds notices only for those not told yet
    op.execute(
        """
        CREATE TABLE imwg_exchange_need_notice (
            id bigserial PRIMARY KEY,
            need_id text NOT NULL REFERENCES imwg_exchange_need (id) ON DELETE CASCADE,
            package_id text NOT NULL,
            user_id text NOT NULL,
            created timestamp without time zone NOT NULL,
            seen timestamp without time zone,
            sent timestamp without time zone,
            UNIQUE (need_id, package_id, user_id)
        )
        """
    )
    op.execute("CREATE INDEX imwg_exchange_need_notice_user_idx ON imwg_exchange_need_notice (user_id, created)")


def downgrade():
    op.execute("DROP TABLE imwg_exchange_need_notice")
    op.execute("DROP TABLE imwg_exchange_need_follower")
    op.execute("DROP TABLE imwg_exchange_need_answer")
    op.execute("DROP TABLE imwg_exchange_need_history")
    op.execute("DROP TABLE imwg_exchange_need")
