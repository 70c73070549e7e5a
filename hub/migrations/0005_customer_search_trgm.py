"""Trigram indexes for the customer search (hub.api.filters.search_customers), PostgreSQL only.

The search matches part of a name or identity with ``icontains``, which Django writes as
``UPPER(col::text) LIKE UPPER('%term%')``; a GIN index with ``gin_trgm_ops`` on exactly that
expression answers it without reading every row. SQLite, the embedded default, has no such
index and keeps scanning its (small) tables: this migration does nothing there.

The indexes are not declared on the models (a GinIndex would not build on SQLite), so they live
here only; ``makemigrations`` does not see them and will not try to drop them.

They are built CONCURRENTLY, which cannot run in a transaction (hence ``atomic = False``), so
that building them on a large hub (a few seconds per million identities) does not hold up
inbound mail, which inserts identities meanwhile.
"""

from __future__ import annotations

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import ProjectState, StateApps

INDEXES = {
    "identity_value_trgm": ("hub_identity", "value"),
    "customer_name_trgm": ("hub_customer", "display_name"),
}


class PostgresTrigramExtension(TrigramExtension):
    """``CREATE EXTENSION pg_trgm``, on PostgreSQL only.

    Django's operation skips other databases going forward but, going back, asks pg_extension
    whatever the database is, which fails on SQLite.
    """

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def create_indexes(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, column) in INDEXES.items():
        # A CONCURRENTLY build that was interrupted leaves an invalid index behind; IF NOT
        # EXISTS would keep it, so drop it and build again.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)",
                [schema_editor.quote_name(name)],
            )
            row = cursor.fetchone()
        if row is not None and row[0]:
            schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(name)}")
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {schema_editor.quote_name(name)} "
            f"ON {schema_editor.quote_name(table)} "
            f"USING gin ((UPPER({schema_editor.quote_name(column)}::text)) gin_trgm_ops)"
        )


def drop_indexes(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("hub", "0004_bench_open_ticket_indexes"),
    ]

    operations = [
        # CREATE EXTENSION pg_trgm (a trusted extension: the database owner may create it);
        # a no-op on other databases.
        PostgresTrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
