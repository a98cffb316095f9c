"""An index of the entries' bounding boxes.

ckanext-spatial's bounding-box filter (``ext_bbox``) is a function of each
entry's corners; evaluated over every visible entry it reads the whole heap.
The entries it admits all overlap the searched box (``sql.overlap_box``), so
a GiST index of each entry's box (the corners as the function reads them, a
missing one as 0, clamped to +-1e100) finds the candidates; it carries the columns the filter,
CKAN's constant filters and the default sort read, so that they are read
from the index alone.

Revision ID: imwg_search_0010
Revises: imwg_search_0009
Create Date: 2026-11-27
"""

from alembic import op

revision = "imwg_search_0010"
down_revision = "imwg_search_0009"
branch_labels = None
depends_on = None

# sql.BOX_SQL when written (without the table's alias): the corners as the
# function reads them (a missing one as 0), clamped to +-1e100, as the index
# computes areas of boxes, which may not overflow a float8
CORNER = "LEAST(GREATEST(COALESCE({}, 0), CAST(-1e+100 AS float8)), CAST(1e+100 AS float8))"
BOX = "box(point({}, {}), point({}, {}))".format(*map(CORNER.format, ("num_minx", "num_miny", "num_maxx", "num_maxy")))
CARRIED = (
    "num_minx, num_miny, num_maxx, num_maxy, site_id, state, capacity, dataset_type, labels, sort_modified, index_id"
)


def upgrade():
    op.execute(
        f"CREATE INDEX imwg_search_package_box_idx ON imwg_search_package USING gist (({BOX})) INCLUDE ({CARRIED})"
    )


def downgrade():
    op.execute("DROP INDEX imwg_search_package_box_idx")
