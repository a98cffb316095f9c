"""The stored HXL profiles of resources.

Revision ID: imwg_hxl_0001
Revises:
Create Date: 2026-11-21
"""

from alembic import op

revision = "imwg_hxl_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE imwg_hxl_profile (
            resource_id text PRIMARY KEY,
            package_id text NOT NULL,
            file_key text NOT NULL,
            checked timestamp without time zone NOT NULL,
            status text NOT NULL,
            message text,
            hashtags text[] NOT NULL DEFAULT '{}',
            result jsonb NOT NULL DEFAULT '{}'
        );
        CREATE INDEX imwg_hxl_profile_package ON imwg_hxl_profile (package_id);
        """
    )


def downgrade():
    op.execute("DROP TABLE imwg_hxl_profile")
