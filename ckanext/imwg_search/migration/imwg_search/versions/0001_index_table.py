"""The search index table.

Revision ID: imwg_search_0001
Revises:
Create Date: 2026-11-21
"""

from alembic import op

revision = "imwg_search_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE imwg_search_package (
            index_id text PRIMARY KEY,
            id text NOT NULL,
            site_id text NOT NULL,
            doc jsonb NOT NULL,
            terms text[] NOT NULL,
            fts tsvector NOT NULL,
            ftext jsonb NOT NULL,
            data_dict text,
            validated_data_dict text,
            indexed_at timestamp without time zone NOT NULL DEFAULT (now() at time zone 'utc')
        );
        CREATE INDEX imwg_search_package_id_idx ON imwg_search_package (id);
        CREATE INDEX imwg_search_package_terms_idx ON imwg_search_package USING gin (terms);
        CREATE INDEX imwg_search_package_fts_idx ON imwg_search_package USING gin (fts);
        CREATE INDEX imwg_search_package_modified_idx ON imwg_search_package
            (((doc->>'metadata_modified') COLLATE "C") DESC NULLS LAST);
        CREATE INDEX imwg_search_package_title_idx ON imwg_search_package
            (((doc->>'title_string') COLLATE "C") NULLS LAST);
        """
    )


def downgrade():
    op.execute("DROP TABLE imwg_search_package")
