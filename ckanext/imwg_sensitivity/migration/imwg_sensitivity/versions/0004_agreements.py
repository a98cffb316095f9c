"""Data-sharing agreements between organisations.

Revision ID: imwg_sensitivity_0004
Revises: imwg_sensitivity_0003
Create Date: 2026-11-26
"""

from alembic import op

revision = "imwg_sensitivity_0004"
down_revision = "imwg_sensitivity_0003"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE imwg_sensitivity_agreement (
            id text PRIMARY KEY,
            provider_id text NOT NULL,
            receiver_id text NOT NULL,
            title text NOT NULL,
            purpose text NOT NULL,
            package_ids text[],
            by_rule boolean NOT NULL DEFAULT false,
            sectors text[],
            places text[],
            max_level text,
            starts date NOT NULL,
            ends date NOT NULL,
            document text,
            document_name text,
            created timestamp without time zone NOT NULL,
            created_by text NOT NULL,
            updated timestamp without time zone,
            updated_by text,
            terminated timestamp without time zone,
            terminated_by text,
            terminated_reason text,
            notice_sent timestamp without time zone,
            end_notice_sent timestamp without time zone
        );
        CREATE INDEX imwg_sensitivity_agreement_receiver ON imwg_sensitivity_agreement (receiver_id);
        CREATE INDEX imwg_sensitivity_agreement_provider ON imwg_sensitivity_agreement (provider_id);
        """
    )


def downgrade():
    op.execute("DROP TABLE imwg_sensitivity_agreement")
