"""The ticket header's controls (status, assignee, priority, team, tags, snooze, related
tickets and merging), each through ``hub.actions``.

Every change answers with the fresh header and an ``HX-Trigger`` naming what changed, which the
header's island says through the page's live region (``frontend/ts/header.ts``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontend import htmx, regions, ticket_header
from frontend.auth import agent_required
from frontend.views.guards import changes_allowed
from hub.access import assignee_choices, may_change, may_clear_team, visible_tickets
from hub.actions import do_assign, do_set_priority, do_set_status, do_set_tags, do_set_team
from hub.actions.snooze import do_snooze
from hub.actions.ticket_links import LinkError, do_link_tickets, do_merge_tickets, do_unlink_tickets, merged_into
from hub.actions.tickets import AlreadyTaken, do_accept
from hub.models import Agent, Priority, Ticket, TicketStatus
from hub.text import whole_number

ANNOUNCE = "hub:announce"


def _announced(response: HttpResponse, text: str) -> HttpResponse:
    # ASCII JSON: a header value must be Latin-1, and htmx parses the escapes back.
    response["HX-Trigger"] = json.dumps({ANNOUNCE: text})
    return response


def _header(request: HttpRequest, agent: Agent, ticket_id: int, said: str, **extra: Any) -> HttpResponse:
    ticket = regions.get_ticket(agent, ticket_id)
    context = regions.header_context(ticket, agent) | extra
    response = render(request, "frontend/regions/header.html", context)
    return htmx.vary(_announced(response, said) if said else response)


def _status(agent: Agent, ticket: Ticket, value: str) -> str | None:
    if value not in TicketStatus.values:
        return None
    do_set_status(ticket, value, actor=agent)
    return _("Status: %(value)s") % {"value": TicketStatus(value).label}


def _priority(agent: Agent, ticket: Ticket, value: str) -> str | None:
    try:
        priority = int(value)
    except ValueError:
        return None
    if priority not in Priority.values:
        return None
    do_set_priority(ticket, priority, actor=agent)
    return _("Priority: %(value)s") % {"value": Priority(priority).label}


def _assignee(agent: Agent, ticket: Ticket, value: str) -> str | None:
    if not value:
        do_assign(ticket, None, actor=agent)
        return _("Nobody is assigned")
    chosen = {str(a.pk): a for a in regions.assignee_choices(ticket, agent)}.get(value)
    if chosen is None:
        return None
    do_assign(ticket, chosen, actor=agent)
    return _("Assigned to %(name)s") % {"name": chosen.name}


def _team(agent: Agent, ticket: Ticket, value: str) -> str | None:
    if not value:
        if not may_clear_team(ticket, agent):
            return None
        do_set_team(ticket, None, actor=agent)
        return _("No team")
    team = {str(t.pk): t for t in ticket_header.team_choices(ticket, agent)}.get(value)
    if team is None:
        return None
    do_set_team(ticket, team, actor=agent)
    return _("Team: %(name)s") % {"name": team.name}


def _tag_add(agent: Agent, ticket: Ticket, value: str) -> str | None:
    name = value.strip().lower()[:64]
    if not name:
        return None
    do_set_tags(ticket, [*ticket.tags.values_list("name", flat=True), name], actor=agent)
    return _("Tag “%(tag)s” added") % {"tag": name}


def _tag_remove(agent: Agent, ticket: Ticket, value: str) -> str | None:
    names = list(ticket.tags.values_list("name", flat=True))
    if value not in names:
        return None
    do_set_tags(ticket, [n for n in names if n != value], actor=agent)
    return _("Tag “%(tag)s” removed") % {"tag": value}


def _link(agent: Agent, ticket: Ticket, value: str, *, linked: bool) -> str | None:
    other = _other(agent, ticket, value)
    if other is None:
        return None
    if linked:
        do_link_tickets(ticket, other, actor=agent)
        return _("Linked to ticket #%(id)s") % {"id": other.pk}
    do_unlink_tickets(ticket, other, actor=agent)
    return _("Link to ticket #%(id)s removed") % {"id": other.pk}


def _other(agent: Agent, ticket: Ticket, value: str) -> Ticket | None:
    """Another ticket the agent may see, by id; None for anything else."""
    number = whole_number(value)
    if number is None or number == ticket.pk:
        return None
    return visible_tickets(agent).filter(pk=number).first()


Change = Callable[[Agent, Ticket, str], "str | None"]

CHANGES: dict[str, Change] = {
    "status": _status,
    "priority": _priority,
    "assignee": _assignee,
    "team": _team,
    "tag_add": _tag_add,
    "tag_remove": _tag_remove,
    "link": lambda agent, ticket, value: _link(agent, ticket, value, linked=True),
    "unlink": lambda agent, ticket, value: _link(agent, ticket, value, linked=False),
}


@require_POST
@agent_required
@changes_allowed
def update(request: HttpRequest, agent: Agent, ticket_id: int) -> HttpResponse:
    """Apply the one field the agent changed and answer with the fresh header.

    Each control posts only its own value, so a stale header never writes back a field that
    another agent changed meanwhile.
    """
    ticket = regions.get_ticket(agent, ticket_id)
    post = request.POST
    if "snooze" in post:
        return _snooze(request, agent, ticket, post["snooze"], post.get("snooze_until", ""))
    for field, change in CHANGES.items():
        if field in post:
            said = change(agent, ticket, post[field])
            if said is None:
                return HttpResponseBadRequest(f"cannot change {field} to that")
            return _header(request, agent, ticket_id, said)
    return HttpResponseBadRequest("nothing to change")


@require_POST
@agent_required
def accept(request: HttpRequest, agent: Agent, ticket_id: int) -> JsonResponse:
    """A new chat's "Annehmen": the ticket becomes the agent's and the answer says where it is,
    or 409 naming who was faster; every refusal is JSON with a sentence. A ticket outside the
    agent's sight is a 404 like any other."""
    ticket = regions.get_ticket(agent, ticket_id)
    if not may_change(agent) or not assignee_choices(ticket, agent).filter(pk=agent.pk).exists():
        return JsonResponse({"detail": _("You cannot take tickets.")}, status=403)
    try:
        do_accept(ticket.pk, agent)
    except AlreadyTaken as taken:
        return JsonResponse({"detail": _("%(name)s has accepted it already.") % {"name": taken.name}}, status=409)
    except Ticket.DoesNotExist:
        # Moved to another team since the offer: gone from this agent's sight, as a 404 says.
        return JsonResponse({"detail": _("This conversation has moved to another team.")}, status=404)
    return JsonResponse({"url": reverse("agent_permalink", args=[ticket.pk])})


def _snooze(request: HttpRequest, agent: Agent, ticket: Ticket, preset: str, custom: str) -> HttpResponse:
    try:
        until = ticket_header.snooze_until(ticket, preset, custom)
    except ValueError as exc:
        # The form stays open with the reason beside the field.
        return _header(request, agent, ticket.pk, str(exc), snooze_error=str(exc), snooze_custom=custom)
    do_snooze(ticket, until, actor=agent)
    when = ticket_header.Preset("", "", until).when
    return _header(request, agent, ticket.pk, _("Snoozed until %(when)s") % {"when": when})


@require_GET
@agent_required
def tag_suggestions(request: HttpRequest, agent: Agent, ticket_id: int) -> JsonResponse:
    """Existing tags for the header's tag field, without those the ticket has."""
    ticket = regions.get_ticket(agent, ticket_id)
    query = request.GET.get("q", "")[:64]
    names = ticket_header.tag_suggestions(query, list(ticket.tags.values_list("name", flat=True)))
    return JsonResponse({"tags": names})


@require_GET
@agent_required
def relate_search(request: HttpRequest, agent: Agent, ticket_id: int) -> HttpResponse:
    """Tickets to link or merge into, by number or subject, among those the agent may see."""
    ticket = regions.get_ticket(agent, ticket_id)
    query = request.GET.get("q", "")[:100]
    found = ticket_header.candidates(agent, ticket, query)
    return render(
        request,
        "frontend/regions/header_relate.html",
        {"ticket": ticket, "found": found, "query": query.strip(), "can_change": may_change(agent)},
    )


@require_http_methods(["GET", "POST"])
@agent_required
@changes_allowed
def merge(request: HttpRequest, agent: Agent, ticket_id: int, target_id: int) -> HttpResponse:
    """GET: the confirm dialog saying what moves. POST: merge, then show the ticket merged into."""
    ticket = regions.get_ticket(agent, ticket_id)
    target = regions.get_ticket(agent, target_id)
    if request.method == "GET":
        context = {
            "ticket": ticket,
            "target": target,
            "plan": ticket_header.merge_plan(ticket),
            # A ticket merged away is closed for good: neither side may be one.
            "blocked": merged_into(ticket) is not None or merged_into(target) is not None,
        }
        return render(request, "frontend/regions/merge_dialog.html", context)
    try:
        do_merge_tickets(ticket, target, actor=agent)
    except LinkError:
        return HttpResponseBadRequest(_("One of these tickets has already been merged into another."))
    response = HttpResponse()
    location = {"path": reverse("agent_permalink", args=[target.pk]), "target": "#ticket", "swap": "outerHTML"}
    response["HX-Location"] = json.dumps(location)
    return _announced(
        response, _("Ticket #%(source)s merged into #%(target)s") % {"source": ticket.pk, "target": target.pk}
    )
