"""The agent inbox (first and deep keyset pages of every view, filter and order) and the ticket page."""

from __future__ import annotations

import time

from bench.harness import NOT_AVAILABLE, Context, Unavailable, html_link

VIEWS = ("mine", "unassigned", "teams", "all", "pending", "snoozed", "mentions", "solved", "closed")
ADMIN_VIEWS = ("all",)
# The filter bar and the other orders (frontend/inbox_filters.py): (view, query) each measured
# like a view. The solved and closed history is most of a large table.
FILTERED = (
    ("teams", "sort=created"),
    ("teams", "sort=priority"),
    ("all", "sort=created"),
    ("all", "sort=priority"),
    ("solved", "sort=created"),
    ("closed", "sort=priority"),
    ("teams", "channel=chat&status=open"),
    ("all", "channel=email&status=open&sort=created"),
    ("all", "priority=4"),
    ("all", "sla=warning,breached&sort=due"),
    ("all", "tag=vip"),
    ("mine", "status=solved,closed"),
    ("teams", "created_after=30d&sort=created"),
)
ROLES = ("agent", "admin")
TARGET_MS = 50.0
# A bulk change from the inbox's bulk bar (frontend/views/bulk.py) on this many tickets, and its undo.
BULK_TICKETS = 500
BULK_TARGET_MS = 5000.0


def run(ctx: Context) -> None:
    older = html_link("before")
    cases = [(view, "") for view in VIEWS] + list(FILTERED)
    for role in ROLES:
        for view, query in cases:
            if role != "admin" and view in ADMIN_VIEWS:
                continue
            url = f"/agent/v/{view}/?{query}" if query else f"/agent/v/{view}/"
            name = f"{view}?{query}" if query else view
            first = ctx.measure(f"inbox {name}: first page", role, url, target_ms=TARGET_MS)
            # What every open inbox fetches on a live update: the list region only.
            ctx.measure(
                f"inbox {name}: live refresh",
                role,
                url,
                target_ms=TARGET_MS,
                HTTP_HX_REQUEST="true",
                HTTP_HX_TARGET="list",
            )
            deep_case = f"inbox {name}: deep page"
            if first.status != "ok":
                ctx.unavailable(deep_case, role, first.note, status=first.status)
                continue
            try:
                deep, page = ctx.follow(role, url, ctx.deep_pages, older)
            except Exception as exc:  # noqa: BLE001 - reported in the table, the run goes on
                ctx.unavailable(deep_case, role, f"following ?before= failed: {exc}", status="error")
                continue
            if page == 1:
                ctx.unavailable(deep_case, role, "one page only at this size")
                continue
            ctx.measure(deep_case, role, deep, target_ms=TARGET_MS, note=f"page {page}")
    for name, ticket_id in ctx.tickets.items():
        for role in ROLES:
            case = f"ticket page ({name})"
            try:
                # The permalink redirects into a view; measure the page agents actually load.
                url = ctx.landing(role, f"/agent/t/{ticket_id}/")
            except Unavailable as exc:
                ctx.unavailable(case, role, str(exc), status=NOT_AVAILABLE)
                continue
            except Exception as exc:  # noqa: BLE001 - reported in the table, the run goes on
                ctx.unavailable(case, role, f"{type(exc).__name__}: {exc}", status="error")
                continue
            note = f"messages: {ctx.message_counts.get(name, '?')}"
            ctx.measure(case, role, url, target_ms=TARGET_MS, note=note)
            # What a click on a row in the list fetches (htmx, the ticket region only): how agents
            # open one ticket after another; the whole page above is a reload or a shared link.
            ctx.measure(
                f"ticket opened from the list ({name})",
                role,
                url,
                target_ms=TARGET_MS,
                note=note,
                HTTP_HX_REQUEST="true",
                HTTP_HX_TARGET="ticket",
            )
    bulk(ctx)


def bulk(ctx: Context) -> None:
    """Set ``BULK_TICKETS`` open tickets pending in one bulk change as an admin, then undo it (which
    puts the bench's data back): each one POST, timed with its queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from frontend import inbox

    admin = ctx.agents["admin"]
    ids = list(inbox.view_tickets(admin, "all").exclude(status="pending").values_list("pk", flat=True)[:BULK_TICKETS])
    case = f"bulk status on {BULK_TICKETS} tickets"
    if len(ids) < BULK_TICKETS:
        ctx.unavailable(case, "admin", f"{len(ids)} open tickets only at this size")
        return
    client = ctx.client("admin")
    token = ""
    for name, url, data in (
        (case, reverse("agent_bulk"), {"action": "status", "status": "pending", "ids": [str(i) for i in ids]}),
        (f"undo of the bulk status on {BULK_TICKETS} tickets", reverse("agent_bulk_undo"), {}),
    ):
        if not data:
            data = {"token": token}
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.post(url, data)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            ctx.unavailable(name, "admin", f"POST answered {response.status_code}", status="error")
            return
        token = token or str(response.json().get("token", ""))
        result = ctx.record_value(name, round(elapsed, 1), "ms", note=f"{len(captured.captured_queries)} queries")
        result.role, result.target_ms, result.queries = "admin", BULK_TARGET_MS, len(captured.captured_queries)
        result.median_ms = result.p95_ms = result.value
