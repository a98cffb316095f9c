"""Access tables (created by this plugin's migrations), declared on CKAN's metadata."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

request_table = sa.Table(
    "imwg_sensitivity_request",
    tk.BaseModel.metadata,
    sa.Column("id", sa.UnicodeText, primary_key=True),
    sa.Column("package_id", sa.UnicodeText, nullable=False),
    sa.Column("user_id", sa.UnicodeText, nullable=False),
    sa.Column("resource_ids", ARRAY(sa.UnicodeText)),
    sa.Column("purpose", sa.UnicodeText, nullable=False),
    sa.Column("intended_use", sa.UnicodeText, nullable=False),
    sa.Column("organization", sa.UnicodeText, nullable=False),
    sa.Column("days", sa.Integer, nullable=False),
    sa.Column("accepted_terms", sa.Boolean, nullable=False),
    sa.Column("status", sa.UnicodeText, nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.Column("decided", sa.DateTime),
    sa.Column("decided_by", sa.UnicodeText),
    sa.Column("reason", sa.UnicodeText),
    sa.Column("grant_id", sa.UnicodeText),
    # when the deciders were reminded that it waits, and when it was escalated
    sa.Column("reminded", sa.DateTime),
    sa.Column("escalated", sa.DateTime),
)

grant_table = sa.Table(
    "imwg_sensitivity_grant",
    tk.BaseModel.metadata,
    sa.Column("id", sa.UnicodeText, primary_key=True),
    sa.Column("package_id", sa.UnicodeText, nullable=False),
    sa.Column("resource_ids", ARRAY(sa.UnicodeText)),
    sa.Column("user_id", sa.UnicodeText),
    sa.Column("organization_id", sa.UnicodeText),
    sa.Column("request_id", sa.UnicodeText),
    sa.Column("granted_by", sa.UnicodeText, nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.Column("expires", sa.DateTime),
    sa.Column("revoked", sa.DateTime),
    sa.Column("revoked_by", sa.UnicodeText),
    sa.Column("revoked_reason", sa.UnicodeText),
    # when the notices of its coming expiry and of its end were sent
    sa.Column("expiring_sent", sa.DateTime),
    sa.Column("expired_sent", sa.DateTime),
)

audit_table = sa.Table(
    "imwg_sensitivity_audit",
    tk.BaseModel.metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.UnicodeText),
    sa.Column("event", sa.UnicodeText, nullable=False),
    sa.Column("package_id", sa.UnicodeText),
    sa.Column("resource_id", sa.UnicodeText),
    sa.Column("request_id", sa.UnicodeText),
    sa.Column("grant_id", sa.UnicodeText),
    sa.Column("path", sa.UnicodeText),
    sa.Column("detail", JSONB, nullable=False),
)

#: the personal-data screen of each uploaded tabular file (its latest version)
screen_table = sa.Table(
    "imwg_sensitivity_screen",
    tk.BaseModel.metadata,
    sa.Column("resource_id", sa.UnicodeText, primary_key=True),
    sa.Column("package_id", sa.UnicodeText, nullable=False),
    sa.Column("file_key", sa.UnicodeText, nullable=False),
    sa.Column("screened", sa.DateTime, nullable=False),
    sa.Column("status", sa.UnicodeText, nullable=False),
    sa.Column("message", sa.UnicodeText),
    sa.Column("findings", JSONB, nullable=False),
    sa.Column("suggested", sa.UnicodeText, nullable=False),
    sa.Column("confirmed", sa.DateTime),
    sa.Column("confirmed_by", sa.UnicodeText),
)

#: data-sharing agreements between two organisations (``agreements.py``)
agreement_table = sa.Table(
    "imwg_sensitivity_agreement",
    tk.BaseModel.metadata,
    sa.Column("id", sa.UnicodeText, primary_key=True),
    sa.Column("provider_id", sa.UnicodeText, nullable=False),
    sa.Column("receiver_id", sa.UnicodeText, nullable=False),
    sa.Column("title", sa.UnicodeText, nullable=False),
    sa.Column("purpose", sa.UnicodeText, nullable=False),
    sa.Column("package_ids", ARRAY(sa.UnicodeText)),
    sa.Column("by_rule", sa.Boolean, nullable=False),
    sa.Column("sectors", ARRAY(sa.UnicodeText)),
    sa.Column("places", ARRAY(sa.UnicodeText)),
    sa.Column("max_level", sa.UnicodeText),
    sa.Column("starts", sa.Date, nullable=False),
    sa.Column("ends", sa.Date, nullable=False),
    sa.Column("document", sa.UnicodeText),
    sa.Column("document_name", sa.UnicodeText),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.UnicodeText, nullable=False),
    sa.Column("updated", sa.DateTime),
    sa.Column("updated_by", sa.UnicodeText),
    sa.Column("terminated", sa.DateTime),
    sa.Column("terminated_by", sa.UnicodeText),
    sa.Column("terminated_reason", sa.UnicodeText),
    sa.Column("notice_sent", sa.DateTime),
    sa.Column("end_notice_sent", sa.DateTime),
)
