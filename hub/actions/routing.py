"""Routing rules applied to tickets that exist: on agents' changes, on timers, and their effects.

The pipeline applies rules to the tickets of its batch itself (``hub.routing.Router``); these
are the other ways in. A rule's own changes never run rules again: a rule that sets a status
does not fire "status changed" rules, so two rules can never bounce a ticket back and forth.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hub import events, realtime, routing
from hub.models import Agent, Customer, Direction, Message, MessageKind, Team, Ticket
from hub.models.messages import DeliveryStatus
from hub.realtime import agent_group, team_group
from hub.routing.engine import Compiled
from hub.sla import hooks as sla
from hub.sla.clocks import TICKET_FIELDS

# The ticket's SLA fields the rules may move, copied back to the caller's ticket.
SLA_FIELDS = ("sla_policy_id", "sla_policy_fixed", *TICKET_FIELDS)

log = logging.getLogger(__name__)
_state = threading.local()


@contextmanager
def _applying() -> Iterator[None]:
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        yield
    finally:
        _state.depth -= 1


def applying_rules() -> bool:
    """Whether this thread is applying rules now (their changes run no rules)."""
    return getattr(_state, "depth", 0) > 0


def do_run_rules(*, ticket: Ticket, trigger: str, rules: list[Compiled] | None = None) -> routing.Decision | None:
    """Run ``trigger``'s rules (or ``rules``, a timer's) on a saved ticket and apply what they decide.

    Locking: call inside the transaction that changed the ticket and holds its row lock (the
    ``do_*`` actions), or it takes the lock itself (``SELECT … FOR UPDATE``). Costs one query
    when no rule is for ``trigger``. Returns the decision, or None when no rule matched.
    """
    if applying_rules():
        return None
    router = routing.Router()
    if rules is None and not router.rules.rules_for(trigger):
        return None
    with transaction.atomic(), _applying():
        # The lock's read joins nothing: PostgreSQL re-reads a row it waited for but not the rows
        # joined to it, so a customer merged meanwhile would make a joined read find no row.
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        locked.customer = Customer.objects.select_related("organization").get(pk=locked.customer_id)
        decision = router.decide_existing(locked, locked.customer, None, trigger, rules)
        if not decision.outcome.hits:
            return None
        previous_assignee, previous_team, previous_status = locked.assignee_id, locked.team_id, locked.status
        fields = routing.apply(locked, decision)
        # Their status, priority, team and SLA policy reach the ticket's SLA clocks.
        fields += sla.after_rules(locked, decision.outcome, changed=fields, previous_status=previous_status)
        if fields:
            locked.updated_at = timezone.now()
            Ticket.objects.filter(pk=locked.pk).update(
                version=F("version") + 1,
                updated_at=locked.updated_at,
                **{f"{name}_id" if name in ("team", "assignee") else name: _value(locked, name) for name in fields},
            )
            locked.refresh_from_db(fields=["version"])
        router.record(locked, decision)
        router.flush()
        extra = (
            [agent_group(previous_assignee)] if previous_assignee and previous_assignee != locked.assignee_id else []
        )
        if previous_team and previous_team != locked.team_id:
            extra.append(team_group(previous_team))
        realtime.ticket_changed(locked, "ticket.updated", extra_groups=extra or None)
        for name in ("team_id", "assignee_id", "status", "priority", "solved_at", "version", "updated_at", *SLA_FIELDS):
            setattr(ticket, name, getattr(locked, name))
    return decision


def _value(ticket: Ticket, name: str) -> Any:
    if name in ("team", "assignee"):
        return getattr(ticket, f"{name}_id")
    return getattr(ticket, name)


def do_run_rule_effects(*, ticket_id: int, effects: list[dict[str, Any]]) -> None:
    """What matched rules do beyond the ticket's fields: auto-replies, notes, in-app notices.

    Locking: each effect in its own transaction; the note locks the ticket (``FOR UPDATE``), the
    auto-reply goes through ``do_send_automatic`` and its loop guard (once per ticket and rule).
    """
    ticket = Ticket.objects.select_related("customer").filter(pk=ticket_id).first()
    if ticket is None:
        return
    for effect in effects:
        kind, value, rule = effect.get("type"), effect.get("value"), str(effect.get("rule", ""))
        try:
            if kind == "auto_reply" and isinstance(value, dict):
                _auto_reply(ticket, value, rule, effect.get("rule_id"))
            elif kind == "add_note" and isinstance(value, str):
                _note(ticket, value, rule)
            elif kind == "notify" and isinstance(value, dict):
                _notify(ticket, value, rule)
        except Exception:
            log.exception("rule %r: its %s on ticket %s failed", rule, kind, ticket_id)


def _auto_reply(ticket: Ticket, texts: dict[str, str], rule: str, rule_id: Any) -> None:
    from hub.actions.automatic import do_send_automatic
    from hub.replies import reply_route

    language = ticket.customer.language or ticket.language
    text = texts.get(language) or texts.get("en") or next((t for k, t in texts.items() if k != "subject" and t), "")
    if not text:
        return
    route = reply_route(ticket)
    if not route.usable:
        log.info("rule %r: no auto-reply on ticket %s: %s", rule, ticket.pk, route.reason)
        return
    subject = texts.get("subject") or f"Re: {ticket.subject}"
    do_send_automatic(
        ticket_id=ticket.pk,
        kind=f"rule-{rule_id}"[:20],
        subject=subject,
        text=text,
        channel=route.channel,
        once_per_ticket=True,
    )


def _note(ticket: Ticket, text: str, rule: str) -> None:
    from hub.pipeline.store import touch_ticket
    from hub.text import clean_text

    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        message = Message.objects.create(
            ticket=locked,
            channel="internal",
            direction=Direction.OUTBOUND,
            kind=MessageKind.NOTE,
            sender=f"Rule «{rule}»"[:320],
            text=clean_text(text),
            delivery_status=DeliveryStatus.SENT,
        )
        touch_ticket(locked, message)
        events.note_added(ticket=locked, actor=None, message_id=message.pk)
        realtime.ticket_changed(locked, "message.added", message_id=message.pk)


def _notify(ticket: Ticket, value: dict[str, Any], rule: str) -> None:
    agents = [int(a) for a in value.get("agents", []) if isinstance(a, int)]
    teams = list(Team.objects.filter(slug__in=value.get("teams", [])).values_list("pk", flat=True))
    groups = [agent_group(pk) for pk in Agent.objects.filter(pk__in=agents).values_list("pk", flat=True)]
    groups += [team_group(pk) for pk in teams]
    if groups:
        payload = {
            "type": "hub.event",
            "event": "ticket.notice",
            "ticket_id": ticket.pk,
            "version": ticket.version,
            "rule": rule,
            "subject": ticket.subject,
        }
        realtime.send_on_commit(groups, payload)
