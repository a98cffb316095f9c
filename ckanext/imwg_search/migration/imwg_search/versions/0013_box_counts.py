"""Entries counted per box.

ckanext-spatial's bounding-box search (``ext_bbox``) ranks the entries whose
box overlaps the searched one by a function of their box alone, and counts
them. Evaluated entry by entry, that reads every overlapping entry (half the
portal for a box the size of a province). Entries share few boxes (those of
the places they cover), so each entry now carries its box as a facet value
of its own (field ``imwg:bbox``; the four corners as the function reads
them, a missing one as 0, a negative zero as 0, in their IEEE bytes, so
exact), and the kept
counts of migration 0009 count entries per class and box. A search scores
the boxes, not the entries, and reads only the entries of the best boxes:
an index by box (the corners as the function reads them), then date, as the
default order after the score ranks them, finds the newest of a box first.

``imwg_search_box_term`` is that value's term, as the writer makes it
(``sql.box_term``); the searcher uses the function, and the presence of the
function and of the index tells that the entries carry their boxes.

Revision ID: imwg_search_0013
Revises: imwg_search_0012
Create Date: 2026-11-28
"""

from alembic import op

revision = "imwg_search_0013"
down_revision = "imwg_search_0012"
branch_labels = None
depends_on = None

BOX_FIELD = "imwg:bbox"
CORNERS = ("minx", "miny", "maxx", "maxy")
# sql.facet_hash when written: 16 bits of the field's hash, 48 of the term's
HASH = "((hashtextextended(split_part({t}, chr(31), 1), 0) << 48) | (hashtextextended({t}, 0) & 281474976710655))"
#: the corners as the function reads them, then the default order after the score
WALK = ", ".join(f"COALESCE(num_{c}, 0)" for c in CORNERS) + ', sort_modified COLLATE "C" DESC NULLS LAST, index_id'
TERM = "imwg_search_box_term(num_minx, num_miny, num_maxx, num_maxy)"
#: an entry's own box's hash (no other value of another field that might share its field's code)
OWN = HASH.format(t=TERM)


def upgrade():
    # + 0: a negative zero is zero (one box, whose function is the same)
    corners = " || ".join(f"float8send(COALESCE({c}, 0) + 0)" for c in CORNERS)
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION imwg_search_box_term(minx float8, miny float8, maxx float8, maxy float8)
        RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $f$
            SELECT '{BOX_FIELD}' || chr(31) || encode({corners}, 'hex')
        $f$;

        INSERT INTO imwg_search_facet_value (hash, field, value)
        SELECT DISTINCT {HASH.format(t="t")}, '{BOX_FIELD}', split_part(t, chr(31), 2)
        FROM (SELECT {TERM} AS t FROM imwg_search_package) e
        ON CONFLICT (hash) DO NOTHING;

        UPDATE imwg_search_package d SET fids = d.fids || b.hash
        FROM (SELECT index_id, {HASH.format(t="t")} AS hash
              FROM (SELECT index_id, {TERM} AS t FROM imwg_search_package) e) b
        WHERE b.index_id = d.index_id AND NOT d.fids @> ARRAY[b.hash];

        CREATE INDEX imwg_search_package_box_walk_idx ON imwg_search_package
            ({WALK}) INCLUDE (site_id, state, capacity, dataset_type, labels);
        """
    )


def downgrade():
    op.execute(
        f"""
        UPDATE imwg_search_package SET fids = array_remove(fids, {OWN})
        WHERE fids @> ARRAY[{OWN}];
        DROP INDEX imwg_search_package_box_walk_idx;
        DELETE FROM imwg_search_facet_value WHERE field = '{BOX_FIELD}';
        DROP FUNCTION imwg_search_box_term(float8, float8, float8, float8);
        """
    )
