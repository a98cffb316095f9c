"""Numeric columns for the fields that function queries read.

ckanext-spatial's bounding-box search (``ext_bbox``) filters and ranks with
a Solr function over ``minx``, ``miny``, ``maxx`` and ``maxy`` of every
dataset. Read from ``doc``, each reference de-TOASTs the whole stored
document of every row; kept inline as float8 they cost a column read. A
missing or non-numeric value is NULL, which the function reads as 0, as
Solr does; so is a number a float8 cannot hold ('1e999', '1e-400'), and a
text longer than 1000 characters.

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
# a number written as text, its exponent of at most three digits (numeric's
# input takes it, whatever the digits); a longer one is beyond float8 anyway
NUMBER = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?0*[0-9]{1,3})?\s*$"
# float8's largest and smallest normal magnitudes
FLOAT8_MAX = "1.7976931348623157e308"
FLOAT8_MIN = "2.2250738585072014e-308"


def _float8(field: str) -> str:
    """The value of ``doc->field`` as float8, or NULL: the cast goes through
    numeric (exact, and it takes any exponent the pattern lets through) and
    happens only within float8's range, so that no value stops the
    migration."""
    value = f"CAST(doc->>'{field}' AS numeric)"
    return (
        f"CASE WHEN jsonb_typeof(doc->'{field}') = 'number' "
        f"OR (jsonb_typeof(doc->'{field}') = 'string' AND length(doc->>'{field}') <= 1000 "
        f"AND (doc->>'{field}') ~ '{NUMBER}') "
        f"THEN CASE WHEN {value} = 0 OR abs({value}) BETWEEN {FLOAT8_MIN} AND {FLOAT8_MAX} "
        f"THEN CAST({value} AS float8) END END"
    )


def upgrade():
    for column in COLUMNS.values():
        op.execute(f"ALTER TABLE imwg_search_package ADD COLUMN {column} float8")
    assignments = ", ".join(f"{column} = {_float8(field)}" for field, column in COLUMNS.items())
    op.execute(
        f"UPDATE imwg_search_package SET {assignments} WHERE doc ?| ARRAY[{', '.join(repr(f) for f in COLUMNS)}]"
    )


def downgrade():
    for column in COLUMNS.values():
        op.execute(f"ALTER TABLE imwg_search_package DROP COLUMN {column}")
