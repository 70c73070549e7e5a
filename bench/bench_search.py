"""Search (hub.search): the search page and the ticket API's ``?q=`` for an absent, a rare, a
common word, a phrase and more, as an agent (team member) and as an admin.

The words come from the demo data (``demo/texts.py``): an order number from one recent and one
old ticket the agent sees (rare: a handful of tickets each), "Danke" (in about a third of all
tickets), "Rechnung" (one in eleven), the phrase "nicht angekommen", a word no ticket holds.
The target is the issue's: p95 under 100 ms at a million tickets for each.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.db import connection

from bench.harness import Context
from hub.access import visible_tickets
from hub.models import Ticket

ROLES = ("agent", "admin")
PAGE = "/agent/search/"
API = "/api/v1/tickets/"
TARGET_MS = 100.0


def analyzed() -> None:
    """The search words' statistics, which the plan is chosen by, as autovacuum would make them.

    The bench's seeding vacuums the tables it knows; a fresh search table has none yet.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT last_analyze IS NULL AND last_autoanalyze IS NULL FROM pg_stat_user_tables"
            " WHERE relname = 'hub_ticketsearch'"
        )
        row = cursor.fetchone()
        if row is not None and row[0]:
            print("  VACUUM ANALYZE hub_ticketsearch …", flush=True)
            cursor.execute("VACUUM (ANALYZE) hub_ticketsearch")


def order_number(ctx: Context, newest: bool) -> str | None:
    """The number in the subject of a recent (or the oldest) order ticket the agent sees."""
    order = ("-last_activity_at", "-id") if newest else ("last_activity_at", "id")
    subjects = (
        visible_tickets(ctx.agents["agent"])
        .filter(subject__regex=r"^(Bestellung|Order) [0-9]+ ")
        .order_by(*order)
        .values_list("subject", flat=True)[:1]
    )
    return subjects[0].split()[1] if subjects else None


def terms(ctx: Context) -> dict[str, str]:
    found = {
        "absent": "Xylophonkonzert",
        "common": "Danke",
        "medium": "Rechnung",
        "phrase": '"nicht angekommen"',
        "words and filters": "Rechnung -Rabatt status:solved",
        "common, from a name": "danke from:anna",
        "a tag, open tickets": "status:open status:new status:pending tag:vip",
    }
    for name, newest in (("rare", True), ("rare, old", False)):
        number = order_number(ctx, newest)
        if number:
            found[name] = number
    # Two common words that never stand side by side: the phrase's worst case, every ticket
    # holding both words is read to look at their positions.
    found["phrase never written"] = '"Rechnung Danke"'
    return found


def run(ctx: Context) -> None:
    analyzed()
    if not Ticket.objects.exists():
        ctx.unavailable("search", "agent", "no tickets")
        return
    for kind, term in terms(ctx).items():
        for role in ROLES:
            ctx.measure(
                f"search page ({kind})", role, f"{PAGE}?{urlencode({'q': term})}", target_ms=TARGET_MS, note=term
            )
        for role in ROLES:
            ctx.measure(f"api search ({kind})", role, f"{API}?{urlencode({'q': term})}", target_ms=TARGET_MS, note=term)
