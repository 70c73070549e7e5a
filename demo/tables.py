"""Row buffers that land in PostgreSQL through COPY, or through ``bulk_create`` elsewhere.

A buffer is told which fields each row supplies, in order; every other column gets the
field's default, computed once. So a field another part of the hub adds later (with a
default) does not break the bulk seeder.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone

# One encoder for millions of small documents: json.dumps would build a new one per call.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def uses_copy() -> bool:
    return connection.vendor == "postgresql"


def _default(field: models.Field[Any, Any]) -> Any:
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now()
    return field.get_default()


class Rows:
    def __init__(self, model: type[models.Model], fields: Sequence[str], *, copy: bool) -> None:
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        missing = [name for name in fields if name not in by_attname]
        if missing:
            raise ValueError(f"{model.__name__} has no fields {missing}")
        rest = [f for f in model._meta.concrete_fields if f.attname not in fields and not f.primary_key]
        self.model = model
        self.copy = copy
        self.attnames = [*fields, *(f.attname for f in rest)]
        self.columns = [str(by_attname[a].column) for a in fields] + [str(f.column) for f in rest]
        rest_values = [_default(f) for f in rest]
        if copy:
            rest_values = [
                self.json(v) if isinstance(f, models.JSONField) else v for f, v in zip(rest, rest_values, strict=True)
            ]
        self.rest = tuple(rest_values)
        self.rows: list[tuple[Any, ...]] = []
        self.total = 0

    def json(self, value: Any) -> Any:
        """A JSON field's value in the form this buffer's path needs (text for COPY)."""
        return _encode(value) if self.copy else value

    def add(self, *values: Any) -> None:
        self.rows.append(values)

    def flush(self) -> int:
        rows, self.rows = self.rows, []
        if not rows:
            return 0
        if self.copy:
            self._copy(rows)
        else:
            self._bulk_create(rows)
        self.total += len(rows)
        return len(rows)

    def _copy(self, rows: list[tuple[Any, ...]]) -> None:
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        rest = self.rest
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            write: Callable[[Sequence[Any]], None] = copy.write_row
            for row in rows:
                write(row + rest)

    def _bulk_create(self, rows: list[tuple[Any, ...]]) -> None:
        names, rest, model = self.attnames, self.rest, self.model
        objects = [model(**dict(zip(names, row + rest, strict=True))) for row in rows]
        model._default_manager.bulk_create(objects, batch_size=500)


def reserve_ids(model: type[models.Model], count: int) -> int:
    """The first of ``count`` consecutive primary keys that no other insert will take.

    On PostgreSQL the sequence is moved past the block in one statement; elsewhere the next
    id after the current maximum is used (the bulk seeder is the only writer there).
    """
    table = model._meta.db_table
    if uses_copy():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, 'id')) + %s - 1)",
                [table, table, count],
            )
            last = cursor.fetchone()[0]
        return int(last) - count + 1
    top = model._default_manager.aggregate(top=models.Max("pk"))["top"]
    return int(top or 0) + 1
