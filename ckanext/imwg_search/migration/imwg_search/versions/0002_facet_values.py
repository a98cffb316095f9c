"""Dictionary-encoded facet values.

Revision ID: imwg_search_0002
Revises: imwg_search_0001
Create Date: 2026-11-21
"""

from alembic import op

revision = "imwg_search_0002"
down_revision = "imwg_search_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        ALTER TABLE imwg_search_package ADD COLUMN fids bigint[] NOT NULL DEFAULT '{}';
        CREATE TABLE imwg_search_facet_value (
            hash bigint PRIMARY KEY,
            field text NOT NULL,
            value text NOT NULL
        );
        """
    )


def downgrade():
    op.execute(
        """
        DROP TABLE imwg_search_facet_value;
        ALTER TABLE imwg_search_package DROP COLUMN fids;
        """
    )
