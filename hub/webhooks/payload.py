"""The JSON a webhook receives: the event, the ticket as it stands, and what the event is about.

Field names follow API v1 (``hub.api.serializers``), so a receiver that also reads the API sees
the same shapes. Built at a delivery's first attempt and kept: every retry sends the same bytes.
A message's text is cut at ``MESSAGE_DISPLAY_LIMIT_CHARS`` like the API's (``body_cut`` says so;
``body_url`` has all of it), and read that way: a 20 MB mail costs the payload its limit.

A change a routing rule made is a ``routed`` event; it is told as the change it made
(``ticket.status_changed`` …) with the rule's ``rule`` name and the value before unknown (null).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse

from hub.bodies import body_of, with_heads
from hub.models import (
    Agent,
    EventKind,
    IdentityKind,
    Message,
    Ticket,
    TicketEvent,
    Webhook,
    WebhookDelivery,
    WebhookTopic,
)
from hub.public_url import absolute
from hub.text import clean_filename


def _moment(value: datetime | None) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _agent(agent: Agent | None) -> dict[str, Any] | None:
    return None if agent is None else {"id": agent.pk, "name": agent.name}


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    customer = ticket.customer
    contacts: dict[str, str] = {}
    for kind, value in customer.identities.filter(kind__in=(IdentityKind.EMAIL, IdentityKind.PHONE)).values_list(
        "kind", "value"
    ):
        contacts.setdefault("email" if kind == IdentityKind.EMAIL else "phone", value)
    return {
        "id": ticket.pk,
        "number": ticket.pk,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "origin_channel": ticket.origin_channel,
        "language": ticket.language,
        "customer": {
            "id": customer.pk,
            "display_name": customer.display_name,
            "email": contacts.get("email"),
            "phone": contacts.get("phone"),
        },
        "team": None if ticket.team is None else {"id": ticket.team.pk, "name": ticket.team.name},
        "assignee": _agent(ticket.assignee),
        "tags": sorted(tag.name for tag in ticket.tags.all()),
        "created_at": _moment(ticket.created_at),
        "updated_at": _moment(ticket.updated_at),
        "url": absolute(reverse("agent_permalink", args=[ticket.pk])),
    }


def message_json(message: Message) -> dict[str, Any]:
    body = body_of(message)
    return {
        "id": message.pk,
        "channel": message.channel,
        "direction": message.direction,
        "kind": message.kind,
        "author_agent": _agent(message.author_agent),
        "author_customer": message.author_customer_id,
        "sender": message.sender,
        "subject": message.subject,
        "text": body.text.shown,
        "body_cut": body.cut,
        "body_url": absolute(reverse("api-v1:ticket-message-body", args=[message.ticket_id, message.pk])),
        "created_at": _moment(message.created_at),
        "attachments": [
            {"filename": clean_filename(a.filename) or "attachment", "content_type": a.content_type, "size": a.size}
            for a in message.attachments.all()
        ],
    }


# The field of the ticket each change topic is about, as a routing rule's changes name it.
RULE_FIELDS: dict[str, str] = {
    WebhookTopic.STATUS_CHANGED: "status",
    WebhookTopic.PRIORITY_CHANGED: "priority",
    WebhookTopic.TEAM_CHANGED: "team",
    WebhookTopic.TAGS_CHANGED: "tags",
}


def _about(event: TicketEvent, topic: str) -> dict[str, Any]:
    """What the event itself says, beyond the ticket: the change, the message, the answer."""
    data = event.data
    if event.kind == EventKind.ROUTED:
        field = RULE_FIELDS.get(topic, "")
        return {"rule": data.get("name", ""), "changes": {field: [None, (data.get("changes") or {}).get(field)]}}
    if event.kind in (EventKind.THREADED, EventKind.REPLIED, EventKind.NOTE):
        message = (
            with_heads(Message.objects.all())
            .select_related("author_agent__user")
            .prefetch_related("attachments")
            .filter(pk=data.get("message_id"))
            .first()
        )
        return {"message": None if message is None else message_json(message)}
    if event.kind == EventKind.CREATED:
        return {"channel": data.get("channel")}
    if event.kind == EventKind.STATUS:
        return {"changes": {"status": [data.get("previous"), data.get("status")]}}
    if event.kind == EventKind.PRIORITY:
        return {"changes": {"priority": [data.get("previous"), data.get("priority")]}}
    if event.kind == EventKind.ASSIGNED:
        return {"changes": {"assignee": [data.get("previous_id"), data.get("assignee_id")]}}
    if event.kind == EventKind.TEAM_CHANGED:
        return {"changes": {"team": [data.get("previous_id"), data.get("team_id")]}}
    if event.kind == EventKind.TAGS:
        return {"changes": {"tags": {"added": data.get("added", []), "removed": data.get("removed", [])}}}
    if event.kind == EventKind.SURVEY_ANSWERED:
        # The scale tells a receiver how to read the rating: "csat" 1–5 or "nps" 0–10.
        survey = {k: data.get(k) for k in ("rating", "comment", "channel")}
        return {"survey": survey | {"scale": data.get("scale") or "csat"}}
    if event.kind in (EventKind.SLA_WARNING, EventKind.SLA_BREACHED):
        return {"sla": {k: data.get(k) for k in ("target", "due_at")}}
    return {}


def build(delivery: WebhookDelivery) -> dict[str, Any] | None:
    """The body of ``delivery``; None when the ticket it is about was deleted meanwhile."""
    base: dict[str, Any] = {"id": str(delivery.uuid), "event": delivery.topic}
    if delivery.topic == WebhookTopic.PING:
        return base | {"occurred_at": _moment(delivery.created_at), "webhook": ping_json(delivery.webhook)}
    event = TicketEvent.objects.filter(pk=delivery.event_id).first() if delivery.event_id else None
    if event is None or delivery.ticket_id is None:
        return None
    ticket = (
        Ticket.objects.select_related("customer", "team", "assignee__user")
        .prefetch_related("tags")
        .filter(pk=delivery.ticket_id)
        .first()
    )
    if ticket is None:
        return None
    actor = Agent.objects.select_related("user").filter(pk=event.actor_id).first() if event.actor_id else None
    return base | {
        "occurred_at": _moment(event.created_at),
        "sequence": event.pk,
        "actor": _agent(actor),
        "ticket": ticket_json(ticket),
        **_about(event, delivery.topic),
    }


def ping_json(webhook: Webhook) -> dict[str, Any]:
    return {"id": webhook.pk, "name": webhook.name, "events": list(webhook.topics)}
