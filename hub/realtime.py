"""Realtime events to agents, sent only after the change that caused them has committed.

The payload is deliberately small ({event, ticket_id, version}): each agent's client asks the
server for what changed, rendered in its own language and permissions. Groups:
``tickets.all`` (admins and leads), ``team.<id>``, ``agent.<id>`` (assignee), ``ticket.<id>``.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from hub.models import Ticket

log = logging.getLogger(__name__)

ALL_GROUP = "tickets.all"


def team_group(team_id: int) -> str:
    return f"team.{team_id}"


def agent_group(agent_id: int) -> str:
    return f"agent.{agent_id}"


def ticket_group(ticket_id: int) -> str:
    return f"ticket.{ticket_id}"


def groups_for(ticket: Ticket) -> list[str]:
    groups = [ALL_GROUP, ticket_group(ticket.pk)]
    if ticket.team_id is not None:
        groups.append(team_group(ticket.team_id))
    if ticket.assignee_id is not None:
        groups.append(agent_group(ticket.assignee_id))
    return groups


def ticket_changed(ticket: Ticket, event: str, *, message_id: int | None = None, extra_groups: list[str] | None = None) -> None:
    payload: dict[str, Any] = {
        "type": "hub.event",
        "event": event,
        "ticket_id": ticket.pk,
        "version": ticket.version,
    }
    if message_id is not None:
        payload["message_id"] = message_id
    groups = groups_for(ticket) + (extra_groups or [])
    transaction.on_commit(lambda: _send(groups, payload))


def _send(groups: list[str], payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        for group in dict.fromkeys(groups):
            async_to_sync(layer.group_send)(group, payload)
    except Exception:  # noqa: BLE001 - a realtime hiccup must never fail the change itself
        log.exception("realtime event %s for ticket %s not sent", payload["event"], payload["ticket_id"])
