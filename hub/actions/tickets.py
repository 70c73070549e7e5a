from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hub import access, events, realtime
from hub.actions import notifications as notify
from hub.actions.routing import do_run_rules
from hub.models import Agent, Tag, Team, Ticket, TicketStatus
from hub.models.routing import Trigger
from hub.realtime import agent_group, team_group
from hub.sla import hooks as sla


def _bump(ticket: Ticket, *fields: str) -> None:
    """Save ``fields`` and move the ticket's version on, so every open view learns of it."""
    ticket.updated_at = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(
        version=F("version") + 1, updated_at=ticket.updated_at, **{f: getattr(ticket, f) for f in fields}
    )
    ticket.refresh_from_db(fields=["version"])


@transaction.atomic
def do_assign(ticket: Ticket, assignee: Agent | None, *, actor: Agent | None) -> Ticket:
    previous = ticket.assignee_id
    if previous == (assignee.pk if assignee else None):
        return ticket
    ticket.assignee = assignee
    if assignee is not None and ticket.status == TicketStatus.NEW:
        ticket.status = TicketStatus.OPEN
    _bump(ticket, "assignee_id", "status")
    events.assigned(ticket=ticket, actor=actor, assignee_id=ticket.assignee_id, previous_id=previous)
    # The previous assignee's list must drop the row too.
    realtime.ticket_changed(
        ticket,
        "ticket.updated",
        extra_groups=[agent_group(previous)] if previous else None,
        by=actor,
        assignee_id=ticket.assignee_id,
        scope_changed=True,
    )
    notify.assigned(ticket, actor)
    do_run_rules(ticket=ticket, trigger=Trigger.ASSIGNEE_CHANGED)
    return ticket


class AlreadyTaken(Exception):
    """Someone accepted the ticket first; ``name`` is who."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@transaction.atomic
def do_accept(ticket_id: int, agent: Agent) -> Ticket:
    """``agent`` accepts an unassigned ticket (a new chat's "Annehmen"): theirs, unless someone
    was faster (AlreadyTaken, naming them) or it left the agent's sight (Ticket.DoesNotExist).
    The row is locked, so of two agents who accept at once exactly one gets it."""
    # Read under the lock through the agent's scope: a chat moved to another team between the
    # offer and the click is no longer theirs to take (Ticket.DoesNotExist).
    # No join in the locking read: PostgreSQL re-reads a row it waited for, but not the rows
    # joined to it, so a joined assignee would still be the old one (none) after the wait.
    ticket = access.visible_tickets(agent).select_for_update().get(pk=ticket_id)
    if ticket.assignee_id == agent.pk:
        return ticket
    if ticket.assignee_id is not None:
        raise AlreadyTaken(Agent.objects.select_related("user").get(pk=ticket.assignee_id).name)
    return do_assign(ticket, agent, actor=agent)


@transaction.atomic
def do_set_team(ticket: Ticket, team: Team | None, *, actor: Agent | None) -> Ticket:
    previous = ticket.team_id
    if previous == (team.pk if team else None):
        return ticket
    ticket.team = team
    # A policy may apply by team: chosen again, the clocks keep the time they used.
    _bump(ticket, "team_id", *sla.rechoose(ticket, at=timezone.now(), actor=actor, why="team changed", retarget=False))
    events.team_changed(ticket=ticket, actor=actor, team_id=ticket.team_id, previous_id=previous)
    realtime.ticket_changed(
        ticket,
        "ticket.updated",
        extra_groups=[team_group(previous)] if previous else None,
        by=actor,
        scope_changed=True,
    )
    return ticket


def change_status(ticket: Ticket, status: str, *, actor: Agent | None, now: datetime) -> list[str]:
    """The one status transition: ``ticket`` moved to ``status`` in memory, with its timeline event.

    Returns the fields the caller must save, in the transaction it records the event in (empty
    when the status does not change: nothing is recorded). Solved and closed keep the first
    time they were reached; any other status clears it. The caller holds the ticket's row (or
    writes it with one UPDATE) and tells agents (``realtime``) with the version it saves.
    ValueError for a status that does not exist.
    """
    if status not in TicketStatus.values:
        raise ValueError(f"unknown status {status!r}")
    previous = ticket.status
    if previous == status:
        return []
    ticket.status = status
    if status in (TicketStatus.SOLVED, TicketStatus.CLOSED):
        ticket.solved_at = ticket.solved_at or now
    else:
        ticket.solved_at = None
    events.status_changed(ticket=ticket, actor=actor, status=status, previous=previous)
    return ["status", "solved_at"]


@transaction.atomic
def do_set_status(ticket: Ticket, status: str, *, actor: Agent | None) -> Ticket:
    previous, now = ticket.status, timezone.now()
    fields = change_status(ticket, status, actor=actor, now=now)
    if not fields:
        return ticket
    # Pending and on hold pause the SLA clocks, solved meets them, reopened resumes resolution.
    _bump(ticket, *fields, *sla.status_changed(ticket, previous=previous, at=now))
    realtime.ticket_changed(ticket, "ticket.updated", by=actor)
    do_run_rules(ticket=ticket, trigger=Trigger.STATUS_CHANGED)
    return ticket


@transaction.atomic
def do_set_priority(ticket: Ticket, priority: int, *, actor: Agent | None) -> Ticket:
    previous = ticket.priority
    if previous == priority:
        return ticket
    ticket.priority = priority
    # The SLA targets are per priority (and a policy may apply by it): due times move.
    _bump(ticket, "priority", *sla.rechoose(ticket, at=timezone.now(), actor=actor, why="priority changed"))
    events.priority_changed(ticket=ticket, actor=actor, priority=priority, previous=previous)
    realtime.ticket_changed(ticket, "ticket.updated", by=actor)
    return ticket


@transaction.atomic
def do_set_tags(ticket: Ticket, names: list[str], *, actor: Agent | None) -> Ticket:
    wanted = {n.strip().lower()[:64] for n in names if n.strip()}
    current = set(ticket.tags.values_list("name", flat=True))
    added, removed = sorted(wanted - current), sorted(current - wanted)
    if not added and not removed:
        return ticket
    tags = [Tag.objects.get_or_create(name=name)[0] for name in added]
    ticket.tags.add(*tags)
    ticket.tags.remove(*Tag.objects.filter(name__in=removed))
    _bump(ticket)
    events.tags_changed(ticket=ticket, actor=actor, added=added, removed=removed)
    realtime.ticket_changed(ticket, "ticket.updated", by=actor)
    return ticket
