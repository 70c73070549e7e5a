"""Forwarding from the workspace: the composer's forward panel, and sending it."""

from __future__ import annotations

import json

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontend import regions
from frontend.auth import agent_required
from frontend.views.compose import AddressesField
from frontend.views.guards import changes_allowed
from hub.actions.forward import NothingToForward, do_forward, forwardable, quoted
from hub.adapters import UnknownChannel, get_adapter
from hub.models import Agent
from hub.text import whole_number


class ForwardForm(forms.Form):
    to = AddressesField(max_length=5000)
    text = forms.CharField(strip=False, required=False, max_length=100_000)
    message = forms.IntegerField(required=False, min_value=1)
    client_id = forms.RegexField(regex=r"^[A-Za-z0-9_-]{8,64}$")


def _message_id(value: str | None) -> int | None:
    return whole_number(value) if value else None


@require_GET
@agent_required
def panel(request: HttpRequest, agent: Agent, ticket_id: int) -> HttpResponse:
    """The forward panel for one message (``?message=``) or the whole conversation."""
    ticket = regions.get_ticket(agent, ticket_id)
    message_id = _message_id(request.GET.get("message"))
    messages = forwardable(ticket, message_id)
    if not messages:
        raise Http404("nothing to forward")
    files = [a for m in messages for a in m.attachments.all() if not a.inline]
    ctx = {"ticket": ticket, "message_id": message_id or "", "quoted": quoted(messages), "files": files}
    return render(request, "frontend/regions/forward_panel.html", ctx)


@require_POST
@agent_required
@changes_allowed
def send(request: HttpRequest, agent: Agent, ticket_id: int) -> HttpResponse:
    ticket = regions.get_ticket(agent, ticket_id)
    form = ForwardForm(request.POST)
    if not form.is_valid():
        error = next(iter(form.errors.get("to", [])), _("Name at least one address to forward to."))
        return render(request, "frontend/regions/composer_notice.html", {"error": error}, status=422)
    data = form.cleaned_data
    try:
        get_adapter("email")
        message = do_forward(
            ticket,
            agent=agent,
            to=data["to"],
            text=data["text"],
            message_id=data["message"],
            client_id=data["client_id"],
        )
    except (NothingToForward, UnknownChannel) as exc:
        return render(request, "frontend/regions/composer_notice.html", {"error": str(exc)}, status=422)
    response = HttpResponse("")
    response["HX-Trigger"] = json.dumps({"hub:forwarded": {"ticket_id": ticket.pk, "message_id": message.pk}})
    return response
