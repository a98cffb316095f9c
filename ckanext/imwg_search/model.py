"""The index table, declared on CKAN's metadata.

Its schema comes from this plugin's migrations; declaring it here lets CKAN
see it (``ckan db clean``, the test suite's ``reset_db``, which empties every
table it knows of).
"""

from __future__ import annotations

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR

package_index = sa.Table(
    "imwg_search_package",
    tk.BaseModel.metadata,
    sa.Column("index_id", sa.UnicodeText, primary_key=True),
    sa.Column("id", sa.UnicodeText, nullable=False, index=True),
    sa.Column("site_id", sa.UnicodeText, nullable=False),
    sa.Column("doc", JSONB, nullable=False),
    sa.Column("terms", ARRAY(sa.UnicodeText), nullable=False),
    sa.Column("fts", TSVECTOR, nullable=False),
    sa.Column("ftext", JSONB, nullable=False),
    sa.Column("data_dict", sa.UnicodeText),
    sa.Column("validated_data_dict", sa.UnicodeText),
    sa.Column("indexed_at", sa.DateTime, nullable=False),
    sa.Column("fids", ARRAY(sa.BigInteger), nullable=False),
    sa.Column("labels", ARRAY(sa.UnicodeText), nullable=False),
    *(
        sa.Column(name, sa.UnicodeText)
        for name in (
            "state",
            "capacity",
            "dataset_type",
            "sort_modified",
            "sort_created",
            "sort_title",
            "sort_name",
            "owner_org",
            "organization",
        )
    ),
    *(sa.Column(name, sa.Float) for name in ("num_minx", "num_miny", "num_maxx", "num_maxy", "num_bbox_area")),
)

#: Single-valued fields kept in their own inline column (filters CKAN adds to
#: every query, common sort keys, the organisation a page or facet filters on):
#: field -> column.
NARROW_COLUMNS = {
    "state": "state",
    "capacity": "capacity",
    "dataset_type": "dataset_type",
    "metadata_modified": "sort_modified",
    "metadata_created": "sort_created",
    "title_string": "sort_title",
    "name": "sort_name",
    "owner_org": "owner_org",
    "organization": "organization",
}
#: What the sort keys' indexes carry besides their key (migration 0011): a
#: walk along a key whose filters read only these columns reads the index alone.
SORT_INDEX_CARRIES = frozenset(
    ("index_id", "site_id", "state", "capacity", "dataset_type", "labels", "owner_org", "organization")
)
#: Numeric fields that function queries read (ckanext-spatial's bounding-box
#: search), kept inline as float8: field -> column. NULL when the document has
#: no number there (a function reads that as 0, as Solr does).
NUMBER_COLUMNS = {
    "minx": "num_minx",
    "miny": "num_miny",
    "maxx": "num_maxx",
    "maxy": "num_maxy",
    "bbox_area": "num_bbox_area",
}
#: Fields a filter can compare on a column of their own.
FILTER_COLUMNS = {**NARROW_COLUMNS, "site_id": "site_id", "id": "id"}
#: The multi-valued field kept in its own column.
LABELS_FIELD = "permission_labels"

#: Facet values by their 64-bit hash (``sql.facet_hash``: 16 bits of the
#: field's ``hashtextextended``, 48 of ``field\x1fvalue``'s):
#: facets are counted over ``imwg_search_package.fids`` and named from here.
#: Append-only: a value whose datasets are gone is harmless.
facet_value = sa.Table(
    "imwg_search_facet_value",
    tk.BaseModel.metadata,
    sa.Column("hash", sa.BigInteger, primary_key=True),
    sa.Column("field", sa.UnicodeText, nullable=False),
    sa.Column("value", sa.UnicodeText, nullable=False),
)
