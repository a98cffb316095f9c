"""Facet counts kept per visibility class.

A visibility class is what CKAN's constant filters read of an entry: its
site, state, capacity, dataset type and permission labels.
``imwg_search_facet_count`` holds, per class, how many entries it has (hash
NULL) and how many of them carry each facet value (by its hash), as rows
to be summed: triggers on the index table append the changes of each
statement (insert, update, delete; a truncate empties it) in the writing
transaction itself, whoever writes, and take no lock another writer could
wait on. ``searcher`` sums the rows of the classes a search's filters admit
(when they read nothing else: the /dataset landing page) and folds them
into one row per class and value from time to time.

Revision ID: imwg_search_0009
Revises: imwg_search_0007
Create Date: 2026-11-27
"""

from alembic import op

revision = "imwg_search_0009"
down_revision = "imwg_search_0007"
branch_labels = None
depends_on = None

CLASS = "site_id, state, capacity, dataset_type, labels"
UPDATED = (
    f"(SELECT {CLASS}, fids, 1 AS delta FROM imwg_search_new "
    f"UNION ALL SELECT {CLASS}, fids, -1 FROM imwg_search_old) AS x"
)


def _append(source: str) -> str:
    """The statement appending the changes of ``source`` (the entries' class,
    ``fids`` and ``delta``: +1 or -1) to the counts."""
    return f"""
        INSERT INTO imwg_search_facet_count ({CLASS}, hash, n)
        SELECT {CLASS}, h, sum(delta)
        FROM {source} CROSS JOIN LATERAL unnest(x.fids || ARRAY[NULL::bigint]) AS h
        GROUP BY {CLASS}, h HAVING sum(delta) <> 0;
    """


def upgrade():
    op.execute(
        f"""
        CREATE TABLE imwg_search_facet_count (
            site_id text, state text, capacity text, dataset_type text, labels text[],
            hash bigint,
            n bigint NOT NULL
        );

        CREATE OR REPLACE FUNCTION imwg_search_count_entries() RETURNS trigger LANGUAGE plpgsql AS $f$
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                TRUNCATE imwg_search_facet_count;
            ELSIF TG_OP = 'INSERT' THEN
                {_append(f"(SELECT {CLASS}, fids, 1 AS delta FROM imwg_search_new) AS x")}
            ELSIF TG_OP = 'DELETE' THEN
                {_append(f"(SELECT {CLASS}, fids, -1 AS delta FROM imwg_search_old) AS x")}
            ELSE
                {_append(UPDATED)}
            END IF;
            RETURN NULL;
        END
        $f$;

        CREATE TRIGGER imwg_search_count_insert AFTER INSERT ON imwg_search_package
            REFERENCING NEW TABLE AS imwg_search_new
            FOR EACH STATEMENT EXECUTE FUNCTION imwg_search_count_entries();
        CREATE TRIGGER imwg_search_count_update AFTER UPDATE ON imwg_search_package
            REFERENCING OLD TABLE AS imwg_search_old NEW TABLE AS imwg_search_new
            FOR EACH STATEMENT EXECUTE FUNCTION imwg_search_count_entries();
        CREATE TRIGGER imwg_search_count_delete AFTER DELETE ON imwg_search_package
            REFERENCING OLD TABLE AS imwg_search_old
            FOR EACH STATEMENT EXECUTE FUNCTION imwg_search_count_entries();
        CREATE TRIGGER imwg_search_count_truncate AFTER TRUNCATE ON imwg_search_package
            FOR EACH STATEMENT EXECUTE FUNCTION imwg_search_count_entries();
        """
    )
    # the entries already indexed
    op.execute(_append(f"(SELECT {CLASS}, fids, 1 AS delta FROM imwg_search_package) AS x"))


def downgrade():
    op.execute(
        """
        DROP TRIGGER imwg_search_count_insert ON imwg_search_package;
        DROP TRIGGER imwg_search_count_update ON imwg_search_package;
        DROP TRIGGER imwg_search_count_delete ON imwg_search_package;
        DROP TRIGGER imwg_search_count_truncate ON imwg_search_package;
        DROP FUNCTION imwg_search_count_entries();
        DROP TABLE imwg_search_facet_count;
        """
    )
