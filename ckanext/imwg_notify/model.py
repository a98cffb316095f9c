"""The notifications' tables (created by migrations ``imwg_notify_0001`` and ``_0003``),
declared on CKAN's metadata, and the queries on them."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

QUEUED, HELD, SENT, FAILED, WITHHELD = "queued", "held", "sent", "failed", "withheld"
STATUSES = (QUEUED, HELD, SENT, FAILED, WITHHELD)

message_table = sa.Table(
    "imwg_notify_message",
    tk.BaseModel.metadata,
    sa.Column("id", sa.UnicodeText, primary_key=True),
    #: the user's id, or ``mailto:<address>`` for an address that is not an account
    sa.Column("recipient", sa.UnicodeText, nullable=False),
    sa.Column("user_id", sa.UnicodeText),
    sa.Column("email", sa.UnicodeText),
    sa.Column("kind", sa.UnicodeText, nullable=False),
    sa.Column("key", sa.UnicodeText, nullable=False),
    sa.Column("template", sa.UnicodeText, nullable=False),
    sa.Column("data", JSONB, nullable=False),
    sa.Column("package_id", sa.UnicodeText),
    sa.Column("status", sa.UnicodeText, nullable=False),
    #: ``daily`` / ``weekly``: held for that digest (on a digest message: which one it is)
    sa.Column("digest", sa.UnicodeText),
    #: the id of the digest message that carries this held one
    sa.Column("batch", sa.UnicodeText),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt", sa.DateTime),
    sa.Column("last_error", sa.UnicodeText),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.Column("sent_at", sa.DateTime),
    sa.UniqueConstraint("recipient", "key", name="imwg_notify_message_recipient_key"),
)

preference_table = sa.Table(
    "imwg_notify_preference",
    tk.BaseModel.metadata,
    sa.Column("user_id", sa.UnicodeText, primary_key=True),
    sa.Column("kind", sa.UnicodeText, primary_key=True),
    sa.Column("frequency", sa.UnicodeText, nullable=False),
    sa.Column("modified", sa.DateTime, nullable=False),
)

locale_table = sa.Table(
    "imwg_notify_locale",
    tk.BaseModel.metadata,
    sa.Column("user_id", sa.UnicodeText, primary_key=True),
    sa.Column("locale", sa.UnicodeText, nullable=False),
    sa.Column("modified", sa.DateTime, nullable=False),
)

#: one run of a digest per period (``digest:daily:2026-11-27``): the changes
#: it covered end at ``covered_until``, where the next run's begin
digest_run_table = sa.Table(
    "imwg_notify_digest_run",
    tk.BaseModel.metadata,
    sa.Column("digest", sa.UnicodeText, primary_key=True),
    sa.Column("key", sa.UnicodeText, primary_key=True),
    sa.Column("covered_until", sa.DateTime, nullable=False),
)

#: what a group of alike recipients of one digest share (the same items, in
#: the same language); each one's message names it, and only their name and
#: links are put in when it is sent
digest_content_table = sa.Table(
    "imwg_notify_digest_content",
    tk.BaseModel.metadata,
    sa.Column("id", sa.UnicodeText, primary_key=True),
    sa.Column("subject", sa.UnicodeText, nullable=False),
    sa.Column("body", sa.UnicodeText, nullable=False),
    sa.Column("html", sa.UnicodeText),
    sa.Column("created", sa.DateTime, nullable=False),
)
