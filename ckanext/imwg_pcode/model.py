"""Gazetteer tables (created by this plugin's migrations), declared on CKAN's metadata."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

unit_table = sa.Table(
    "imwg_pcode_unit",
    tk.BaseModel.metadata,
    sa.Column("pcode", sa.UnicodeText, primary_key=True),
    sa.Column("level", sa.SmallInteger, nullable=False),
    sa.Column("parent", sa.UnicodeText),
    sa.Column("country", sa.UnicodeText, nullable=False),
    sa.Column("name", sa.UnicodeText, nullable=False),
    sa.Column("valid_from", sa.UnicodeText),
    sa.Column("retired_at", sa.DateTime),
    sa.Column("version", sa.UnicodeText, nullable=False),
    sa.Column("geometry", JSONB),
    *(sa.Column(c, sa.Float) for c in ("minx", "miny", "maxx", "maxy")),
)

name_table = sa.Table(
    "imwg_pcode_name",
    tk.BaseModel.metadata,
    sa.Column("pcode", sa.UnicodeText, sa.ForeignKey("imwg_pcode_unit.pcode", ondelete="CASCADE"), primary_key=True),
    sa.Column("lang", sa.UnicodeText, primary_key=True),
    sa.Column("name", sa.UnicodeText, nullable=False),
    sa.Column("folded", sa.UnicodeText, nullable=False),
)
