"""Facet values for entries indexed before facet values existed.

Revision 0002 added ``fids`` and the facet-value dictionary without filling
them for entries already in the index, so their facets counted nothing until
a rebuild. This fills both from each entry's ``terms``.

Revision ID: imwg_search_0005
Revises: imwg_search_0004
Create Date: 2026-11-21
"""

from alembic import op

revision = "imwg_search_0005"
down_revision = "imwg_search_0004"
branch_labels = None
depends_on = None

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


def upgrade():
    op.execute(
        "INSERT INTO imwg_search_facet_value (hash, field, value) "
        "SELECT DISTINCT hashtextextended(t, 0), split_part(t, chr(31), 1), substr(t, strpos(t, chr(31)) + 1) "
        f"FROM imwg_search_package, unnest(terms) AS t WHERE cardinality(fids) = 0 AND {FACETED} "
        "ON CONFLICT (hash) DO NOTHING"
    )
    op.execute(
        "UPDATE imwg_search_package SET fids = ARRAY("
        f"SELECT hashtextextended(t, 0) FROM unnest(terms) AS t WHERE {FACETED}) "
        "WHERE cardinality(fids) = 0"
    )


def downgrade():
    pass
