"""The REST API's ticket list (first and deep cursor pages), ticket detail and customer search."""

from __future__ import annotations

from urllib.parse import urlencode

from bench.harness import Context, json_next
from hub.models import IdentityKind, Ticket

ROLES = ("agent", "admin")
LIST = "/api/v1/tickets/"
CUSTOMERS = "/api/v1/customers/"
TARGET_MS = 50.0


def search_terms(ticket_id: int) -> dict[str, str]:
    """What an agent types to find the customer of a ticket they see, by kind of search.

    A whole address (the exact identity), part of it (the trigram index), their surname (a
    common term at every size: the walk down the newest customers).
    """
    customer = Ticket.objects.select_related("customer").get(pk=ticket_id).customer
    identities = dict(customer.identities.values_list("kind", "value"))
    terms: dict[str, str] = {}
    email = identities.get(IdentityKind.EMAIL)
    if email:
        terms["email"] = email
        terms["part of an address"] = email.split("@")[0]
    elif phone := identities.get(IdentityKind.PHONE):
        terms["phone"] = phone
    if customer.display_name.split():
        terms["surname"] = customer.display_name.split()[-1]
    return terms


def run(ctx: Context) -> None:
    for role in ROLES:
        first = ctx.measure("api tickets: first page", role, LIST, target_ms=TARGET_MS)
        if first.status != "ok":
            ctx.unavailable("api tickets: deep page", role, first.note, status=first.status)
        else:
            try:
                deep, page = ctx.follow(role, LIST, ctx.deep_pages, json_next)
            except Exception as exc:  # noqa: BLE001 - reported in the table, the run goes on
                ctx.unavailable("api tickets: deep page", role, f"following next failed: {exc}", status="error")
            else:
                ctx.measure("api tickets: deep page", role, deep, target_ms=TARGET_MS, note=f"page {page}")
        # The open tickets with a tag new mail does not carry: read off the tags' index.
        tagged = f"{LIST}?{urlencode([('status', s) for s in ('new', 'open', 'pending')] + [('tag', 'vip')])}"
        ctx.measure("api tickets: open, one tag", role, tagged, target_ms=TARGET_MS, note="tag=vip")
        for name in ("recent", "long"):
            if name in ctx.tickets:
                ctx.measure(f"api ticket detail ({name})", role, f"{LIST}{ctx.tickets[name]}/")
    if "recent" not in ctx.tickets:
        ctx.unavailable("api customer search", "agent", "no ticket to take a customer from")
        return
    for kind, term in search_terms(ctx.tickets["recent"]).items():
        url = f"{CUSTOMERS}?{urlencode({'q': term})}"
        for role in ROLES:
            ctx.measure(f"api customer search ({kind})", role, url, target_ms=TARGET_MS, note=f"q={term}")
