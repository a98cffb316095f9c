"""The imports' last sign of life (queued, started, progress, end): an
import still running is failed by how long it has been silent, not by how
long ago it was queued.

Revision ID: imwg_imsma_0002
Revises: imwg_imsma_0001
Create Date: 2026-11-27
"""

from alembic import op

revision = "imwg_imsma_0002"
down_revision = "imwg_imsma_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        ALTER TABLE imwg_imsma_import ADD COLUMN updated timestamp;
        UPDATE imwg_imsma_import SET updated = coalesce(finished, created);
        ALTER TABLE imwg_imsma_import ALTER COLUMN updated SET NOT NULL;
        """
    )


def downgrade():
    op.execute("ALTER TABLE imwg_imsma_import DROP COLUMN updated")
