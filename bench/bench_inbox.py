"""The agent inbox (first and deep keyset pages of every view, filter and order) and the ticket page."""

from __future__ import annotations

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
            ctx.measure(case, role, url, target_ms=TARGET_MS, note=f"messages: {ctx.message_counts.get(name, '?')}")
