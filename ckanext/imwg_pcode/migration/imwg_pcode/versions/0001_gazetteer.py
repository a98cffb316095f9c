"""The gazetteer: administrative units and their names.

Revision ID: imwg_pcode_0001
Revises:
Create Date: 2026-11-21
"""

from alembic import op

revision = "imwg_pcode_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE imwg_pcode_unit (
            pcode text PRIMARY KEY,
            level smallint NOT NULL CHECK (level BETWEEN 0 AND 5),
            parent text,
            country text NOT NULL,
            name text NOT NULL,
            valid_from text,
            retired_at timestamp without time zone,
            version text NOT NULL,
            geometry jsonb,
            minx float8, miny float8, maxx float8, maxy float8
        );
        CREATE INDEX imwg_pcode_unit_parent_idx ON imwg_pcode_unit (parent);
        CREATE INDEX imwg_pcode_unit_country_level_idx ON imwg_pcode_unit (country, level);
        CREATE TABLE imwg_pcode_name (
            pcode text NOT NULL REFERENCES imwg_pcode_unit (pcode) ON DELETE CASCADE,
            lang text NOT NULL,
            name text NOT NULL,
            folded text NOT NULL,
            PRIMARY KEY (pcode, lang)
        );
        CREATE INDEX imwg_pcode_name_folded_idx ON imwg_pcode_name (folded text_pattern_ops);
        """
    )


def downgrade():
    op.execute("DROP TABLE imwg_pcode_name; DROP TABLE imwg_pcode_unit;")
