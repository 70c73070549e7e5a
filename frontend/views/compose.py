"""The composer's endpoints: send a reply or a note, and keep the draft server-side."""

from __future__ import annotations

import json

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend import regions, timeline
from frontend.auth import agent_required
from frontend.views.guards import changes_allowed
from hub.actions import ChannelUnavailable, SendConflict, do_add_note, do_reply, do_save_draft
from hub.adapters import UnknownChannel
from hub.models import Agent, Message


class SendForm(forms.Form):
    text = forms.CharField(strip=False, max_length=100_000)
    mode = forms.ChoiceField(choices=[("reply", "reply"), ("note", "note")])
    client_id = forms.RegexField(regex=r"^[A-Za-z0-9_-]{8,64}$")
    seen_message_id = forms.IntegerField(required=False, min_value=0)
    # The newest message when the agent began this text: replies by others since hold the send.
    after_message_id = forms.IntegerField(required=False, min_value=0)
    force = forms.BooleanField(required=False)


class DraftForm(forms.Form):
    text = forms.CharField(strip=False, required=False, max_length=100_000)
    mode = forms.ChoiceField(choices=[("reply", "reply"), ("note", "note")], required=False)
    client_id = forms.CharField(required=False, max_length=64)


def _notice(request: HttpRequest, status: int, **ctx: object) -> HttpResponse:
    return render(request, "frontend/regions/composer_notice.html", ctx, status=status)


@require_POST
@agent_required
@changes_allowed
def send(request: HttpRequest, agent: Agent, ticket_id: int) -> HttpResponse:
    """Send the composer's text. 200 clears the composer (client side, on ``hub:sent``); 409
    holds the send because others wrote since ``seen_message_id``, or answered the customer
    since the agent began (``after_message_id``), and shows what they wrote with "Send anyway";
    the text and the draft stay untouched on every error."""
    ticket = regions.get_ticket(agent, ticket_id)
    form = SendForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["text"].strip():
        return _notice(request, 422, error=_("Write something before sending."))
    data = form.cleaned_data
    try:
        if data["mode"] == "note":
            message = do_add_note(ticket, agent=agent, text=data["text"], client_id=data["client_id"])
        else:
            # Where the composer said it goes: the hub routes it (a chat the visitor left and a
            # web form are answered by email), the same for the API.
            message = do_reply(
                ticket,
                agent=agent,
                text=data["text"],
                client_id=data["client_id"],
                seen_message_id=None if data["force"] else data["seen_message_id"],
                after_message_id=None if data["force"] else data["after_message_id"],
            )
    except SendConflict as conflict:
        newer = [timeline.Item("message", m.created_at, message=m) for m in conflict.newer]
        newest = max(m.pk for m in conflict.newer)
        answered = conflict.answered
        # Who answered the customer meanwhile: colleagues by name, automatic messages as such.
        names = list(dict.fromkeys(m.author_agent.name for m in answered if m.author_agent is not None))
        automatic = any(m.author_agent is None for m in answered)
        return _notice(request, 409, conflict=newer, newest=newest, ticket=ticket, names=names, automatic=automatic)
    except (ChannelUnavailable, UnknownChannel) as exc:
        return _notice(request, 422, error=_("This channel cannot be used now: %(reason)s") % {"reason": exc})
    response = _notice(request, 200)
    response["HX-Trigger"] = json.dumps({"hub:sent": {"ticket_id": ticket.pk, "message_id": message.pk}})
    return response


@require_POST
@agent_required
@changes_allowed
def save_draft(request: HttpRequest, agent: Agent, ticket_id: int) -> HttpResponse:
    ticket = regions.get_ticket(agent, ticket_id)
    form = DraftForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    data = form.cleaned_data
    # A save that was on its way while the same text was sent must not bring the draft back.
    if data["client_id"] and Message.objects.filter(ticket=ticket, client_id=data["client_id"]).exists():
        return HttpResponse("")
    draft = do_save_draft(ticket, agent=agent, text=data["text"], mode=data["mode"] or "reply")
    return render(request, "frontend/regions/draft_status.html", {"draft": draft})
