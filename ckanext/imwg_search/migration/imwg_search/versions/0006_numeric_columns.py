"""Numeric columns for the fields that function queries read.

ckanext-spatial's bounding-box search (``ext_bbox``) filters and ranks with
a Solr function over ``minx``, ``miny``, ``maxx`` and ``maxy`` of every
dataset. Read from ``doc``, each reference de-TOASTs the whole stored
document of every row; kept inline as float8 they cost a column read. A
missing or non-numeric value is NULL, which the function reads as 0, as
Solr does.

Revision ID: imwg_search_0006
Revises: imwg_search_0005
Create Date: 2026-11-27
"""

from alembic import op

revision = "imwg_search_0006"
down_revision = "imwg_search_0005"
branch_labels = None
depends_on = None

# model.NUMBER_COLUMNS when written: field -> column
COLUMNS = {"minx": "num_minx", "miny": "num_miny", "maxx": "num_maxx", "maxy": "num_maxy", "bbox_area": "num_bbox_area"}
NUMBER = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"


def upgrade():
    for column in COLUMNS.values():
        op.execute(f"ALTER TABLE imwg_search_package ADD COLUMN {column} float8")
    assignments = ", ".join(
        f"{column} = CASE WHEN jsonb_typeof(doc->'{field}') = 'number' THEN CAST(doc->'{field}' AS float8) "
        f"WHEN jsonb_typeof(doc->'{field}') = 'string' AND (doc->>'{field}') ~ '{NUMBER}' "
        f"THEN CAST(doc->>'{field}' AS float8) END"
        for field, column in COLUMNS.items()
    )
    op.execute(
        f"UPDATE imwg_search_package SET {assignments} WHERE doc ?| ARRAY[{', '.join(repr(f) for f in COLUMNS)}]"
    )


def downgrade():
    for column in COLUMNS.values():
        op.execute(f"ALTER TABLE imwg_search_package DROP COLUMN {column}")
