"""The organisation as a column; the sort keys' indexes carry what searches filter on.

A search sorted by a key of its own (``metadata_modified desc``, deep paging,
``title_string asc``) walks the key's index and keeps the entries its filters
admit. With CKAN's constant filters (site, state, capacity, type, permission
labels), the organisation (``owner_org``, the organisation pages' filter;
``organization``, the search page's facet) and ``index_id`` carried by the
index, a walk whose filters read only those reads the index alone (an
index-only scan once the table is vacuumed), not one heap page per entry it
passes. The keys and their order are those of migration 0003. The two
organisation columns get indexes of their own, carrying the same columns, so
that counting an organisation's entries reads no heap page either.

Revision ID: imwg_search_0011
Revises: imwg_search_0010
Create Date: 2026-11-27
"""

from alembic import op

revision = "imwg_search_0011"
down_revision = "imwg_search_0010"
branch_labels = None
depends_on = None

#: index: (column, direction) as migration 0003 created it
KEYS = {
    "imwg_search_package_modified_idx": ("sort_modified", "DESC NULLS LAST"),
    "imwg_search_package_created_idx": ("sort_created", "DESC NULLS LAST"),
    "imwg_search_package_title_idx": ("sort_title", "NULLS LAST"),
    "imwg_search_package_name_idx": ("sort_name", "NULLS LAST"),
}
#: model.SORT_INDEX_CARRIES when written
CARRIED = "index_id, site_id, state, capacity, dataset_type, labels, owner_org, organization"
CLASSES = "index_id, site_id, state, capacity, dataset_type, labels"
#: the organisation fields (single-valued strings): column = field
ORGANISATION = ("owner_org", "organization")


def _sort_indexes(carried: str) -> None:
    for name, (column, order) in KEYS.items():
        op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute(f'CREATE INDEX {name} ON imwg_search_package (({column} COLLATE "C") {order}){carried}')


def upgrade():
    for column in ORGANISATION:
        op.execute(f"ALTER TABLE imwg_search_package ADD COLUMN {column} text")
    # as the writer keeps a single value (the first of a list); the kept
    # counts' trigger (migration 0009) is off meanwhile: these are not class
    # columns, so no count changes, and it would aggregate the whole table twice
    op.execute("ALTER TABLE imwg_search_package DISABLE TRIGGER imwg_search_count_update")
    op.execute(
        "UPDATE imwg_search_package SET "
        + ", ".join(
            f"{c} = CASE jsonb_typeof(doc->'{c}') WHEN 'array' THEN doc->'{c}'->>0 ELSE doc->>'{c}' END"
            for c in ORGANISATION
        )
    )
    op.execute("ALTER TABLE imwg_search_package ENABLE TRIGGER imwg_search_count_update")
    for column in ORGANISATION:
        op.execute(
            f"CREATE INDEX imwg_search_package_{column}_idx ON imwg_search_package ({column}) INCLUDE ({CLASSES})"
        )
    _sort_indexes(f" INCLUDE ({CARRIED})")


def downgrade():
    _sort_indexes("")
    for column in ORGANISATION:
        op.execute(f"ALTER TABLE imwg_search_package DROP COLUMN {column}")
