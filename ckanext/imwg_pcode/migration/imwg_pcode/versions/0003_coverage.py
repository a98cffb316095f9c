"""Coverage of the data itself: the P-codes found in each resource's file.

Revision ID: imwg_pcode_0003
Revises: imwg_pcode_0002
Create Date: 2026-11-21
"""

from alembic import op

revision = "imwg_pcode_0003"
down_revision = "imwg_pcode_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE imwg_pcode_coverage (
            resource_id text PRIMARY KEY,
            package_id text NOT NULL,
            checked_at timestamp without time zone NOT NULL,
            status text NOT NULL,
            message text,
            result jsonb NOT NULL DEFAULT '{}'::jsonb
        )
        """
    )
    op.execute("CREATE INDEX imwg_pcode_coverage_package_idx ON imwg_pcode_coverage (package_id)")


def downgrade():
    op.execute("DROP TABLE imwg_pcode_coverage")
