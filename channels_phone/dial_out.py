"""Click-to-call: the provider rings the agent's own line and, once they answer, connects the
customer, with the number the ticket came in on (else one of the ticket's team) as caller id.

Nothing is stored before the provider takes the request: the URLs we hand it (``Order``) carry
the ticket, the agent, the customer's number and ours, and the provider signs them with the rest
of the URL, so they cannot be changed. Whichever comes first, the provider's answer to our request
or its first webhook about the call, stores the call's record (``channels_phone.models.Call``,
direction ``out``) and its message on the ticket (``adopt``, idempotent on the call's id); from
then on its status callbacks move the record forward as for any call (``channels_phone.calls``).
Opted-out customers may be called: an opt-out is about texts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from channels_phone import calls, numbers, providers, webhooks
from channels_phone.adapter import KEY
from channels_phone.models import AgentLine, Call, CallState, PhoneNumber, ProviderKind
from channels_phone.outbound import CHANNELS, customer_phones, enabled_numbers
from channels_phone.providers.base import CallStarted, ProviderError, Target
from hub import memo
from hub.actions.calls import do_place_call
from hub.models import Agent, Direction, Message, Ticket

log = logging.getLogger(__name__)


class CallRefused(Exception):
    """Why no call can be placed, in words for the agent."""


@dataclass(frozen=True)
class Order:
    """A click-to-call as the provider's webhooks carry it back (in their signed URLs)."""

    ticket_id: int
    agent_id: int
    to: str  # the customer, E.164
    via: str  # our number, E.164

    def query(self) -> dict[str, Any]:
        return {"ticket": self.ticket_id, "agent": self.agent_id, "to": self.to, "via": self.via}

    @classmethod
    def read(cls, query: Mapping[str, str]) -> Order | None:
        """The order in a webhook's query, or None when it names none (or a broken one)."""
        try:
            ticket_id, agent_id = int(query.get("ticket", "")), int(query.get("agent", ""))
        except ValueError:
            return None
        to, via = numbers.e164(query.get("to", "")), numbers.e164(query.get("via", ""))
        return cls(ticket_id, agent_id, to, via) if to and via else None


def line_of(agent: Agent) -> Target:
    """Where the agent takes the call: their line's phone, else its browser client."""
    line = AgentLine.objects.filter(agent=agent).first()
    if line is None or not (line.phone or line.client):
        raise CallRefused(_("Set up your phone line in Settings → Phone numbers / your profile first"))
    return Target(phone=line.phone, client=line.client)


def _latest_inbound(ticket: Ticket) -> dict[str, Any]:
    """The metadata of the customer's latest call or text on the ticket (our number, theirs)."""
    metadata = (
        Message.objects.filter(ticket=ticket, channel__in=CHANNELS, direction=Direction.INBOUND)
        .order_by("-created_at", "-id")
        .values_list("metadata", flat=True)
        .first()
    )
    return metadata if isinstance(metadata, dict) else {}


def customer_numbers(ticket: Ticket) -> list[str]:
    """The numbers of the ticket's customer an agent may call: the one they last called or texted
    from on this ticket first, then their phone identities, newest first."""
    found = [numbers.e164(str(_latest_inbound(ticket).get("from") or ""))]
    found += customer_phones(ticket.customer_id)
    return list(dict.fromkeys(n for n in found if n))


def calling_number(ticket: Ticket) -> PhoneNumber | None:
    """Ours to call from: the number the ticket came in on, else one of its team, else any."""
    calling = PhoneNumber.objects.enabled().exclude(provider=ProviderKind.OUTBOX)
    ours = str(_latest_inbound(ticket).get("number") or "")
    found = calling.filter(number=ours).first() if ours else None
    if found is None and ticket.team_id is not None:
        found = calling.filter(team_id=ticket.team_id).order_by("pk").first()
    return found or calling.order_by("pk").first()


def can_place_calls() -> bool:
    if memo.active():
        return any(n.provider != ProviderKind.OUTBOX for n in enabled_numbers())
    return PhoneNumber.objects.enabled().exclude(provider=ProviderKind.OUTBOX).exists()


def place_call(ticket: Ticket, agent: Agent, to: str = "") -> Message:
    """Ask the provider to ring ``agent``'s line and then connect the ticket's customer (``to``,
    one of ``customer_numbers``; the first when empty). The call's message on the ticket; raises
    CallRefused. Not in a transaction: the provider's webhooks may come before it answers."""
    target = line_of(agent)
    known = customer_numbers(ticket)
    customer = numbers.e164(to) if to else (known[0] if known else "")
    if not customer:
        raise CallRefused(_("The customer has no phone number"))
    if customer not in known:
        raise CallRefused(_("%(number)s is not a number of this customer") % {"number": numbers.display(customer)})
    number = calling_number(ticket)
    if number is None:
        raise CallRefused(_("No phone number is set up for calls"))
    provider = providers.get(number.provider)
    order = Order(ticket.pk, agent.pk, customer, number.number)
    answer_url = webhooks.public_url("channels_phone:connect", provider.key, **order.query())
    status_url = webhooks.public_url("channels_phone:call-status", provider.key, **order.query())
    try:
        sent = provider.start_call(number, target, customer, answer_url, status_url)
    except ProviderError as exc:
        log.warning("call from %s for agent %s to %s refused: %s", number.number, agent.pk, customer, exc)
        raise CallRefused(_("The provider refused the call: %(error)s") % {"error": exc}) from exc
    message = adopt(number, provider.key, sent.external_id, order)[1]
    if message is None:  # the ticket or the agent went in the meantime
        raise CallRefused(_("No such ticket"))
    return message


def adopt(number: PhoneNumber, provider: str, call_sid: str, order: Order) -> tuple[Call, Message | None]:
    """The record of the call we placed as ``call_sid`` and its message on the order's ticket,
    made by the first to ask (a webhook or the provider's answer to our request)."""
    started = CallStarted(call_sid, order.via, order.to, direction="out")
    message = None
    with transaction.atomic():
        call, created = calls.start(number, provider, started)
        if created:
            # Not ringing yet: the provider reports each stage of a call it places.
            call.status, call.dialed = CallState.QUEUED, [order.agent_id]
            call.save(update_fields=["status", "dialed"])
        ticket = Ticket.objects.filter(pk=order.ticket_id).first()
        agent = Agent.objects.filter(pk=order.agent_id).select_related("user").first()
        if ticket is not None and agent is not None:
            message = do_place_call(
                ticket,
                agent=agent,
                channel=KEY,
                external_id=numbers.external_id(provider, call_sid),
                to=order.to,
                metadata={
                    "call_sid": call_sid,
                    "provider": provider,
                    "number": number.number,
                    "from": number.number,
                    "status": str(call.status),
                },
            )
    return call, message
