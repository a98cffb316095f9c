"""Each word's entries ordered by the word's weight in them.

For CKAN's free text (dismax: the words' queries OR-ed in the ranking
query) ``ts_rank_cd`` with its default weights is the sum, over the
query's words, of the weights of the word's positions in the entry (A 1.0:
title and name, B 0.4: tags, groups and vocabularies, C 0.2: notes, D 0.1:
the rest). ``imwg_search_posting`` keeps that weight per word and entry, in
tenths, for the pairs weighing at least :data:`MIN_WEIGHT`; read per word
from the heaviest down, it gives the top of a search without ranking every
match (``searcher``: exact, or the search ranks every match as before).

Kept by triggers on the index table in the writing transaction, whoever
writes (as the kept counts of migration 0009): an entry's postings are
written again only when its text vector changed. JIT is off in the trigger:
compiling its statements costs more than running them.

Revision ID: imwg_search_0012
Revises: imwg_search_0011
Create Date: 2026-11-27
"""

from alembic import op

revision = "imwg_search_0012"
down_revision = "imwg_search_0011"
branch_labels = None
depends_on = None

#: the lightest posting kept, in tenths (searcher.POSTED_FROM when written):
#: a word in the notes and the catch-all text, in tags, or three times in the text
MIN_WEIGHT = 3
#: a word's weight in an entry, in tenths (``u``: a row of ``unnest(fts)``)
WEIGHT = "(SELECT sum(CASE w WHEN 'A' THEN 10 WHEN 'B' THEN 4 WHEN 'C' THEN 2 ELSE 1 END) FROM unnest(u.weights) AS w)"


def _post(source: str) -> str:
    """The statement writing the postings of the entries ``e`` of ``source``."""
    return f"""
        INSERT INTO imwg_search_posting (word, weight, index_id)
        SELECT u.lexeme, p.weight, e.index_id
        FROM {source} CROSS JOIN LATERAL unnest(e.fts) AS u CROSS JOIN LATERAL (SELECT {WEIGHT} AS weight) AS p
        WHERE p.weight >= {MIN_WEIGHT};
    """


#: the index table's triggers: event -> the transition tables they see
TRIGGERS = {
    "INSERT": "REFERENCING NEW TABLE AS imwg_search_new",
    "UPDATE": "REFERENCING OLD TABLE AS imwg_search_old NEW TABLE AS imwg_search_new",
    "DELETE": "REFERENCING OLD TABLE AS imwg_search_old",
    "TRUNCATE": "",
}
#: entries of one transition table whose text vector the other does not hold
_CHANGED = (
    "(SELECT a.index_id, a.fts FROM {a} a "
    "WHERE NOT EXISTS (SELECT 1 FROM {b} b WHERE b.index_id = a.index_id AND b.fts = a.fts))"
)


def upgrade():
    gone = _CHANGED.format(a="imwg_search_old", b="imwg_search_new")
    op.execute(
        f"""
        CREATE TABLE imwg_search_posting (
            word text NOT NULL,
            weight integer NOT NULL,
            index_id text NOT NULL
        );

        CREATE OR REPLACE FUNCTION imwg_search_post_entries() RETURNS trigger LANGUAGE plpgsql
        SET jit = off AS $f$
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                TRUNCATE imwg_search_posting;
            ELSIF TG_OP = 'INSERT' THEN
                {_post("imwg_search_new e")}
            ELSIF TG_OP = 'DELETE' THEN
                DELETE FROM imwg_search_posting p USING imwg_search_old o WHERE p.index_id = o.index_id;
            ELSE
                DELETE FROM imwg_search_posting p USING {gone} o WHERE p.index_id = o.index_id;
                {_post(_CHANGED.format(a="imwg_search_new", b="imwg_search_old") + " e")}
            END IF;
            RETURN NULL;
        END
        $f$;

        """
    )
    for event, tables in TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER imwg_search_post_{event.lower()} AFTER {event} ON imwg_search_package {tables} "
            "FOR EACH STATEMENT EXECUTE FUNCTION imwg_search_post_entries()"
        )
    # the entries already indexed, then the indexes (faster built once)
    op.execute(_post("imwg_search_package e"))
    op.execute("CREATE INDEX imwg_search_posting_word_idx ON imwg_search_posting (word, weight DESC, index_id)")
    op.execute("CREATE INDEX imwg_search_posting_entry_idx ON imwg_search_posting (index_id)")


def downgrade():
    for event in TRIGGERS:
        op.execute(f"DROP TRIGGER imwg_search_post_{event.lower()} ON imwg_search_package")
    op.execute("DROP FUNCTION imwg_search_post_entries()")
    op.execute("DROP TABLE imwg_search_posting")
