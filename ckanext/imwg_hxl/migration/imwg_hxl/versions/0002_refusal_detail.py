"""The full reason a link's file was refused, apart from the message shown to all.

A refusal names the host or the address of the link ("the address 10.0.0.5
is a private address"), which only those who get the data may read. Stored
refusals move to ``detail``; their message is left empty, and previews say
that the file was not fetched without saying where it is.

Revision ID: imwg_hxl_0002
Revises: imwg_hxl_0001
Create Date: 2026-11-26
"""

from alembic import op

revision = "imwg_hxl_0002"
down_revision = "imwg_hxl_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        ALTER TABLE imwg_hxl_profile ADD COLUMN detail text;
        UPDATE imwg_hxl_profile SET detail = message, message = NULL WHERE status = 'refused';
        """
    )


def downgrade():
    op.execute(
        """
        UPDATE imwg_hxl_profile SET message = detail WHERE status = 'refused' AND message IS NULL;
        ALTER TABLE imwg_hxl_profile DROP COLUMN detail;
        """
    )
