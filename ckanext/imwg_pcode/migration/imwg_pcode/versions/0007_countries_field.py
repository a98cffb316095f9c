"""The derived countries field is called ``countries`` (it was ``locations``).

Every dataset's stored value moves to the new name, and the datasets that
held one are indexed again so that searches and facets on ``countries`` find
them at once (whatever search backend the portal runs). A portal whose search
backend cannot be reached during the upgrade is told to rebuild the index.

Revision ID: imwg_pcode_0007
Revises: imwg_pcode_0006
Create Date: 2026-11-26
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "imwg_pcode_0007"
down_revision = "imwg_pcode_0006"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)


def _rename(old: str, new: str) -> None:
    conn = op.get_bind()
    ids = [
        row[0]
        for row in conn.execute(
            sa.text("SELECT DISTINCT package_id FROM package_extra WHERE key = :old AND state = 'active'"),
            {"old": old},
        )
    ]
    # a value already under the new name (typed through the API before the
    # upgrade; never derived) gives way to the derived one
    conn.execute(
        sa.text(
            "DELETE FROM package_extra WHERE key = :new AND package_id IN (SELECT package_id FROM package_extra WHERE key = :old)"
        ),
        {"old": old, "new": new},
    )
    conn.execute(sa.text("UPDATE package_extra SET key = :new WHERE key = :old"), {"old": old, "new": new})
    if not ids:
        return
    # the index reads the datasets through CKAN's own session: commit first
    with op.get_context().autocommit_block():
        _reindex(ids)


def _reindex(ids: list[str]) -> None:
    try:
        from ckan.lib import search

        for package_id in ids:
            search.rebuild(package_id)
    except Exception as error:  # noqa: BLE001 - the rename stands; the index is rebuilt by hand
        log.warning("The search index could not be updated (%s): run `ckan search-index rebuild`", error)


def upgrade():
    _rename("locations", "countries")


def downgrade():
    _rename("countries", "locations")
