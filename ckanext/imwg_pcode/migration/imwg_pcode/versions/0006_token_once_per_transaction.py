"""The gazetteer's token renewed once per transaction, not once per statement.

A load writes the units and names in many statements; renewing the one-row
token table at each left thousands of dead row versions behind, and every
reader of the token (once per transaction that tags, indexes or filters by
place) scanned them. The table is recreated compact, with a new token.

Revision ID: imwg_pcode_0006
Revises: imwg_pcode_0005
Create Date: 2026-11-21
"""

from alembic import op

revision = "imwg_pcode_0006"
down_revision = "imwg_pcode_0005"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        TRUNCATE imwg_pcode_token;
        ALTER TABLE imwg_pcode_token ADD COLUMN renewed_by bigint;
        INSERT INTO imwg_pcode_token DEFAULT VALUES;
        CREATE OR REPLACE FUNCTION imwg_pcode_renew_token() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE imwg_pcode_token SET token = gen_random_uuid(), renewed_by = txid_current()
                WHERE renewed_by IS DISTINCT FROM txid_current();
            RETURN NULL;
        END $$;
        """
    )


def downgrade():
    op.execute(
        """
        CREATE OR REPLACE FUNCTION imwg_pcode_renew_token() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE imwg_pcode_token SET token = gen_random_uuid();
            RETURN NULL;
        END $$;
        ALTER TABLE imwg_pcode_token DROP COLUMN renewed_by;
        """
    )
