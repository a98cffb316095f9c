"""The imports of mine-action exports: one row per run, with its report.

Revision ID: imwg_imsma_0001
Revises:
Create Date: 2026-11-27
"""

from alembic import op

revision = "imwg_imsma_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE imwg_imsma_import (
            id text PRIMARY KEY,
            package_id text NOT NULL,
            user_id text,
            filename text NOT NULL,
            status text NOT NULL,
            report jsonb NOT NULL DEFAULT '{}',
            created timestamp NOT NULL,
            finished timestamp,
            CONSTRAINT imwg_imsma_import_status CHECK (status IN ('running', 'done', 'failed'))
        );
        CREATE INDEX imwg_imsma_import_package ON imwg_imsma_import (package_id, created DESC);
        """
    )


def downgrade():
    op.execute("DROP TABLE imwg_imsma_import")
