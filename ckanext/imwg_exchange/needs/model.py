"""The register's tables (created by migration ``imwg_exchange_0001``),
declared on CKAN's metadata."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

need_table = sa.Table(
    "imwg_exchange_need",
    tk.BaseModel.metadata,
    sa.Column("id", sa.UnicodeText, primary_key=True),
    sa.Column("title", sa.UnicodeText, nullable=False),
    sa.Column("notes", sa.UnicodeText, nullable=False),
    sa.Column("sectors", ARRAY(sa.UnicodeText), nullable=False),
    sa.Column("pcodes", ARRAY(sa.UnicodeText), nullable=False),
    #: the places and their ancestors (roll-up of searches, matching of datasets tagged with an ancestor)
    sa.Column("place_scope", ARRAY(sa.UnicodeText), nullable=False),
    sa.Column("data_type", sa.UnicodeText),
    sa.Column("reference_period_start", sa.Date),
    sa.Column("reference_period_end", sa.Date),
    sa.Column("sensitivity", sa.UnicodeText),
    sa.Column("owner_org", sa.UnicodeText, nullable=False),
    sa.Column("purpose", sa.UnicodeText, nullable=False),
    sa.Column("deadline", sa.Date),
    sa.Column("status", sa.UnicodeText, nullable=False),
    sa.Column("outcome", sa.UnicodeText),
    sa.Column("fulfilled_by", ARRAY(sa.UnicodeText), nullable=False),
    sa.Column("creator_user_id", sa.UnicodeText, nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.Column("modified", sa.DateTime, nullable=False),
)

history_table = sa.Table(
    "imwg_exchange_need_history",
    tk.BaseModel.metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
    sa.Column("need_id", sa.UnicodeText, sa.ForeignKey("imwg_exchange_need.id", ondelete="CASCADE"), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("user_id", sa.UnicodeText, nullable=False),
    sa.Column("event", sa.UnicodeText, nullable=False),
    sa.Column("status_from", sa.UnicodeText),
    sa.Column("status_to", sa.UnicodeText),
    sa.Column("detail", JSONB, nullable=False),
)

answer_table = sa.Table(
    "imwg_exchange_need_answer",
    tk.BaseModel.metadata,
    sa.Column("id", sa.UnicodeText, primary_key=True),
    sa.Column("need_id", sa.UnicodeText, sa.ForeignKey("imwg_exchange_need.id", ondelete="CASCADE"), nullable=False),
    sa.Column("kind", sa.UnicodeText, nullable=False),
    sa.Column("package_id", sa.UnicodeText),
    sa.Column("text", sa.UnicodeText, nullable=False),
    sa.Column("user_id", sa.UnicodeText, nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
)

follower_table = sa.Table(
    "imwg_exchange_need_follower",
    tk.BaseModel.metadata,
    sa.Column("need_id", sa.UnicodeText, sa.ForeignKey("imwg_exchange_need.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.UnicodeText, primary_key=True),
    sa.Column("created", sa.DateTime, nullable=False),
)

#: a matching dataset announced to a follower (shown on the dashboard; mailed by the notifications, ``sent``)
notice_table = sa.Table(
    "imwg_exchange_need_notice",
    tk.BaseModel.metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
    sa.Column("need_id", sa.UnicodeText, sa.ForeignKey("imwg_exchange_need.id", ondelete="CASCADE"), nullable=False),
    sa.Column("package_id", sa.UnicodeText, nullable=False),
    sa.Column("user_id", sa.UnicodeText, nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.Column("seen", sa.DateTime),
    sa.Column("sent", sa.DateTime),
    sa.UniqueConstraint("need_id", "package_id", "user_id"),
)
