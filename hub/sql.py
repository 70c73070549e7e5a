"""Builders of raw SQL, in one place: each returns ``(sql, params)`` for the caller to run or embed.

Raw SQL is for the few statements the ORM cannot write in one round trip (a data-modifying CTE,
one LATERAL index walk per key). Table and column names come from the models, quoted; every
value is a parameter. Each function stands alone.
"""

# ruff: noqa: S608 - the SQL is put together from quoted table and column names of our models;
# every value is a parameter.
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection, models

SQL = tuple[str, list[Any]]


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[models.Model], name: str) -> str:
    """The quoted column of field ``name`` (a foreign key by its field name: ``ticket``, ``ticket_id``)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return connection.ops.quote_name(str(field.column))


def insert_select(obj: models.Model, source: str, computed: Mapping[str, SQL]) -> SQL:
    """``INSERT INTO <table> (…) SELECT … FROM <source>``: ``obj``'s values, ``computed`` as SQL.

    Every concrete field of ``obj``'s model is written, so a column added later gets its model
    default here as everywhere else; only the columns named in ``computed`` (by attname) take
    their value from ``source``, a relation of the surrounding statement. The primary key is
    left to the database unless computed. Append ``RETURNING`` or ``ON CONFLICT`` as needed.
    """
    meta = obj._meta
    columns: list[str] = []
    values: list[str] = []
    params: list[Any] = []
    for field in meta.concrete_fields:
        if field.primary_key and field.attname not in computed:
            continue
        columns.append(connection.ops.quote_name(str(field.column)))
        if field.attname in computed:
            sql, sql_params = computed[field.attname]
            values.append(sql)
            params += sql_params
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.pre_save(obj, add=True), connection))
    return f"INSERT INTO {table(type(obj))} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}", params


def _order(model: type[models.Model], order_by: Sequence[str]) -> str:
    return ", ".join(
        f"{column(model, name[1:])} DESC" if name.startswith("-") else f"{column(model, name)} ASC" for name in order_by
    )


def latest(
    model: type[models.Model],
    columns: Sequence[str],
    *,
    match: Mapping[str, Any] | None = None,
    correlate: Mapping[str, str] | None = None,
    where: SQL = ("", []),
    order_by: Sequence[str] = ("-created_at", "-id"),
    limit: int | str = 1,
) -> SQL:
    """``SELECT <columns> FROM <model> WHERE … ORDER BY <order_by> LIMIT <limit>``: the latest rows of one key.

    The key is ``match`` (field name → value, a parameter) and ``correlate`` (field name → a
    column of an outer relation, for a LATERAL join: ``latest_per_key``); ``where`` adds any
    other condition. With an index on (key, order) the database reads just the rows returned;
    as a scalar subquery (one column, limit 1) it names one row inside a larger statement.
    Portable SQL: runs on SQLite too.
    """
    conditions = [f"{column(model, name)} = %s" for name in match or {}]
    conditions += [f"{column(model, name)} = {outer}" for name, outer in (correlate or {}).items()]
    if where[0]:
        conditions.append(f"({where[0]})")
    params = [*(match or {}).values(), *where[1]]
    sql = (
        f"SELECT {', '.join(column(model, name) for name in columns)} FROM {table(model)}"
        f"{' WHERE ' + ' AND '.join(conditions) if conditions else ''}"
        f" ORDER BY {_order(model, order_by)} LIMIT {limit if isinstance(limit, str) else int(limit)}"
    )
    return sql, params


def _array_type(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return f"{field.db_type(connection)}[]"


def latest_per_key(
    model: type[models.Model],
    columns: Sequence[str],
    *,
    keys: Mapping[str, Sequence[Any]],
    where: SQL = ("", []),
    order_by: Sequence[str] = ("-created_at", "-id"),
    limit: int | Sequence[int] = 1,
) -> SQL:
    """The latest ``limit`` rows of each key, in one statement (PostgreSQL).

    ``keys``: field name → the keys' values, one list per field, aligned (the n-th key is the
    n-th value of each). ``limit``: the same for every key, or one per key. The rows come from
    ``unnest(…) AS k CROSS JOIN LATERAL (latest(…)) AS m``: one index walk per key, so a key
    with thousands of rows costs no more than one with two. Selects ``columns`` of the rows
    (include the key fields to tell the keys apart); a key without rows gives none.
    """
    names = list(keys)
    arrays = [f"%s::{_array_type(model, name)}" for name in names]
    params: list[Any] = [list(values) for values in keys.values()]
    aliases = [f"k{n}" for n in range(len(names))]
    each: int | str = limit if isinstance(limit, int) else "k.n"
    if not isinstance(limit, int):
        arrays.append("%s::int[]")
        params.append(list(limit))
        aliases.append("n")
    inner, inner_params = latest(
        model,
        columns,
        correlate={name: f"k.{alias}" for name, alias in zip(names, aliases, strict=False)},
        where=where,
        order_by=order_by,
        limit=each,
    )
    sql = f"SELECT m.* FROM unnest({', '.join(arrays)}) AS k({', '.join(aliases)}) CROSS JOIN LATERAL ({inner}) AS m"
    return sql, params + inner_params


def update_from_arrays(model: type[models.Model], rows: Sequence[models.Model], fields: Sequence[str]) -> SQL:
    """``UPDATE <table> SET f = v.f, … FROM unnest(<one array per column>) AS v WHERE pk = v.pk``
    (PostgreSQL): ``fields`` of many rows in one statement, each row its own values."""
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    columns: list[models.Field[Any, Any]] = [pk]
    for name in fields:
        field = meta.get_field(name)
        assert isinstance(field, models.Field)
        columns.append(field)
    params: list[Any] = [[c.get_db_prep_save(getattr(row, c.attname), connection) for row in rows] for c in columns]
    arrays = ", ".join(f"%s::{c.rel_db_type(connection)}[]" for c in columns)
    names = [connection.ops.quote_name(str(c.column)) for c in columns]
    sets = ", ".join(f"{name} = v.{name}" for name in names[1:])
    sql = (
        f"UPDATE {table(model)} AS t SET {sets} FROM unnest({arrays}) AS v({', '.join(names)}) "
        f"WHERE t.{names[0]} = v.{names[0]}"
    )
    return sql, params
