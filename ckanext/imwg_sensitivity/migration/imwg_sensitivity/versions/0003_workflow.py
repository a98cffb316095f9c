"""The access workflow: a request withdrawn by its requester, why a grant was
revoked, and which time-based notices were sent (a grant's expiry notices,
a pending request's reminders).

Revision ID: imwg_sensitivity_0003
Revises: imwg_sensitivity_0002
Create Date: 2026-11-26
"""

from alembic import op

revision = "imwg_sensitivity_0003"
down_revision = "imwg_sensitivity_0002"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        ALTER TABLE imwg_sensitivity_grant
            ADD COLUMN revoked_reason text,
            ADD COLUMN expiring_sent timestamp without time zone,
            ADD COLUMN expired_sent timestamp without time zone;
        ALTER TABLE imwg_sensitivity_request
            ADD COLUMN reminded timestamp without time zone,
            ADD COLUMN escalated timestamp without time zone,
            DROP CONSTRAINT imwg_sensitivity_request_status_check,
            ADD CONSTRAINT imwg_sensitivity_request_status_check
                CHECK (status IN ('pending', 'approved', 'rejected', 'more_info', 'cancelled'));
        -- grants over before this revision: no notice for them now
        UPDATE imwg_sensitivity_grant SET expired_sent = now() at time zone 'utc'
            WHERE expires IS NOT NULL AND expires <= now() at time zone 'utc';
        CREATE INDEX imwg_sensitivity_grant_expires_idx ON imwg_sensitivity_grant (expires)
            WHERE revoked IS NULL;
        CREATE INDEX imwg_sensitivity_audit_at_idx ON imwg_sensitivity_audit (at);
        CREATE INDEX imwg_sensitivity_audit_actor_idx ON imwg_sensitivity_audit (actor, at);
        """
    )


def downgrade():
    op.execute(
        """
        DROP INDEX imwg_sensitivity_audit_actor_idx;
        DROP INDEX imwg_sensitivity_audit_at_idx;
        DROP INDEX imwg_sensitivity_grant_expires_idx;
        DELETE FROM imwg_sensitivity_request WHERE status = 'cancelled';
        ALTER TABLE imwg_sensitivity_request
            DROP COLUMN reminded,
            DROP COLUMN escalated,
            DROP CONSTRAINT imwg_sensitivity_request_status_check,
            ADD CONSTRAINT imwg_sensitivity_request_status_check
                CHECK (status IN ('pending', 'approved', 'rejected', 'more_info'));
        ALTER TABLE imwg_sensitivity_grant
            DROP COLUMN revoked_reason, DROP COLUMN expiring_sent, DROP COLUMN expired_sent;
        """
    )
