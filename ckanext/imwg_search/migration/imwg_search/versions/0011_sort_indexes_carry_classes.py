"""The sort keys' indexes carry what every search filters on.

A search sorted by a key of its own (``metadata_modified desc``, deep paging,
``title_string asc``) walks the key's index and keeps the entries CKAN's
constant filters admit (site, state, capacity, type, permission labels): with
those columns and ``index_id`` carried by the index, the walk reads the index
alone (an index-only scan once the table is vacuumed), not one heap page per
entry it passes. The keys and their order are those of migration 0003.

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
CARRIED = "index_id, site_id, state, capacity, dataset_type, labels"


def _create(carried: str) -> None:
    for name, (column, order) in KEYS.items():
        op.execute(f"DROP INDEX IF EXISTS {name}")
        op.execute(f'CREATE INDEX {name} ON imwg_search_package (({column} COLLATE "C") {order}){carried}')


def upgrade():
    _create(f" INCLUDE ({CARRIED})")


def downgrade():
    _create("")
