"""Access requests, grants and the audit log.

Revision ID: imwg_sensitivity_0001
Revises:
Create Date: 2026-11-21
"""

from alembic import op

revision = "imwg_sensitivity_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE imwg_sensitivity_request (
            id text PRIMARY KEY,
            package_id text NOT NULL,
            user_id text NOT NULL,
            resource_ids text[],
            purpose text NOT NULL,
            intended_use text NOT NULL,
            organization text NOT NULL,
            days integer NOT NULL,
            accepted_terms boolean NOT NULL,
            status text NOT NULL,
            created timestamp without time zone NOT NULL,
            decided timestamp without time zone,
            decided_by text,
            reason text,
            grant_id text,
            CHECK (status IN ('pending', 'approved', 'rejected', 'more_info'))
        )
        """
    )
    op.execute("CREATE INDEX imwg_sensitivity_request_package_idx ON imwg_sensitivity_request (package_id, status)")
    op.execute("CREATE INDEX imwg_sensitivity_request_user_idx ON imwg_sensitivity_request (user_id)")
    op.execute(
        """
        CREATE TABLE imwg_sensitivity_grant (
            id text PRIMARY KEY,
            package_id text NOT NULL,
            resource_ids text[],
            user_id text,
            organization_id text,
            request_id text,
            granted_by text NOT NULL,
            created timestamp without time zone NOT NULL,
            expires timestamp without time zone,
            revoked timestamp without time zone,
            revoked_by text,
            CHECK ((user_id IS NULL) <> (organization_id IS NULL))
        )
        """
    )
    op.execute("CREATE INDEX imwg_sensitivity_grant_package_idx ON imwg_sensitivity_grant (package_id)")
    op.execute(
        """
        CREATE TABLE imwg_sensitivity_audit (
            id bigserial PRIMARY KEY,
            at timestamp without time zone NOT NULL,
            actor text,
            event text NOT NULL,
            package_id text,
            resource_id text,
            request_id text,
            grant_id text,
            path text,
            detail jsonb NOT NULL DEFAULT '{}'::jsonb
        )
        """
    )
    op.execute("CREATE INDEX imwg_sensitivity_audit_package_idx ON imwg_sensitivity_audit (package_id, at)")


def downgrade():
    op.execute("DROP TABLE imwg_sensitivity_audit")
    op.execute("DROP TABLE imwg_sensitivity_grant")
    op.execute("DROP TABLE imwg_sensitivity_request")
