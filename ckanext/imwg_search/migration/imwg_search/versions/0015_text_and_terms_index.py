"""One index for the text and the terms.

A search with free text and a facet filter (``q`` + ``fq``) matches the
text vector and the term array. With an index on each, the planner charges
every condition of a bitmap scan whichever index answers it, so it takes
the filter's index alone and matches the text on each row, reading the
row's text vector from TOAST. One GIN index over both columns answers both
conditions in one scan, exactly, so the rows are read for their narrow
columns only; it serves a text match or a term filter alone as the two
indexes did (a multicolumn GIN index keys each value by its column), at
their size together. The index is built in the migration's transaction:
writes to the index table wait for it (about 10 s per 50,000 entries).

Revision ID: imwg_search_0015
Revises: imwg_search_0014
Create Date: 2026-11-28
"""

from alembic import op

revision = "imwg_search_0015"
down_revision = "imwg_search_0014"
branch_labels = None
depends_on = None

TABLE = "imwg_search_package"
#: memory for building the index (the session's, this transaction only)
BUILD_MEMORY = "256MB"


def upgrade():
    op.execute(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'")
    op.execute(f"CREATE INDEX imwg_search_package_text_terms_idx ON {TABLE} USING gin (fts, terms)")
    op.execute("DROP INDEX imwg_search_package_fts_idx")
    op.execute("DROP INDEX imwg_search_package_terms_idx")


def downgrade():
    op.execute(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'")
    op.execute(f"CREATE INDEX imwg_search_package_terms_idx ON {TABLE} USING gin (terms)")
    op.execute(f"CREATE INDEX imwg_search_package_fts_idx ON {TABLE} USING gin (fts)")
    op.execute("DROP INDEX imwg_search_package_text_terms_idx")
