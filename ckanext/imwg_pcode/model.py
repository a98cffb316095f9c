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

#: per resource: the P-code columns of its file and the codes they hold (status
#: ``done``, ``skipped`` with a message, or ``failed`` with the reason)
coverage_table = sa.Table(
    "imwg_pcode_coverage",
    tk.BaseModel.metadata,
    sa.Column("resource_id", sa.UnicodeText, primary_key=True),
    sa.Column("package_id", sa.UnicodeText, nullable=False),
    sa.Column("checked_at", sa.DateTime, nullable=False),
    sa.Column("status", sa.UnicodeText, nullable=False),
    sa.Column("message", sa.UnicodeText),
    sa.Column("result", JSONB, nullable=False),
)
