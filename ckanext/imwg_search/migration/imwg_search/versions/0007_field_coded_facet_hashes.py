"""Facet hashes that carry their field.

A dataset's ``fids`` hold the hashes of all its faceted values (tags,
formats, places at every level, extras...), about 45 of them; the six facets
of a search page need a quarter of those. The top 16 bits of a hash are now
its field's (``sql.facet_hash``), so counting drops the other fields' values
before grouping, without reading the names. Existing entries and the names
are hashed again.

Revision ID: imwg_search_0007
Revises: imwg_search_0006
Create Date: 2026-11-27
"""

from alembic import op

revision = "imwg_search_0007"
down_revision = "imwg_search_0006"
branch_labels = None
depends_on = None

# sql.facet_hash when written
NEW = "((hashtextextended(split_part(t, chr(31), 1), 0) << 48) | (hashtextextended(t, 0) & 281474976710655))"
OLD = "hashtextextended(t, 0)"
# the string fields not counted as facets (writer.NOT_FACETED when written)
NOT_FACETED = (
    "id",
    "index_id",
    "name",
    "site_id",
    "entity_type",
    "title_string",
    "url",
    "res_url",
    "ckan_url",
    "download_url",
    "revision_id",
    "creator_user_id",
    "permission_labels",
)
FACETED = "split_part(t, chr(31), 1) NOT IN (" + ", ".join(f"'{f}'" for f in NOT_FACETED) + ")"


def _rehash(expr: str) -> None:
    # dropped at the end: an upgrade and a downgrade may share a connection
    # (and a transaction, so ON COMMIT DROP would be too late)
    op.execute(
        """
        CREATE TEMPORARY TABLE imwg_search_facet_names ON COMMIT DROP AS
            SELECT field || chr(31) || value AS t FROM imwg_search_facet_value;
        TRUNCATE imwg_search_facet_value;
        """
    )
    op.execute(
        f"INSERT INTO imwg_search_facet_value (hash, field, value) "
        f"SELECT DISTINCT {expr}, split_part(t, chr(31), 1), substr(t, strpos(t, chr(31)) + 1) "
        f"FROM imwg_search_facet_names ON CONFLICT (hash) DO NOTHING"
    )
    op.execute(f"UPDATE imwg_search_package SET fids = ARRAY(SELECT {expr} FROM unnest(terms) AS t WHERE {FACETED})")
    op.execute("DROP TABLE imwg_search_facet_names")


def upgrade():
    _rehash(NEW)


def downgrade():
    _rehash(OLD)
