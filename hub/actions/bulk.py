"""One change to many tickets at once (the inbox's bulk bar), and taking it back.

Each ticket changes through its own action (``hub.actions.tickets``, ``hub.actions.snooze``,
``hub.actions.macros``, ``hub.actions.ticket_links``), so every change lands in its timeline
as if the agent had made it by hand; tickets outside the agent's scope are left out as if they
did not exist. The tickets are read in one query, their tags and snoozes in one more each; all
of it runs in one transaction with one live update per ticket after commit.

What each ticket was before is kept server-side for ``UNDO_SECONDS`` under a random token that
only the same agent can redeem (``do_bulk_undo``), which puts every ticket back through the same
actions. A merge is not undone: its messages have moved.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from hub import realtime
from hub.access import changeable_tickets, takes, team_ids
from hub.actions.macros import MAX_TICKETS as MACRO_CHUNK
from hub.actions.macros import MacroError, apply_macro
from hub.actions.snooze import do_snooze
from hub.actions.ticket_links import LinkError, do_merge_tickets
from hub.actions.tickets import do_assign, do_set_priority, do_set_status, do_set_tags, do_set_team
from hub.models import Agent, Macro, Priority, Team, Ticket, TicketSnooze, TicketStatus
from hub.models.teams import ASSIGNABLE

# How many tickets one bulk change may touch ("select all matching" stops here).
MAX_TICKETS = 5000
# How long a bulk change can be taken back; the toast offers it for a few seconds only.
UNDO_SECONDS = 10 * 60
_UNDO_KEY = "bulk-undo:{agent}:{token}"

KINDS = ("assign", "team", "status", "priority", "tags", "snooze", "macro", "merge")


class BulkError(ValueError):
    """A bulk change refused, with a message for the agent."""


@dataclass(frozen=True)
class Change:
    kind: str
    assignee: Agent | None = None
    team: Team | None = None
    status: str = ""
    priority: int | None = None
    add_tags: tuple[str, ...] = ()
    remove_tags: tuple[str, ...] = ()
    until: datetime | None = None
    macro: Macro | None = None
    # A merge: the selected ticket the others go into.
    target_id: int | None = None


@dataclass
class Done:
    changed: int
    token: str = ""  # "" when there is nothing to undo
    ticket_ids: list[int] = field(default_factory=list)
    # Selected tickets the change could not reach: an assignee who would not see them.
    left_alone: int = 0
    # Tickets a macro changed only in part (``Applied.left_out``): its timeline says what it did.
    partly: int = 0


def _tags_of(ticket_ids: list[int]) -> dict[int, list[str]]:
    """Each ticket's tag names, in one query."""
    tags: dict[int, list[str]] = defaultdict(list)
    for ticket_id, name in Ticket.tags.through.objects.filter(ticket_id__in=ticket_ids).values_list(
        "ticket_id", "tag__name"
    ):
        tags[ticket_id].append(name)
    return tags


def _before(ticket: Ticket, tags: list[str], snooze: datetime | None) -> dict[str, Any]:
    return {
        "status": ticket.status,
        "assignee": ticket.assignee_id,
        "team": ticket.team_id,
        "priority": ticket.priority,
        "tags": sorted(tags),
        "snooze": snooze.isoformat() if snooze else None,
    }


def _check(agent: Agent, change: Change) -> None:
    if change.kind not in KINDS:
        raise BulkError(_("Choose what to change."))
    if change.kind == "assign" and change.assignee is not None:
        people = Agent.objects.filter(ASSIGNABLE, pk=change.assignee.pk)
        if not agent.sees_everything:
            people = people.filter(Q(teams__in=team_ids(agent)) | Q(pk=agent.pk))
        if not people.exists():
            raise BulkError(_("Choose an active agent of your teams."))
    if (
        change.kind == "team"
        and change.team is not None
        and not agent.sees_everything
        and change.team.pk not in team_ids(agent)
    ):
        raise BulkError(_("Choose one of your teams."))
    if change.kind == "team" and change.team is None and not agent.sees_everything:
        raise BulkError(_("Only administrators and team leads take tickets out of every team."))
    if change.kind == "status" and change.status not in TicketStatus.values:
        raise BulkError(_("Choose a status from the list."))
    if change.kind == "priority" and change.priority not in Priority.values:
        raise BulkError(_("Choose a priority from the list."))
    if change.kind == "tags" and not (change.add_tags or change.remove_tags):
        raise BulkError(_("Name a tag to add or remove."))
    if change.kind == "snooze" and (change.until is None or change.until <= timezone.now()):
        raise BulkError(_("Choose a time in the future."))
    if change.kind == "macro" and change.macro is None:
        raise BulkError(_("Choose a macro."))


def do_bulk(agent: Agent, ticket_ids: Iterable[int], change: Change) -> Done:
    """Apply ``change`` as ``agent`` to each ticket of ``ticket_ids`` it may change; returns how
    many and the undo token. ``BulkError`` for a change that is not allowed or too many tickets."""
    ids = list(dict.fromkeys(int(i) for i in ticket_ids))
    if len(ids) > MAX_TICKETS:
        raise BulkError(_("A bulk change reaches at most %(n)d tickets at once.") % {"n": MAX_TICKETS})
    _check(agent, change)
    if change.kind == "merge":
        return _merge(agent, ids, change)
    with transaction.atomic(), realtime.collected(coalesce=True):
        tickets = list(changeable_tickets(agent).filter(pk__in=ids).select_related("team").order_by("pk"))
        left_alone = partly = 0
        if change.kind == "assign" and change.assignee is not None:
            # Each ticket only to an assignee the header would offer for it (``assignee_choices``).
            may_take = takes(change.assignee, agent)
            kept = [t for t in tickets if may_take(t)]
            left_alone, tickets = len(tickets) - len(kept), kept
        found = [t.pk for t in tickets]
        tags = _tags_of(found)
        snoozes = dict(TicketSnooze.objects.filter(ticket_id__in=found).values_list("ticket_id", "until"))
        before = {t.pk: _before(t, tags[t.pk], snoozes.get(t.pk)) for t in tickets}
        if change.kind == "macro":
            assert change.macro is not None
            try:
                for start in range(0, len(found), MACRO_CHUNK):
                    applied = apply_macro(agent, found[start : start + MACRO_CHUNK], change.macro)
                    partly += sum(1 for one in applied if one.left_out)
            except MacroError as refused:
                raise BulkError(str(refused)) from None
        else:
            for ticket in tickets:
                _apply(agent, ticket, change, tags[ticket.pk])
    token = secrets.token_urlsafe(16) if before else ""
    if token:
        cache.set(_UNDO_KEY.format(agent=agent.pk, token=token), before, UNDO_SECONDS)
    return Done(changed=len(found), token=token, ticket_ids=found, left_alone=left_alone, partly=partly)


def _apply(agent: Agent, ticket: Ticket, change: Change, tags: list[str]) -> None:
    if change.kind == "assign":
        do_assign(ticket, change.assignee, actor=agent)
    elif change.kind == "team":
        do_set_team(ticket, change.team, actor=agent)
    elif change.kind == "status":
        do_set_status(ticket, change.status, actor=agent)
    elif change.kind == "priority":
        assert change.priority is not None
        do_set_priority(ticket, change.priority, actor=agent)
    elif change.kind == "tags":
        wanted = (set(tags) | set(change.add_tags)) - set(change.remove_tags)
        if wanted != set(tags):
            do_set_tags(ticket, sorted(wanted), actor=agent)
    elif change.kind == "snooze":
        assert change.until is not None
        do_snooze(ticket, change.until, actor=agent)


def _merge(agent: Agent, ids: list[int], change: Change) -> Done:
    if change.target_id is None or change.target_id not in ids or len(ids) < 2:
        raise BulkError(_("Select two tickets or more and choose the one to keep."))
    with transaction.atomic(), realtime.collected(coalesce=True):
        tickets = {t.pk: t for t in changeable_tickets(agent).filter(pk__in=ids)}
        target = tickets.get(change.target_id)
        if target is None:
            raise BulkError(_("Select two tickets or more and choose the one to keep."))
        merged = []
        for pk in ids:
            source = tickets.get(pk)
            if source is None or pk == target.pk:
                continue
            try:
                target = do_merge_tickets(source, target, actor=agent)
            except LinkError:
                raise BulkError(_("One of these tickets has already been merged into another.")) from None
            merged.append(pk)
    return Done(changed=len(merged), ticket_ids=[*merged, target.pk])


def do_bulk_undo(agent: Agent, token: str) -> int:
    """Put back what the bulk change ``token`` changed, each ticket through its actions; only the
    agent who made it may, once. Returns how many tickets it restored (0: nothing to undo)."""
    key = _UNDO_KEY.format(agent=agent.pk, token=token)
    before: dict[int, dict[str, Any]] | None = cache.get(key)
    if not before:
        return 0
    cache.delete(key)
    restored = 0
    with transaction.atomic(), realtime.collected(coalesce=True):
        tickets = list(
            changeable_tickets(agent).filter(pk__in=list(before)).select_related("assignee", "team").order_by("pk")
        )
        tags = _tags_of([t.pk for t in tickets])
        people = {a.pk: a for a in Agent.objects.filter(pk__in={b["assignee"] for b in before.values()} - {None})}
        teams = {t.pk: t for t in Team.objects.filter(pk__in={b["team"] for b in before.values()} - {None})}
        # Snoozes the change made go in one statement; a snooze it replaced comes back below.
        TicketSnooze.objects.filter(ticket_id__in=[t.pk for t in tickets if before[t.pk]["snooze"] is None]).delete()
        for ticket in tickets:
            was = before[ticket.pk]
            if ticket.team_id != was["team"]:
                do_set_team(ticket, teams.get(was["team"]) if was["team"] else None, actor=agent)
            if ticket.assignee_id != was["assignee"]:
                do_assign(ticket, people.get(was["assignee"]) if was["assignee"] else None, actor=agent)
            if ticket.priority != was["priority"]:
                do_set_priority(ticket, was["priority"], actor=agent)
            if sorted(tags[ticket.pk]) != was["tags"]:
                do_set_tags(ticket, was["tags"], actor=agent)
            snooze = parse_datetime(was["snooze"]) if was["snooze"] else None
            if snooze is not None:
                TicketSnooze.objects.update_or_create(ticket=ticket, defaults={"until": snooze, "actor": agent})
            if ticket.status != was["status"]:
                do_set_status(ticket, was["status"], actor=agent)
            restored += 1
    return restored
