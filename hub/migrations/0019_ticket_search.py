"""Full-text search over tickets (``hub.search``): the words table, kept by PostgreSQL itself.

``hub_ticketsearch`` holds one tsvector per ticket: its subject (weight A) and the text of its
messages and notes (weight B, system messages left out), each word in German and English stems.
Triggers keep it current, so no writer has to know of it:

- a statement that inserts tickets inserts their rows (one INSERT … SELECT from the new rows);
- a statement that inserts messages appends their words to their tickets' rows (one UPDATE
  from the new rows, grouped by ticket): the pipeline's batch pays one statement per batch,
  run inside the server, whatever its size;
- a ticket whose subject changes, and a message that moves to another ticket, changes its text
  or is deleted, marks the rows it touches stale, and the end of its statement builds them
  again from the messages (rare: splits, moves, merges, redaction).

A ticket's first ``LIMIT`` characters of message text are taken in (the subject always): two
stems per word and four bytes per character at most keep any document under PostgreSQL's
1 MB limit on a tsvector's words, so no text can make a trigger, and with it the mail it came
with, fail.

Existing tickets are filled in here, a batch at a time, each batch its own transaction (the
migration is not atomic), with a count on the console; ``manage.py rebuild_search_index`` does
the same again on demand. The GIN index is built after the fill (one sort instead of a million
insertions), CONCURRENTLY, so a large hub keeps taking mail meanwhile.

SQLite, the embedded default, gets the empty table only: its search reads the messages.
"""

from __future__ import annotations

import sys

import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState, StateApps

# Characters of a ticket's message text its document takes in (see the module docstring).
LIMIT = 100_000
BATCH = 2_000

INSTALL = """
ALTER TABLE hub_ticketsearch DROP CONSTRAINT IF EXISTS hub_ticketsearch_ticket_fk;
ALTER TABLE hub_ticketsearch
    ADD CONSTRAINT hub_ticketsearch_ticket_fk
    FOREIGN KEY (ticket_id) REFERENCES hub_ticket (id) ON DELETE CASCADE;

-- The words of a text in German and English stems both: "Rechnungen" → rechnung, "invoices" →
-- invoic. A word either language treats as a stop word stays, as the other one's.
CREATE OR REPLACE FUNCTION hub_search_words(body text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT to_tsvector('german'::regconfig, body) || to_tsvector('english'::regconfig, body) $$;

-- What a typed word or phrase matches: its stems in either language. A phrase is taken in the
-- language that keeps more of its words ("nicht angekommen": German drops "nicht" as a stop
-- word, English keeps it), in both when they keep as many ("Rechnungen falsch").
-- (A stem both languages share is named once: the planner's estimate counts each one named.)
CREATE OR REPLACE FUNCTION hub_search_word(word text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN g = e THEN g ELSE g || e END
      FROM (SELECT plainto_tsquery('german'::regconfig, word) AS g,
                   plainto_tsquery('english'::regconfig, word) AS e) AS both_languages
    $$;
CREATE OR REPLACE FUNCTION hub_search_phrase(phrase text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
    SELECT CASE WHEN numnode(g) > numnode(e) THEN g WHEN numnode(e) > numnode(g) THEN e ELSE g || e END
      FROM (SELECT phraseto_tsquery('german'::regconfig, phrase) AS g,
                   phraseto_tsquery('english'::regconfig, phrase) AS e) AS both_languages
    $$;

-- Up to n tickets matching q, read off the GIN index whatever the planner estimates: with a
-- LIMIT it would read the table from the start instead, and a word it takes for common that
-- matches nothing in combination ("Rechnung -Rabatt") then reads every row.
CREATE OR REPLACE FUNCTION hub_search_candidates(q tsquery, n integer) RETURNS SETOF bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    SET enable_seqscan = off
    AS $$ SELECT ticket_id FROM hub_ticketsearch WHERE document @@ q LIMIT n $$;

-- Builds the documents of the given tickets from their subject and messages; returns how many.
CREATE OR REPLACE FUNCTION hub_search_rebuild(ids bigint[]) RETURNS integer
    LANGUAGE sql VOLATILE
    AS $$
    WITH written AS (
        INSERT INTO hub_ticketsearch (ticket_id, document, size, stale)
        SELECT t.id,
               setweight(hub_search_words(t.subject), 'A')
                   || setweight(hub_search_words(coalesce(b.body, '')), 'B'),
               coalesce(length(b.body), 0),
               false
          FROM hub_ticket t
          LEFT JOIN LATERAL (
              SELECT left(string_agg(left(m.text, LIMIT_CHARS), E'\\n' ORDER BY m.created_at, m.id),
                          LIMIT_CHARS) AS body
                FROM hub_message m
               WHERE m.ticket_id = t.id AND m.kind <> 'system' AND m.text <> ''
          ) b ON true
         WHERE t.id = ANY(ids)
        ON CONFLICT (ticket_id) DO UPDATE
            SET document = EXCLUDED.document, size = EXCLUDED.size, stale = false
        RETURNING 1
    )
    SELECT count(*)::integer FROM written
    $$;

CREATE OR REPLACE FUNCTION hub_search_tickets_added() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        INSERT INTO hub_ticketsearch (ticket_id, document, size, stale)
        SELECT id, setweight(hub_search_words(subject), 'A'), 0, false FROM added
        ON CONFLICT (ticket_id) DO NOTHING;
        RETURN NULL;
    END
    $$;

CREATE OR REPLACE FUNCTION hub_search_messages_added() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    DECLARE
        missing bigint[];
    BEGIN
        -- Tickets without a row (made before this migration and not filled in yet) are built
        -- whole below; the others get the new words appended, up to their budget.
        SELECT array_agg(DISTINCT a.ticket_id) INTO missing
          FROM added a
         WHERE NOT EXISTS (SELECT 1 FROM hub_ticketsearch s WHERE s.ticket_id = a.ticket_id);
        UPDATE hub_ticketsearch s
           SET document = s.document || setweight(hub_search_words(left(b.body, LIMIT_CHARS - s.size)), 'B'),
               size = s.size + length(left(b.body, LIMIT_CHARS - s.size))
          FROM (
              SELECT ticket_id,
                     left(string_agg(left(text, LIMIT_CHARS), E'\\n' ORDER BY created_at, id), LIMIT_CHARS) AS body
                FROM added
               WHERE kind <> 'system' AND text <> ''
               GROUP BY ticket_id
          ) b
         WHERE s.ticket_id = b.ticket_id AND s.size < LIMIT_CHARS AND NOT s.stale;
        IF missing IS NOT NULL THEN
            PERFORM hub_search_rebuild(missing);
        END IF;
        RETURN NULL;
    END
    $$;

-- A row changed under a document: mark it stale (once per ticket and statement) …
CREATE OR REPLACE FUNCTION hub_search_mark_stale() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        IF TG_TABLE_NAME = 'hub_ticket' THEN
            UPDATE hub_ticketsearch SET stale = true WHERE ticket_id = NEW.id AND NOT stale;
        ELSIF TG_OP = 'DELETE' THEN
            UPDATE hub_ticketsearch SET stale = true WHERE ticket_id = OLD.ticket_id AND NOT stale;
        ELSE
            UPDATE hub_ticketsearch SET stale = true
             WHERE ticket_id IN (OLD.ticket_id, NEW.ticket_id) AND NOT stale;
        END IF;
        RETURN NULL;
    END
    $$;

-- … and build the stale ones again when the statement ends.
CREATE OR REPLACE FUNCTION hub_search_rebuild_stale() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        PERFORM hub_search_rebuild(array(SELECT ticket_id FROM hub_ticketsearch WHERE stale));
        RETURN NULL;
    END
    $$;

-- Dropped first: an interrupted migration runs again from the start.
DROP TRIGGER IF EXISTS hub_search_tickets_added ON hub_ticket;
DROP TRIGGER IF EXISTS hub_search_subject_changed ON hub_ticket;
DROP TRIGGER IF EXISTS hub_search_subject_rebuild ON hub_ticket;
DROP TRIGGER IF EXISTS hub_search_messages_added ON hub_message;
DROP TRIGGER IF EXISTS hub_search_message_changed ON hub_message;
DROP TRIGGER IF EXISTS hub_search_message_rebuild ON hub_message;
DROP TRIGGER IF EXISTS hub_search_message_deleted ON hub_message;
DROP TRIGGER IF EXISTS hub_search_message_deleted_rebuild ON hub_message;
CREATE TRIGGER hub_search_tickets_added
    AFTER INSERT ON hub_ticket REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION hub_search_tickets_added();
CREATE TRIGGER hub_search_subject_changed
    AFTER UPDATE OF subject ON hub_ticket
    FOR EACH ROW WHEN (OLD.subject IS DISTINCT FROM NEW.subject)
    EXECUTE FUNCTION hub_search_mark_stale();
CREATE TRIGGER hub_search_subject_rebuild
    AFTER UPDATE OF subject ON hub_ticket
    FOR EACH STATEMENT EXECUTE FUNCTION hub_search_rebuild_stale();

CREATE TRIGGER hub_search_messages_added
    AFTER INSERT ON hub_message REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION hub_search_messages_added();
CREATE TRIGGER hub_search_message_changed
    AFTER UPDATE OF ticket_id, text, kind ON hub_message
    FOR EACH ROW WHEN (
        OLD.ticket_id IS DISTINCT FROM NEW.ticket_id
        OR OLD.kind IS DISTINCT FROM NEW.kind
        OR OLD.text IS DISTINCT FROM NEW.text
    )
    EXECUTE FUNCTION hub_search_mark_stale();
CREATE TRIGGER hub_search_message_rebuild
    AFTER UPDATE OF ticket_id, text, kind ON hub_message
    FOR EACH STATEMENT EXECUTE FUNCTION hub_search_rebuild_stale();
CREATE TRIGGER hub_search_message_deleted
    AFTER DELETE ON hub_message
    FOR EACH ROW EXECUTE FUNCTION hub_search_mark_stale();
CREATE TRIGGER hub_search_message_deleted_rebuild
    AFTER DELETE ON hub_message
    FOR EACH STATEMENT EXECUTE FUNCTION hub_search_rebuild_stale();
""".replace("LIMIT_CHARS", str(LIMIT))

UNINSTALL = """
DROP TRIGGER IF EXISTS hub_search_message_deleted_rebuild ON hub_message;
DROP TRIGGER IF EXISTS hub_search_message_deleted ON hub_message;
DROP TRIGGER IF EXISTS hub_search_message_rebuild ON hub_message;
DROP TRIGGER IF EXISTS hub_search_message_changed ON hub_message;
DROP TRIGGER IF EXISTS hub_search_messages_added ON hub_message;
DROP TRIGGER IF EXISTS hub_search_subject_rebuild ON hub_ticket;
DROP TRIGGER IF EXISTS hub_search_subject_changed ON hub_ticket;
DROP TRIGGER IF EXISTS hub_search_tickets_added ON hub_ticket;
DROP FUNCTION IF EXISTS hub_search_rebuild_stale();
DROP FUNCTION IF EXISTS hub_search_mark_stale();
DROP FUNCTION IF EXISTS hub_search_messages_added();
DROP FUNCTION IF EXISTS hub_search_tickets_added();
DROP FUNCTION IF EXISTS hub_search_rebuild(bigint[]);
DROP FUNCTION IF EXISTS hub_search_candidates(tsquery, integer);
DROP FUNCTION IF EXISTS hub_search_phrase(text);
DROP FUNCTION IF EXISTS hub_search_word(text);
DROP FUNCTION IF EXISTS hub_search_words(text);
ALTER TABLE hub_ticketsearch DROP CONSTRAINT IF EXISTS hub_ticketsearch_ticket_fk;
"""

INDEX = "ticketsearch_document"


class CreateModelIfMissing(migrations.CreateModel):
    """CreateModel that leaves the table be if an interrupted run of this migration made it."""

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        model = to_state.apps.get_model(app_label, self.name)
        if model._meta.db_table in schema_editor.connection.introspection.table_names():
            return
        super().database_forwards(app_label, schema_editor, from_state, to_state)


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(INSTALL)


def uninstall(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(UNINSTALL)


def fill(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Every existing ticket's document, BATCH tickets per transaction, counted on the console."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM hub_ticket")
        total = cursor.fetchone()[0]
        done, last = 0, 0
        while True:
            cursor.execute("SELECT id FROM hub_ticket WHERE id > %s ORDER BY id LIMIT %s", [last, BATCH])
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                break
            cursor.execute("SELECT hub_search_rebuild(%s::bigint[])", [ids])  # commits alone
            done, last = done + len(ids), ids[-1]
            if total > BATCH:
                sys.stdout.write(f"\r  search index: {done:,} of {total:,} tickets")
                sys.stdout.flush()
        if total > BATCH:
            sys.stdout.write("\n")


def create_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # An interrupted CONCURRENTLY build leaves an invalid index that IF NOT EXISTS would keep.
        cursor.execute("SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", [INDEX])
        row = cursor.fetchone()
        if row is not None and row[0]:
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")
        cursor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON hub_ticketsearch USING gin (document)")


def drop_index(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("hub", "0018_sla_risk_indexes"),
    ]

    operations = [
        # The table only if it is not there: the migration is not atomic, and one interrupted
        # while filling in must be able to run again from the start.
        CreateModelIfMissing(
            name="TicketSearch",
            fields=[
                (
                    "ticket",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_row",
                        serialize=False,
                        to="hub.ticket",
                        verbose_name="ticket",
                    ),
                ),
                ("document", django.contrib.postgres.search.SearchVectorField(verbose_name="search words")),
                ("size", models.PositiveIntegerField(default=0, verbose_name="characters taken in")),
                ("stale", models.BooleanField(db_default=False, default=False, verbose_name="out of date")),
            ],
            options={
                "verbose_name": "search words of a ticket",
                "verbose_name_plural": "search words of tickets",
                "indexes": [
                    models.Index(condition=models.Q(("stale", True)), fields=["ticket"], name="ticketsearch_stale")
                ],
            },
        ),
        migrations.RunPython(install, uninstall, elidable=False),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
