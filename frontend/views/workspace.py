"""The workspace pages: a view's list, a ticket in a view, and the ticket permalink.

Each URL answers a direct load with the full page and an htmx request with the fragment of
the region it targets (see ``frontend.htmx``); Back, reload and a shared link therefore all
show the same state.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from frontend import htmx, inbox, regions, timeline
from frontend.auth import agent_required
from frontend.views.notifications import bell_context
from hub import branding, memo
from hub.actions.seen import do_mark_seen
from hub.models import Agent, Ticket

TICKET_REGIONS = {
    "ticket": "frontend/regions/ticket.html",
    "ticket-header": "frontend/regions/header.html",
    "customer": "frontend/regions/customer.html",
}


def _is_ticket_region(target: str) -> bool:
    return target in TICKET_REGIONS or target in ("timeline", "timeline-older") or target.startswith("m-")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _ticket_context(ticket: Ticket, agent: Agent, view_key: str, seen_before: datetime | None) -> dict[str, Any]:
    ctx = regions.ticket_context(ticket, agent, view_key, timeline.first_unread(ticket, seen_before))
    pane = timeline.chat_pane(ticket)
    if pane is not None and pane.live:
        # A live chat is answered in the chat pane; the composer below it takes notes.
        reason = _("answer in the live chat above")
        ctx |= {"chat": pane, "mode": "note", "reply": replace(ctx["reply"], usable=False, reason=reason)}
    return ctx


def _ticket_fragment(request: HttpRequest, agent: Agent, ticket: Ticket, view_key: str, target: str) -> HttpResponse:
    if target.startswith("m-"):
        # One timeline item again, e.g. when its delivery state changed, or with its remote
        # images now that the agent asked for them (``images=1``).
        ctx = regions.timeline_context(ticket, only_message=_int(target[2:]), images=request.GET.get("images") == "1")
        return render(request, "frontend/regions/timeline_items.html", ctx)
    if target == "timeline":
        do_mark_seen(agent, ticket)  # a live refresh shows the agent what came
        ctx = regions.timeline_context(
            ticket, after_message=_int(request.GET.get("after")), after_event=_int(request.GET.get("after_event"))
        )
        return render(request, "frontend/regions/timeline_items.html", ctx)
    if target == "timeline-older":
        # "Load older": the page of items before the given message replaces the button.
        before = _int(request.GET.get("before"))
        if before is None:
            return HttpResponse(status=400)
        ctx = regions.timeline_context(ticket, before_message=before)
        return render(request, "frontend/regions/timeline_items.html", ctx)
    if target == "ticket-header":
        return render(request, TICKET_REGIONS[target], regions.header_context(ticket, agent))
    if target == "customer":
        return render(request, TICKET_REGIONS[target], regions.customer_context(ticket, agent) | {"ticket": ticket})
    seen_before = do_mark_seen(agent, ticket)
    return render(request, TICKET_REGIONS["ticket"], _ticket_context(ticket, agent, view_key, seen_before))


def _page(request: HttpRequest, agent: Agent, view_key: str, ticket: Ticket | None) -> HttpResponse:
    target = htmx.target(request)
    before = request.GET.get("before") or None
    if ticket is not None and target is not None and _is_ticket_region(target):
        return _ticket_fragment(request, agent, ticket, view_key, target)
    if ticket is not None and target is None:
        # A reload or a shared link: the ticket first, the list comes by itself (deferred).
        ctx = regions.deferred_list_context(agent, view_key, request.get_full_path(), request.GET.urlencode())
    else:
        ctx = regions.list_context(
            agent, view_key, before, ticket.pk if ticket else None, request.GET.get("sort"), request.GET
        )
    if target == "list":
        response = render(request, "frontend/regions/list.html", ctx | {"oob": True})
        if request.GET.get("bar"):
            # The filter bar sends every control, empty ones too: the address bar shows the
            # list's own URL instead, the one its links, reload and a saved view use. It replaces
            # the current step, as the filter bar does: Back returns to the view before (UX.md).
            response["HX-Replace-Url"] = ctx["list_url"]
        return response
    if ticket is not None:
        seen_before = do_mark_seen(agent, ticket)  # its row is no longer unread for this agent
        ctx |= _ticket_context(ticket, agent, view_key, seen_before)
    ctx["view_key"] = view_key
    ctx["bell"] = bell_context(agent)  # the rail's bell, read here like the brand
    if target == "workspace":
        return render(request, "frontend/regions/workspace.html", ctx | {"oob": True})
    ctx["brand"] = branding.brand()  # read here: the page's templates run no query of their own
    return render(request, "frontend/workspace.html", ctx)


@require_GET
@agent_required
def view_page(request: HttpRequest, agent: Agent, view: str) -> HttpResponse:
    inbox.get_view(agent, view)
    return htmx.vary(_page(request, agent, view, None))


@require_GET
@agent_required
def ticket_page(request: HttpRequest, agent: Agent, view: str, ticket_id: int) -> HttpResponse:
    inbox.get_view(agent, view)
    ticket = regions.get_ticket(agent, ticket_id)
    # A read-only page that asks the adapters the same questions from several regions.
    with memo.scope():
        memo.remember(("ticket", ticket.pk), ticket)
        return htmx.vary(_page(request, agent, view, ticket))


@require_GET
@agent_required
def permalink(request: HttpRequest, agent: Agent, ticket_id: int) -> HttpResponse:
    """``/agent/t/<id>/``: a region refresh gets its fragment; a person is sent to the ticket
    inside the most personal view it belongs to."""
    ticket = regions.get_ticket(agent, ticket_id)
    view_key = inbox.best_view_for(agent, ticket)
    target = htmx.target(request)
    if target is not None and _is_ticket_region(target):
        with memo.scope():
            memo.remember(("ticket", ticket.pk), ticket)
            return htmx.vary(_ticket_fragment(request, agent, ticket, view_key, target))
    response = redirect("agent_ticket", view=view_key, ticket_id=ticket.pk)
    if query := request.GET.urlencode():
        response["Location"] += f"?{query}"
    return htmx.vary(response)


@agent_required
def home(request: HttpRequest, agent: Agent) -> HttpResponse:
    return redirect("agent_view", view="mine")
