"""This plugin's table (created by its migrations), declared on CKAN's metadata."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

#: per resource: the profile of its file (status ``done``, ``failed``,
#: ``skipped`` or ``refused`` with a message) and the hashtags it carries.
#: ``message`` is for anyone who may see the preview and never names the
#: link's host or address; ``detail``, the full reason a link's file was
#: refused (which may), only for those who get the data
profile_table = sa.Table(
    "imwg_hxl_profile",
    tk.BaseModel.metadata,
    sa.Column("resource_id", sa.UnicodeText, primary_key=True),
    sa.Column("package_id", sa.UnicodeText, nullable=False),
    sa.Column("file_key", sa.UnicodeText, nullable=False),
    sa.Column("checked", sa.DateTime, nullable=False),
    sa.Column("status", sa.UnicodeText, nullable=False),
    sa.Column("message", sa.UnicodeText),
    sa.Column("detail", sa.UnicodeText),
    sa.Column("hashtags", ARRAY(sa.UnicodeText), nullable=False),
    sa.Column("result", JSONB, nullable=False),
)
