"""Each ticket's tag ids on the ticket itself, kept by PostgreSQL, for the inbox's tag filter.

A tag filter on the open tickets ("All open", tag vip) had no index to start from: the tags
live in the join table, so PostgreSQL walked the open tickets newest first and probed each
for the tag. It assumes the tagged ones are spread evenly; in fact new mail comes in untagged,
and after a day's mail at a million tickets it read 46,000 tickets to find a page (50 ms).

``hub_ticket.tag_ids`` holds the ticket's tag ids, sorted, and a GIN index over the open,
tagged tickets finds those with a tag in a few milliseconds (``hub.tag_filter`` decides when
to use it). Statement triggers on the join table keep the column current, so no writer has to
know of it: whatever adds, removes or moves tags (an agent, a macro, a routing rule, a merge,
the bulk bar, a COPY) refreshes the tickets it touched in one UPDATE per statement. The
refresh locks those tickets first: a concurrent change to the same ticket's tags waits, and
the refresh that follows reads what it committed.

Existing tickets are filled in a batch at a time, each its own transaction (the migration is
not atomic), with a count on the console; the index is built after the fill, CONCURRENTLY.

SQLite, the embedded default, has no such column: its tag filter reads the join table.
"""

from __future__ import annotations

import sys

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

BATCH = 5000
INDEX = "ticket_open_tags"

INSTALL = """
ALTER TABLE hub_ticket ADD COLUMN IF NOT EXISTS tag_ids bigint[] NOT NULL DEFAULT '{}';

-- The given tickets' tag ids as the join table has them now; returns how many changed.
CREATE OR REPLACE FUNCTION hub_ticket_tags_refresh(ids bigint[]) RETURNS integer
    LANGUAGE plpgsql VOLATILE
    AS $$
DECLARE
    changed integer;
BEGIN
    -- In id order, as every writer locks tickets. Under READ COMMITTED the UPDATE below takes
    -- a new snapshot, so a concurrent change waited for here is part of what it reads.
    PERFORM 1 FROM hub_ticket WHERE id = ANY(ids) ORDER BY id FOR UPDATE;
    UPDATE hub_ticket t
       SET tag_ids = fresh.tag_ids
      FROM (
          SELECT i.id,
                 coalesce((SELECT array_agg(x.tag_id ORDER BY x.tag_id)
                             FROM hub_ticket_tags x WHERE x.ticket_id = i.id), '{}') AS tag_ids
            FROM unnest(ids) AS i(id)
      ) fresh
     WHERE t.id = fresh.id AND t.tag_ids IS DISTINCT FROM fresh.tag_ids;
    GET DIAGNOSTICS changed = ROW_COUNT;
    RETURN changed;
END
$$;

CREATE OR REPLACE FUNCTION hub_ticket_tags_changed() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM hub_ticket_tags_refresh(ARRAY(SELECT DISTINCT ticket_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM hub_ticket_tags_refresh(ARRAY(SELECT DISTINCT ticket_id FROM old_rows));
    ELSE
        PERFORM hub_ticket_tags_refresh(ARRAY(
            SELECT ticket_id FROM old_rows UNION SELECT ticket_id FROM new_rows
        ));
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS hub_ticket_tags_added ON hub_ticket_tags;
CREATE TRIGGER hub_ticket_tags_added AFTER INSERT ON hub_ticket_tags
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hub_ticket_tags_changed();
DROP TRIGGER IF EXISTS hub_ticket_tags_removed ON hub_ticket_tags;
CREATE TRIGGER hub_ticket_tags_removed AFTER DELETE ON hub_ticket_tags
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hub_ticket_tags_changed();
DROP TRIGGER IF EXISTS hub_ticket_tags_moved ON hub_ticket_tags;
CREATE TRIGGER hub_ticket_tags_moved AFTER UPDATE ON hub_ticket_tags
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION hub_ticket_tags_changed();
"""

UNINSTALL = """
DROP TRIGGER IF EXISTS hub_ticket_tags_added ON hub_ticket_tags;
DROP TRIGGER IF EXISTS hub_ticket_tags_removed ON hub_ticket_tags;
DROP TRIGGER IF EXISTS hub_ticket_tags_moved ON hub_ticket_tags;
DROP FUNCTION IF EXISTS hub_ticket_tags_changed();
DROP FUNCTION IF EXISTS hub_ticket_tags_refresh(bigint[]);
ALTER TABLE hub_ticket DROP COLUMN IF EXISTS tag_ids;
"""


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(INSTALL)


def uninstall(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(UNINSTALL)  # the column takes its index with it


def fill(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """The tag ids of every tagged ticket, BATCH tickets per transaction, counted on the console."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT ticket_id) FROM hub_ticket_tags")
        total = cursor.fetchone()[0]
        done, last = 0, 0
        while True:
            cursor.execute(
                "SELECT DISTINCT ticket_id FROM hub_ticket_tags WHERE ticket_id > %s ORDER BY ticket_id LIMIT %s",
                [last, BATCH],
            )
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                break
            cursor.execute("SELECT hub_ticket_tags_refresh(%s::bigint[])", [ids])  # commits alone
            done, last = done + len(ids), ids[-1]
            if total > BATCH:
                sys.stdout.write(f"\r  tags on tickets: {done:,} of {total:,} tagged tickets")
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
        # Open, tagged tickets only: untagged mail never touches it, and the closed history,
        # where tags are spread evenly, is walked (hub.tag_filter). Written through, not via a
        # pending list, which every query would have to read as well.
        cursor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON hub_ticket USING gin (tag_ids)"
            " WITH (fastupdate = off)"
            " WHERE status IN ('new', 'open', 'pending', 'on_hold') AND tag_ids <> '{}'"
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("hub", "0031_done_assignee_index"),
    ]

    operations = [
        # Column and triggers together: from then on every change to tags is kept.
        migrations.RunPython(install, uninstall, elidable=False, atomic=True),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(create_index, migrations.RunPython.noop),
    ]
