from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import F, Model, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from hub.bodies import windowed

# The paging parameters; each is given once or not at all.
PAGING = ("cursor", "page_size", "order")


def page_size(request: Request, name: str, default: int, maximum: int) -> int:
    """The page size asked for in ``name``, between 1 and ``maximum``; ``default`` if not asked.

    A value that is no whole number is refused (400, DRF's translated message), not quietly
    replaced by the default: the client would page with a size it did not ask for. So is a
    paging parameter given twice (which one would count?). Every page asks for its size first.
    """
    repeated = [p for p in PAGING if len(request.query_params.getlist(p)) > 1]
    if repeated:
        raise ValidationError({p: [_("Give this parameter once.")] for p in repeated})
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        size = int(serializers.IntegerField().run_validation(raw))
    except ValidationError as exc:
        raise ValidationError({name: exc.detail}) from exc
    return max(1, min(size, maximum))


class Cursor(CursorPagination):
    """Keyset pagination: a deep page costs what the first page costs."""

    ordering = ("-last_activity_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        return page_size(request, self.page_size_query_param, self.page_size, self.max_page_size)


class NewestFirst(CursorPagination):
    """Cursor pagination on the primary key alone: unique, so DRF's single-field cursor is exact."""

    ordering = ("-id",)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        return page_size(request, self.page_size_query_param, self.page_size, self.max_page_size)


class Keyset(BasePagination):
    """True keyset pagination on (``field``, ``id``), newest first unless the client asks otherwise.

    DRF's CursorPagination positions on the first ordering field only and uses an OFFSET for
    ties; rows bulk-created in one instant tie by the thousand, and an offset walk there is
    what makes deep pages slow. The cursor here is the (time, id) pair of the edge row and the
    next page is the row comparison ``(time, id) < (T, I)`` (``>`` oldest first), which
    PostgreSQL answers as one range scan of a (time, id) index however deep the page and however
    many rows tie (an ``a < T OR (a = T AND id < I)`` form falls back to a bitmap scan and a
    sort); the lookups are the row-value ones Django 5.2 built for composite primary keys. A row
    that moves while someone pages (a ticket with new activity) moves past the reader; nothing
    is shown twice and no unchanged row is skipped.

    With ``order_query_param`` set, ``?order=oldest`` pages from the first row on; the links a
    page returns keep the parameter, and the cursor only says where the page ends.
    """

    field = "last_activity_at"
    cursor_query_param = "cursor"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    order_query_param: str | None = None
    ORDERS = ("newest", "oldest")

    def __init__(self) -> None:
        self.next_key: tuple[datetime, int] | None = None
        self.previous_key: tuple[datetime, int] | None = None
        self.request: Request | None = None

    # --- the cursor ---------------------------------------------------------------------------
    @staticmethod
    def encode(direction: str, key: tuple[datetime, int]) -> str:
        raw = json.dumps([direction, key[0].isoformat(), key[1]], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @staticmethod
    def decode(token: str) -> tuple[str, tuple[datetime, int]]:
        try:
            padded = token + "=" * (-len(token) % 4)
            direction, moment, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
            when = parse_datetime(moment)
            if direction not in ("n", "p") or when is None or not isinstance(pk, int):
                raise ValueError(token)
        except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
            raise NotFound("Invalid cursor.") from exc
        return direction, (when, pk)

    def get_page_size(self, request: Request) -> int:
        return page_size(request, self.page_size_query_param, self.page_size, self.max_page_size)

    def newest_first(self, request: Request) -> bool:
        if self.order_query_param is None:
            return True
        raw = request.query_params.get(self.order_query_param, self.ORDERS[0])
        try:
            # DRF's own (translated) message for a value outside the choices.
            order = serializers.ChoiceField(choices=self.ORDERS).run_validation(raw)
        except ValidationError as exc:
            raise ValidationError({self.order_query_param: exc.detail}) from exc
        return bool(order == "newest")

    # --- the page -----------------------------------------------------------------------------
    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: APIView | None = None
    ) -> list[Any]:
        if not isinstance(queryset, QuerySet):
            raise TypeError(f"{type(self).__name__} pages querysets only")
        self.request = request
        size = self.get_page_size(request)
        f = self.field
        # "Onward" is the order the pages come in; "back" walks towards the first page.
        onward: type[TupleLessThan | TupleGreaterThan]
        back: type[TupleLessThan | TupleGreaterThan]
        if self.newest_first(request):
            onward, onward_order, back, back_order = TupleLessThan, (f"-{f}", "-id"), TupleGreaterThan, (f, "id")
        else:
            onward, onward_order, back, back_order = TupleGreaterThan, (f, "id"), TupleLessThan, (f"-{f}", "-id")
        token = request.query_params.get(self.cursor_query_param)
        direction, key = self.decode(token) if token else ("n", None)
        if key is not None and direction == "p":
            qs = queryset.filter(back(Tuple(F(f), F("id")), key))
            rows = self.rows(qs, back_order, size + 1)
            has_more = len(rows) > size
            rows = rows[:size][::-1]
            self.previous_key = self._key(rows[0]) if has_more and rows else None
            self.next_key = self._key(rows[-1]) if rows else key
            return rows
        if key is not None:
            queryset = queryset.filter(onward(Tuple(F(f), F("id")), key))
        rows = self.rows(queryset, onward_order, size + 1)
        has_more = len(rows) > size
        rows = rows[:size]
        self.next_key = self._key(rows[-1]) if has_more else None
        self.previous_key = self._key(rows[0]) if key is not None and rows else None
        return rows

    def rows(self, queryset: QuerySet[Any], order: Sequence[str], size: int) -> list[Any]:
        """The first ``size`` rows in ``order``."""
        return list(queryset.order_by(*order)[:size])

    def _key(self, row: Model | dict[str, Any]) -> tuple[datetime, int]:
        # Rows are model instances, or dicts when the view reads ``.values()`` (with "id").
        if isinstance(row, dict):
            return row[self.field], row["id"]
        return getattr(row, self.field), row.pk

    def _link(self, direction: str, key: tuple[datetime, int] | None) -> str | None:
        if key is None or self.request is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.encode(direction, key))

    def get_next_link(self) -> str | None:
        return self._link("n", self.next_key)

    def get_previous_link(self) -> str | None:
        return self._link("p", self.previous_key)

    def get_paginated_response(self, data: Sequence[Any]) -> Response:
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The opaque cursor from a previous page's next or previous link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page, at most {self.max_page_size}.",
                "schema": {"type": "integer"},
            },
        ]
        if self.order_query_param is not None:
            parameters.append(
                {
                    "name": self.order_query_param,
                    "required": False,
                    "in": "query",
                    "description": "`newest` first (the default) or `oldest` first.",
                    "schema": {"type": "string", "enum": list(self.ORDERS), "default": self.ORDERS[0]},
                }
            )
        return parameters


class ActivityKeyset(Keyset):
    """Tickets by their latest activity, newest first; a ticket with new activity moves to the top."""

    field = "last_activity_at"


class SlaDueKeyset(Keyset):
    """Tickets by the earliest due time of their running SLA targets, soonest (or most overdue) first.

    Only tickets with a running target have one (``TicketFilter``'s ``ordering=sla_due_at``
    narrows the list to them), so the keys are never null; the open tickets' (sla_due_at, id)
    index serves the range scan.
    """

    field = "sla_due_at"

    def newest_first(self, request: Request) -> bool:
        return False


class TimelineKeyset(Keyset):
    """A ticket's messages or events by time, newest first or (``?order=oldest``) oldest first."""

    field = "created_at"
    order_query_param = "order"

    def rows(self, queryset: QuerySet[Any], order: Sequence[str], size: int) -> list[Any]:
        # Messages come with their body heads: their ids first, so only a page's heads are worked out.
        return windowed(queryset, order, size)


def timeline_link(request: Request, url: str, before: tuple[datetime, int]) -> str:
    """The first newest-first page of ``url`` (a TimelineKeyset list) after the row ``before``."""
    return replace_query_param(request.build_absolute_uri(url), Keyset.cursor_query_param, Keyset.encode("n", before))
