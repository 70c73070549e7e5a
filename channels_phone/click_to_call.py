"""Click-to-call: the agent's "Call" button, and the provider's webhooks about the call it placed.

``place`` (POST, CSRF, signed-in agents who may change the ticket and see it: others get 403 or
404) asks the provider to ring the agent's line and answers with a notice for the workspace:
"Your phone is ringing…", or why not. ``/phone/<provider>/connect/`` is asked when the agent
answered (Twilio): it dials the customer with our number as caller id; with ``dialed=1``, how the
customer's leg ended. ``/phone/<provider>/call-status/`` takes the call's progress. Both are
signature-checked with our number's credentials like every webhook (``channels_phone.views``)
and idempotent: the call's record moves only forward (``channels_phone.calls``).
"""

from __future__ import annotations

from dataclasses import replace

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from channels_phone import calls, dial_out, numbers, webhooks
from channels_phone.models import PhoneNumber
from channels_phone.providers.base import CallProgress, Dial, Hangup, Plan, Provider, Target
from channels_phone.views import Refused, _answer, _check, webhook
from hub import access
from hub.models import Agent

# How long the customer's phone rings before the agent hears that nobody answers.
CUSTOMER_RING_SECONDS = 30


@require_POST
@login_required
def place(request: HttpRequest, ticket_id: int) -> HttpResponse:
    agent = access.agent_of(request.user)
    if agent is None or not access.may_change(agent):
        raise PermissionDenied
    ticket = get_object_or_404(access.visible_tickets(agent), pk=ticket_id)
    context: dict[str, object] = {"ticket": ticket}
    try:
        message = dial_out.place_call(ticket, agent, request.POST.get("number", "")[:40])
    except dial_out.CallRefused as exc:
        context["error"] = str(exc)
    else:
        context["to"] = numbers.display(str(message.metadata.get("to") or ""))
    return render(request, "channels_phone/call_notice.html", context)


def _ordered(request: HttpRequest, provider: Provider, form: dict[str, str]) -> tuple[PhoneNumber, dial_out.Order]:
    """The call's number (checked: the request is the provider's) and the order in its URL."""
    order = dial_out.Order.read(request.GET)
    if order is None:
        raise Refused("the URL names no call we placed")
    call = calls.find(provider.key, provider.call_sid(form))
    number = call.number if call is not None else numbers.ours(order.via, provider.key)
    return _check(request, provider, number, "the call"), order


@webhook("connect")
def connect(request: HttpRequest, provider: Provider, form: dict[str, str]) -> HttpResponse:
    """The agent answered: dial the customer. With ``dialed``: the customer's leg ended."""
    number, order = _ordered(request, provider, form)
    call_sid = provider.call_sid(form)
    if not call_sid:
        raise Refused("the request names no call", status=400)
    if request.GET.get("dialed"):
        ended = provider.dial_ended(form)
        with transaction.atomic():
            call, _message = dial_out.adopt(number, provider.key, call_sid, order)
            if ended.answered:
                calls.record_answered(call.pk, Agent.objects.filter(pk=order.agent_id).first())
            else:
                calls.record_progress(call.pk, CallProgress(call_sid, ended.status, duration=ended.duration))
        return _answer(provider, Plan((Hangup(),)))
    dial_out.adopt(number, provider.key, call_sid, order)
    dialed = webhooks.public_url("channels_phone:connect", provider.key, dialed=1, **order.query())
    step = Dial((Target(phone=order.to),), CUSTOMER_RING_SECONDS, dialed, caller_id=number.number)
    return _answer(provider, Plan((step,)))


@webhook("call-status")
def call_status(request: HttpRequest, provider: Provider, form: dict[str, str]) -> HttpResponse:
    """The placed call's progress, in any order and repeated: its record moves only forward."""
    number, order = _ordered(request, provider, form)
    progress = provider.call_progress(form)
    with transaction.atomic():
        call, _message = dial_out.adopt(number, provider.key, progress.call_sid, order)
        # The agent's phone answering is not the customer answering: only the customer's number
        # (where the provider names who answered) makes the call answered.
        if progress.answering_number and numbers.e164(progress.answering_number) == order.to:
            calls.record_answered(call.pk, Agent.objects.filter(pk=order.agent_id).first())
        calls.record_progress(call.pk, replace(progress, answering_number=""))
    return _answer(provider)
