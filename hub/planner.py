"""What PostgreSQL's planner expects of a query, from its statistics, without reading a row.

Some lists choose between two plans by how many rows a condition will match (``hub.tag_filter``,
``hub.search.tickets``): an EXPLAIN answers that in a fraction of a millisecond.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connections


def plan(db: str, sql: str, params: list[Any]) -> dict[str, Any]:
    """The top node of ``sql``'s plan on database ``db`` (its "Plan Rows", its "Plans")."""
    with connections[db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        raw = cursor.fetchone()[0]
    # psycopg decodes the JSON itself; a driver that does not hands over the text.
    top: dict[str, Any] = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    return top
