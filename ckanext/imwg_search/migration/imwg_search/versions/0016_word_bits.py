"""Each word's entries as bitmaps, per visibility class and block of entries.

A free-text search counts its matches, and counting them through the text
index visits every match (its heap page included): about 0.65 µs a match,
29 ms for a word in 47,400 of 50,000 entries. ``imwg_search_word_bit``
keeps, per word, visibility class (as the kept counts of migration 0009)
and block of :data:`BLOCK` entries, which of the block's entries hold the
word: an entry's place is its ``ord`` (a number the index table gives each
entry when it is first written, kept by the writer's upsert), its block
``ord / BLOCK`` and its bit ``ord % BLOCK``. The count of a text query made
of words (and, or) is the sum over the admitted classes' blocks of
``bit_count`` of the words' bitmaps combined as the query combines them
(``searcher``: the search reads a few hundred rows instead of visiting
every match).

Kept by triggers on the index table in the writing transaction, whoever
writes, appending rows of bit positions to flip (``flips``): an entry
written flips its bit on in each of its words' bitmaps, an entry deleted
flips it off, so the rows' order does not matter and no writer waits on
another. A key's bitmap is the XOR of its rows: one folded row and the
flips appended since it was folded (``searcher`` folds a search's words
when their flips have piled up, and every word after a rebuild). A folded
row holds a bitmap (``bits``), or, for a word in at most :data:`SPOTS` of
the block's entries, their places (``spots``: most words are rare, and a
bitmap takes 512 bytes).

Adding ``ord`` rewrites the index table (about as long as migration 0014's
rewrite: writes wait for it); it is vacuumed after.

Revision ID: imwg_search_0016
Revises: imwg_search_0015
Create Date: 2026-11-28
"""

from alembic import op

revision = "imwg_search_0016"
down_revision = "imwg_search_0015"
branch_labels = None
depends_on = None

TABLE = "imwg_search_package"
BITS = "imwg_search_word_bit"
#: entries per block: a folded bitmap's bits (512 bytes)
BLOCK = 4096
#: the most entries of a block a word's folded row lists as their places
#: (``spots``, 2 bytes each) rather than as a bitmap
SPOTS = 64
CLASS = "site_id, state, capacity, dataset_type, labels"
#: the flips of the entries ``e`` of ``source``: one row per class, word and block
FLIP = f"""
    INSERT INTO {BITS} ({CLASS}, word, block, flips)
    SELECT e.site_id, e.state, e.capacity, e.dataset_type, e.labels, u.word,
           CAST(e.ord / {BLOCK} AS integer), array_agg(CAST(e.ord % {BLOCK} AS smallint))
    FROM {{source}} CROSS JOIN LATERAL unnest(tsvector_to_array(e.fts)) AS u(word)
    GROUP BY 1, 2, 3, 4, 5, 6, 7;
"""
#: entries of one transition table whose words, class or place the other does not hold
_CHANGED = (
    "(SELECT a.* FROM {a} a WHERE NOT EXISTS (SELECT 1 FROM {b} b WHERE b.index_id = a.index_id "
    "AND b.fts = a.fts AND (b.ord, b.site_id, b.state, b.capacity, b.dataset_type, b.labels) "
    "IS NOT DISTINCT FROM (a.ord, a.site_id, a.state, a.capacity, a.dataset_type, a.labels)))"
)
#: the index table's triggers: event -> the transition tables they see
TRIGGERS = {
    "INSERT": "REFERENCING NEW TABLE AS imwg_search_new",
    "UPDATE": "REFERENCING OLD TABLE AS imwg_search_old NEW TABLE AS imwg_search_new",
    "DELETE": "REFERENCING OLD TABLE AS imwg_search_old",
    "TRUNCATE": "",
}


def upgrade():
    changed = (
        f"({_CHANGED.format(a='imwg_search_old', b='imwg_search_new')} UNION ALL "
        f"{_CHANGED.format(a='imwg_search_new', b='imwg_search_old')}) e"
    )
    op.execute(
        f"""
        CREATE SEQUENCE {TABLE}_ord_seq AS bigint;
        ALTER TABLE {TABLE} ADD COLUMN ord bigint NOT NULL DEFAULT nextval('{TABLE}_ord_seq');
        ALTER SEQUENCE {TABLE}_ord_seq OWNED BY {TABLE}.ord;

        CREATE TABLE {BITS} (
            site_id text, state text, capacity text, dataset_type text, labels text[],
            word text NOT NULL,
            block integer NOT NULL,
            flips smallint[],
            spots smallint[],
            bits bit({BLOCK})
        );

        CREATE OR REPLACE FUNCTION imwg_search_bit_entries() RETURNS trigger LANGUAGE plpgsql
        SET jit = off AS $f$
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                TRUNCATE {BITS};
            ELSIF TG_OP = 'INSERT' THEN
                {FLIP.format(source="imwg_search_new e")}
            ELSIF TG_OP = 'DELETE' THEN
                {FLIP.format(source="imwg_search_old e")}
            ELSE
                {FLIP.format(source=changed)}
            END IF;
            RETURN NULL;
        END
        $f$;

        """
    )
    for event, tables in TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER imwg_search_bit_{event.lower()} AFTER {event} ON {TABLE} {tables} "
            "FOR EACH STATEMENT EXECUTE FUNCTION imwg_search_bit_entries()"
        )
    # the entries already indexed, folded at once; then the index
    op.execute(
        f"INSERT INTO {BITS} ({CLASS}, word, block, spots, bits) "
        f"SELECT {CLASS}, word, block, CASE WHEN count(*) <= {SPOTS} THEN array_agg(p ORDER BY p) END, "
        f"CASE WHEN count(*) > {SPOTS} THEN bit_or(set_bit(CAST(B'0' AS bit({BLOCK})), p, 1)) END "
        f"FROM (SELECT e.site_id, e.state, e.capacity, e.dataset_type, e.labels, u.word, "
        f"CAST(e.ord / {BLOCK} AS integer) AS block, CAST(e.ord % {BLOCK} AS smallint) AS p "
        f"FROM {TABLE} e CROSS JOIN LATERAL unnest(tsvector_to_array(e.fts)) AS u(word)) x "
        f"GROUP BY {CLASS}, word, block"
    )
    op.execute(f"CREATE INDEX {BITS}_word_idx ON {BITS} (word)")
    # adding the column rewrote the index table: vacuumed (outside a
    # transaction), its pages are marked visible again for index-only scans
    with op.get_context().autocommit_block():
        op.execute(f"VACUUM (ANALYZE) {TABLE}")
        op.execute(f"VACUUM (ANALYZE) {BITS}")


def downgrade():
    for event in TRIGGERS:
        op.execute(f"DROP TRIGGER imwg_search_bit_{event.lower()} ON {TABLE}")
    op.execute("DROP FUNCTION imwg_search_bit_entries()")
    op.execute(f"DROP TABLE {BITS}")
    op.execute(f"ALTER TABLE {TABLE} DROP COLUMN ord")
