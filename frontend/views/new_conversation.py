"""``/agent/new/``: an agent starts a conversation (``hub.actions.outbound``, as the API does).

The recipient is a customer found as the agent types (those the agent may see) or any email
address; the channels offered are those whose adapter can start a conversation; sending
opens the new ticket.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from frontend import htmx
from frontend.auth import agent_required
from frontend.regions import channel_label
from frontend.views.guards import changes_allowed
from hub.access import team_ids, visible_customers
from hub.actions.contacts import reachable_customers
from hub.actions.messages import ChannelUnavailable
from hub.actions.outbound import Recipient, StartError, do_start_conversation, recipient_kind, starting_channels
from hub.identity import InvalidIdentity
from hub.models import Agent, Customer, IdentityKind, Team
from hub.search.customers import search_customers
from hub.text import whole_number

MATCHES = 8


def _teams(agent: Agent) -> QuerySet[Team]:
    teams = Team.objects.order_by("name")
    return teams if agent.sees_everything else teams.filter(pk__in=team_ids(agent))


def _matches(agent: Agent, text: str) -> list[Customer]:
    if len(text.strip()) < 2:
        return []
    found = search_customers(visible_customers(agent).filter(merged_into__isnull=True), text.strip())
    return list(found.prefetch_related("identities").order_by("-pk")[:MATCHES])


def _channels(customer: Customer | None) -> list[dict[str, Any]]:
    """The channels a conversation can start on, each usable or not (and why) for the recipient:
    a chosen customer by the identities they have, a typed address by email alone. Whether the
    channel can send now (an SMS number set up, an address that bounces) its adapter says on
    sending."""
    kinds = {i.kind for i in customer.identities.all()} if customer is not None else {IdentityKind.EMAIL}
    rows = []
    for key in starting_channels():
        kind = recipient_kind(key)
        usable = kind in kinds
        reason = ""
        if not usable:
            reason = _("No phone number") if kind == IdentityKind.PHONE else _("No email address")
        rows.append({"key": key, "label": channel_label(key), "usable": usable, "reason": reason})
    return rows


def _context(agent: Agent, values: Any, error: str = "") -> dict[str, Any]:
    chosen = whole_number(values.get("customer", ""))
    customer = None
    if chosen is not None:
        customer = reachable_customers(agent).filter(pk=chosen).prefetch_related("identities").first()
    return {
        "values": values,
        "error": error,
        "chosen": customer,
        "matches": _matches(agent, values.get("to", "")) if customer is None else [],
        "channels": _channels(customer),
        "teams": _teams(agent),
        # One conversation per form, however often it is sent (a double click, a retry).
        "client_id": values.get("client_id") or uuid.uuid4().hex,
    }


@require_http_methods(["GET", "POST"])
@agent_required
@changes_allowed
def new_conversation(request: HttpRequest, agent: Agent) -> HttpResponse:
    if request.method == "GET":
        # The same page whether loaded or re-drawn by htmx (a customer chosen): it varies by that header.
        return htmx.vary(render(request, "frontend/new_conversation.html", _context(agent, request.GET)))
    values = request.POST
    try:
        ticket, _message = do_start_conversation(agent=agent, **_started(agent, values))
    except (StartError, ChannelUnavailable, InvalidIdentity) as exc:
        error = str(exc) if not isinstance(exc, InvalidIdentity) else _("Choose a customer or write an email address.")
        return render(request, "frontend/new_conversation.html", _context(agent, values, error), status=400)
    return redirect(reverse("agent_permalink", args=[ticket.pk]))


def _started(agent: Agent, values: Any) -> dict[str, Any]:
    """The action's arguments from the form; StartError for what the form lacks."""
    chosen = whole_number(values.get("customer", ""))
    if chosen is not None:
        customer = reachable_customers(agent).filter(pk=chosen).first()
        if customer is None:
            raise StartError(_("Choose a customer or write an email address."))
        recipient = Recipient(customer=customer)
    else:
        recipient = Recipient(email=values.get("to", "").strip()[:254])
    team = None
    if (team_pk := whole_number(values.get("team", ""))) is not None:
        team = Team.objects.filter(pk=team_pk).first()
    return {
        "recipient": recipient,
        "channel": values.get("channel", "email")[:20],
        "subject": values.get("subject", "")[:300],
        "text": values.get("text", "")[:100_000],
        "team": team,
        "client_id": values.get("client_id", "")[:64] or None,
    }


@require_GET
@agent_required
def recipients(request: HttpRequest, agent: Agent) -> HttpResponse:
    """The customers the typed text finds, to choose from (htmx, as the agent types)."""
    context = {"matches": _matches(agent, request.GET.get("to", "")), "values": request.GET}
    return htmx.vary(render(request, "frontend/new_conversation_matches.html", context))
