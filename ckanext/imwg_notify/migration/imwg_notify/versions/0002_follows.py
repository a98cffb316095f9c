"""Places followed by users (CKAN's follow model has datasets, groups and users only).

Revision ID: imwg_notify_0002
Revises: imwg_notify_0001
Create Date: 2026-11-26
"""

from alembic import op

revision = "imwg_notify_0002"
down_revision = "imwg_notify_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE imwg_notify_place_follow (
            user_id text NOT NULL,
            pcode text NOT NULL,
            created timestamp without time zone NOT NULL,
            PRIMARY KEY (user_id, pcode)
        )
        """
    )
    # the followers of a dataset's places and their ancestors: one index scan
    op.execute("CREATE INDEX imwg_notify_place_follow_pcode_idx ON imwg_notify_place_follow (pcode, user_id)")


def downgrade():
    op.execute("DROP TABLE imwg_notify_place_follow")
