"""A token that changes with every change to the gazetteer.

Processes keep the units they have read, with their ancestors and names,
across transactions, as long as this token is the one they read them under.
Triggers renew it in the transaction of any write to the units or their names
(the loader's, or a hand-written UPDATE), so readers see the change when it
is committed. A recreated table starts with a new token too.

Revision ID: imwg_pcode_0005
Revises: imwg_pcode_0004
Create Date: 2026-11-21
"""

from alembic import op

revision = "imwg_pcode_0005"
down_revision = "imwg_pcode_0004"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE imwg_pcode_token (token uuid NOT NULL DEFAULT gen_random_uuid());
        INSERT INTO imwg_pcode_token DEFAULT VALUES;
        CREATE OR REPLACE FUNCTION imwg_pcode_renew_token() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE imwg_pcode_token SET token = gen_random_uuid();
            RETURN NULL;
        END $$;
        CREATE TRIGGER imwg_pcode_unit_token AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON imwg_pcode_unit
            FOR EACH STATEMENT EXECUTE FUNCTION imwg_pcode_renew_token();
        CREATE TRIGGER imwg_pcode_name_token AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON imwg_pcode_name
            FOR EACH STATEMENT EXECUTE FUNCTION imwg_pcode_renew_token();
        """
    )


def downgrade():
    op.execute(
        """
        DROP TRIGGER imwg_pcode_name_token ON imwg_pcode_name;
        DROP TRIGGER imwg_pcode_unit_token ON imwg_pcode_unit;
        DROP FUNCTION imwg_pcode_renew_token();
        DROP TABLE imwg_pcode_token;
        """
    )
