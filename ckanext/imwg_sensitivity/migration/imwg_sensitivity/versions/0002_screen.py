"""The personal-data screen of uploaded files.

Revision ID: imwg_sensitivity_0002
Revises: imwg_sensitivity_0001
Create Date: 2026-11-21
"""

from alembic import op

revision = "imwg_sensitivity_0002"
down_revision = "imwg_sensitivity_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE imwg_sensitivity_screen (
            resource_id text PRIMARY KEY,
            package_id text NOT NULL,
            file_key text NOT NULL,
            screened timestamp without time zone NOT NULL,
            status text NOT NULL,
            message text,
            findings jsonb NOT NULL DEFAULT '[]',
            suggested text NOT NULL,
            confirmed timestamp without time zone,
            confirmed_by text
        );
        CREATE INDEX imwg_sensitivity_screen_package ON imwg_sensitivity_screen (package_id);
        """
    )


def downgrade():
    op.execute("DROP TABLE imwg_sensitivity_screen")
