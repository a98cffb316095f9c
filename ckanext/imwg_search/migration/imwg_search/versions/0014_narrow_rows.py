"""Entries' rows hold their narrow columns only.

PostgreSQL compresses a row's large values and moves them out of it
(TOAST) when the row passes about 2 kB, until it fits in about 2 kB. An
entry's row kept about 1.9 kB in it: the narrow columns (visibility class,
sort keys, corners, facet values' hashes) and part of its wide ones (stored
fields, text), so the searches that read narrow columns only (counting text
matches through the text index, the facets' pass over the matches' hashes,
the P-code roll-up) read two heap pages where one would do. Such rows (every
entry with a description: its stored fields alone pass 2 kB) are now made to
fit in 1 kB: the wide values are compressed and moved out, largest first,
and the facet values' hashes are kept in the row (``STORAGE MAIN``: out only
when the row does not fit a page). A row under 2 kB in all stays as it is.

The entries written before are rewritten (``VACUUM FULL``: the table is
locked while it runs, about 10 s per 50,000 entries) and vacuumed, so that
the index-only scans of the sort keys' indexes stay index-only. Downgrading
restores the defaults; rows keep their shape until written again.

Revision ID: imwg_search_0014
Revises: imwg_search_0013
Create Date: 2026-11-28
"""

from alembic import op

revision = "imwg_search_0014"
down_revision = "imwg_search_0013"
branch_labels = None
depends_on = None

TABLE = "imwg_search_package"
#: the row size the wide values are moved out until, in bytes
ROW_TARGET = 1024


def _rewrite() -> None:
    """Rewrite the table's rows to the new shape and vacuum them (outside a transaction)."""
    with op.get_context().autocommit_block():
        op.execute(f"VACUUM FULL {TABLE}")
        op.execute(f"VACUUM (ANALYZE) {TABLE}")


def upgrade():
    op.execute(f"ALTER TABLE {TABLE} SET (toast_tuple_target = {ROW_TARGET})")
    op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN fids SET STORAGE MAIN")
    _rewrite()


def downgrade():
    op.execute(f"ALTER TABLE {TABLE} RESET (toast_tuple_target)")
    op.execute(f"ALTER TABLE {TABLE} ALTER COLUMN fids SET STORAGE EXTENDED")
