"""The live caller pop-up: while an inbound call rings, the online agents of its number's team
see who is calling (the customer's record, their open tickets, the call's ticket) in the
workspace; it closes when someone answers or the call ends.

``ring`` runs once per call: the pipeline tells the channel the call's message is stored
(``PhoneAdapter.on_stored``, once per message: a replayed voice webhook stores nothing new),
and the pop-up goes after that commit, when the customer and the ticket exist. Each agent gets
their own payload through their agent group (``hub.realtime``), holding only what they may see
(``hub.access``). ``over`` tells the same agents the call was answered or ended.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import transaction

from channels_phone import numbers
from channels_phone.adapter import KEY
from channels_phone.models import Call
from hub.access import can_see_ticket, visible_customers
from hub.models import Agent, Customer, Message, MessageKind, Ticket
from hub.models.teams import Presence
from hub.models.tickets import OPEN_STATUSES
from hub.realtime import agent_group, collected, send_on_commit

log = logging.getLogger(__name__)

RINGING, OVER = "call.ringing", "call.over"
OPEN_TICKETS_SHOWN = 3
# Taken from the customer's open tickets, newest first, before each agent's scope is applied.
OPEN_TICKETS_READ = 20


def after_stored(messages: list[Message]) -> None:
    """The inbound calls among newly stored ``messages`` pop up once the pipeline commits."""
    for message in messages:
        if message.kind == MessageKind.CALL and message.metadata.get("direction") == "inbound":
            meta = message.metadata
            _ring_on_commit(str(meta.get("provider") or ""), str(meta.get("call_sid") or ""), message.pk)


def _ring_on_commit(provider: str, call_sid: str, message_id: int) -> None:
    # Robust: a pop-up that fails is logged, and never fails the pipeline that stored the call.
    transaction.on_commit(lambda: ring(provider, call_sid, message_id), robust=True)


def _ringing(call: Call) -> bool:
    return call.direction == "in" and call.answered_by_id is None and not call.is_final


def _online_agents(team_id: int | None) -> list[Agent]:
    if team_id is None:
        return []
    return list(
        Agent.objects.filter(teams=team_id, presence=Presence.ONLINE, deactivated_at__isnull=True, integration=False)
        .select_related("user")
        .order_by("pk")
    )


def timeout_seconds() -> int:
    """How long a pop-up stays when no answer or end is heard: every agent rung, and a margin."""
    return int(settings.PHONE_RING_SECONDS) * int(settings.PHONE_DIAL_MAX_AGENTS) + 30


def ring(provider: str, call_sid: str, message_id: int) -> int:
    """Pop the call up for the online agents of its number's team; how many were told."""
    call = Call.objects.filter(provider=provider, call_sid=call_sid).select_related("number").first()
    message = Message.objects.filter(pk=message_id).select_related("ticket__customer__organization").first()
    if call is None or message is None or not _ringing(call):
        return 0
    agents = _online_agents(call.number.team_id)
    if not agents:
        return 0
    ticket = message.ticket
    customer = ticket.customer
    open_tickets = list(
        Ticket.objects.filter(customer=customer, status__in=OPEN_STATUSES)
        .exclude(pk=ticket.pk)
        .order_by("-last_activity_at", "-pk")
        .only("pk", "subject", "team_id", "assignee_id")[:OPEN_TICKETS_READ]
    )
    common = {
        "type": "hub.event",
        "event": RINGING,
        "version": call.pk,
        "message_id": message.pk,  # with the event, what tells calls apart in a coalesced batch
        "call": call.pk,
        "caller": numbers.display(call.from_number) if numbers.e164(call.from_number) else "",
        "known": customer.created_at < call.started_at,
        "timeout": timeout_seconds(),
    }
    with collected():  # one hop to the channel layer, each payload to its own agent
        for agent in agents:
            send_on_commit([agent_group(agent.pk)], {**common, **for_agent(agent, ticket, customer, open_tickets)})
    log.info("call %s popped up for %s agents", call.call_sid, len(agents))
    return len(agents)


def for_agent(agent: Agent, ticket: Ticket, customer: Customer, open_tickets: list[Ticket]) -> dict[str, Any]:
    """What ``agent`` may see of the caller: the call's ticket, other open tickets, the record."""
    sees_ticket = can_see_ticket(agent, ticket)
    listed = [t for t in open_tickets if can_see_ticket(agent, t)][:OPEN_TICKETS_SHOWN]
    sees_customer = sees_ticket or bool(listed) or visible_customers(agent).filter(pk=customer.pk).exists()
    payload: dict[str, Any] = {
        "ticket_id": ticket.pk if sees_ticket else 0,
        "subject": ticket.subject if sees_ticket else "",
        "tickets": [{"id": t.pk, "subject": t.subject} for t in listed],
        "customer": None,
    }
    if sees_customer:
        organization = customer.organization
        payload["customer"] = {
            "id": customer.pk,
            "name": customer.display_name,
            "segment": customer.segment,
            "organization": organization.name if organization is not None else "",
            "key_account": customer.is_key_account,
            "language": customer.language.upper(),
        }
    return payload


def over(call: Call) -> None:
    """The call was answered or ended: its pop-ups close (after the commit that recorded it)."""
    if call.direction != "in":
        return
    team_id = call.number.team_id
    if team_id is None:
        return
    external_id = numbers.external_id(call.provider, call.call_sid)
    message_id = Message.objects.filter(channel=KEY, external_id=external_id).values_list("pk", flat=True).first()
    payload = {
        "type": "hub.event",
        "event": OVER,
        "ticket_id": 0,
        "version": call.pk,
        "message_id": message_id or 0,
        "call": call.pk,
    }
    agents = Agent.objects.filter(teams=team_id).values_list("pk", flat=True)
    send_on_commit([agent_group(pk) for pk in agents], payload)
