"""A B-tree index for prefix searches on codes.

The trigram index answers "contains"; a code prefix ("mmr00") is cheaper
through a text_pattern_ops B-tree (folded names have one since 0001).

Revision ID: imwg_pcode_0004
Revises: imwg_pcode_0003
Create Date: 2026-11-21
"""

from alembic import op

revision = "imwg_pcode_0004"
down_revision = "imwg_pcode_0003"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE INDEX imwg_pcode_unit_code_prefix_idx ON imwg_pcode_unit (lower(pcode) text_pattern_ops)")


def downgrade():
    op.execute("DROP INDEX imwg_pcode_unit_code_prefix_idx")
