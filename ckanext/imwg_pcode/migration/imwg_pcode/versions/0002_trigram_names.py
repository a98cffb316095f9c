"""Trigram index on folded names and codes, for "contains" searches.

pg_trgm is a trusted extension: the database owner may create it.

Revision ID: imwg_pcode_0002
Revises: imwg_pcode_0001
Create Date: 2026-11-21
"""

from alembic import op

revision = "imwg_pcode_0002"
down_revision = "imwg_pcode_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX imwg_pcode_name_trgm_idx ON imwg_pcode_name USING gin (folded gin_trgm_ops)")
    op.execute("CREATE INDEX imwg_pcode_unit_code_trgm_idx ON imwg_pcode_unit USING gin (lower(pcode) gin_trgm_ops)")


def downgrade():
    op.execute("DROP INDEX imwg_pcode_name_trgm_idx")
    op.execute("DROP INDEX imwg_pcode_unit_code_trgm_idx")
