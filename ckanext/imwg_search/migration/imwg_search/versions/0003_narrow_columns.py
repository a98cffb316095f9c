"""Narrow columns for the filters and sort keys of nearly every query.

CKAN adds ``site_id``, ``state``, ``capacity`` (or permission labels) and
``dataset_type`` to every search, and sorts by modification date, title or
name; reading them from small inline columns avoids de-TOASTing the wide
``terms`` and ``doc`` values of every candidate row.

Revision ID: imwg_search_0003
Revises: imwg_search_0002
Create Date: 2026-11-21
"""

from alembic import op

revision = "imwg_search_0003"
down_revision = "imwg_search_0002"
branch_labels = None
depends_on = None

COLUMNS = {
    "state": "doc->>'state'",
    "capacity": "doc->>'capacity'",
    "dataset_type": "doc->>'dataset_type'",
    "sort_modified": "doc->>'metadata_modified'",
    "sort_created": "doc->>'metadata_created'",
    "sort_title": "doc->>'title_string'",
    "sort_name": "doc->>'name'",
}


def upgrade():
    for column in COLUMNS:
        op.execute(f"ALTER TABLE imwg_search_package ADD COLUMN {column} text")
    op.execute("ALTER TABLE imwg_search_package ADD COLUMN labels text[] NOT NULL DEFAULT '{}'")
    assignments = ", ".join(f"{c} = {expr}" for c, expr in COLUMNS.items())
    op.execute(
        f"UPDATE imwg_search_package SET {assignments}, labels = ARRAY("
        "SELECT jsonb_array_elements_text(CASE jsonb_typeof(doc->'permission_labels') "
        "WHEN 'array' THEN doc->'permission_labels' ELSE '[]'::jsonb END))"
    )
    op.execute(
        """
        DROP INDEX IF EXISTS imwg_search_package_modified_idx;
        DROP INDEX IF EXISTS imwg_search_package_title_idx;
        CREATE INDEX imwg_search_package_modified_idx ON imwg_search_package
            ((sort_modified COLLATE "C") DESC NULLS LAST);
        CREATE INDEX imwg_search_package_created_idx ON imwg_search_package
            ((sort_created COLLATE "C") DESC NULLS LAST);
        CREATE INDEX imwg_search_package_title_idx ON imwg_search_package ((sort_title COLLATE "C") NULLS LAST);
        CREATE INDEX imwg_search_package_name_idx ON imwg_search_package ((sort_name COLLATE "C") NULLS LAST);
        CREATE INDEX imwg_search_package_labels_idx ON imwg_search_package USING gin (labels);
        """
    )


def downgrade():
    op.execute("ALTER TABLE imwg_search_package DROP COLUMN labels")
    for column in COLUMNS:
        op.execute(f"ALTER TABLE imwg_search_package DROP COLUMN {column}")
    op.execute(
        """
        CREATE INDEX imwg_search_package_modified_idx ON imwg_search_package
            (((doc->>'metadata_modified') COLLATE "C") DESC NULLS LAST);
        CREATE INDEX imwg_search_package_title_idx ON imwg_search_package
            (((doc->>'title_string') COLLATE "C") NULLS LAST);
        """
    )
