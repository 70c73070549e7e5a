"""Where the ticket's changes meet its clocks: the pipeline's batch, replies, status, priority, team, rules.

Each hook runs in the caller's transaction, on the ticket row the caller holds locked, and costs
a fixed number of queries whatever it changes: the policies (cached per rule set: the token the
caller read anyway, or one query), the ticket's clocks (one query; the batch's tickets together)
and their upsert (one). A ticket no policy measures costs nothing in replies and status changes.
The ticket's own SLA fields go out with the caller's UPDATE of the row (the fields returned).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hub import events
from hub.models import Agent, Customer, Message, Ticket
from hub.sla import choose
from hub.sla.choose import Policies, Policy
from hub.sla.clocks import Clocks, assign, load, save, switch

if TYPE_CHECKING:
    from hub.routing import Router
    from hub.routing.engine import Outcome


def policies_now() -> Policies:
    return choose.current()


def _record_switch(ticket: Ticket, policy: Policy | None, reason: str, actor: Agent | None = None) -> None:
    events.sla_policy_set(
        ticket=ticket,
        actor=actor,
        policy_id=policy.id if policy is not None else None,
        name=policy.name if policy is not None else "",
        reason=reason,
    )


def save_ticket(ledger: Clocks, fields: list[str]) -> None:
    """Write the ledger's clocks and the ticket's SLA ``fields`` (plus its summary), moving its version."""
    ticket = ledger.ticket
    names = [*dict.fromkeys([*fields, *ledger.summarize()])]
    ticket.updated_at = timezone.now()
    values = {_column(name): getattr(ticket, _column(name)) for name in names}
    Ticket.objects.filter(pk=ticket.pk).update(version=F("version") + 1, updated_at=ticket.updated_at, **values)
    ticket.refresh_from_db(fields=["version"])
    save([ledger])


def _column(name: str) -> str:
    return "sla_policy_id" if name == "sla_policy" else name


def _ledger(ticket: Ticket, policies: Policies, *, lock: bool = False) -> Clocks:
    """The ticket's clocks; ``lock``: take the ticket's row first, for callers that hold none
    (the beat locks it before its clocks too, so neither overwrites the other's claim)."""
    if lock:
        Ticket.objects.select_for_update(no_key=True).filter(pk=ticket.pk).values_list("pk", flat=True).first()
    return Clocks(ticket, load([ticket])[ticket.pk], policies.get(ticket.sla_policy_id))


# -- agents' actions (hub.actions) --------------------------------------------------------------


def replied(ticket: Ticket, *, at: datetime, previous_status: str) -> list[str]:
    """An agent's public reply at ``at`` (and the status it set): the ticket's fields to save with
    the reply's UPDATE; its clocks are written now. Nothing, no query, for a ticket without a policy."""
    if ticket.sla_policy_id is None:
        return []
    ledger = _ledger(ticket, policies_now())
    ledger.agent_replied(at)
    ledger.status_changed(previous_status, ticket.status, at)
    save([ledger])
    return ledger.summarize()


def status_changed(ticket: Ticket, *, previous: str, at: datetime) -> list[str]:
    """A status change in memory on the locked ticket: fields to save with it; clocks written now."""
    if ticket.sla_policy_id is None or previous == ticket.status:
        return []
    ledger = _ledger(ticket, policies_now(), lock=True)
    ledger.status_changed(previous, ticket.status, at)
    save([ledger])
    return ledger.summarize()


def rechoose(ticket: Ticket, *, at: datetime, actor: Agent | None, why: str, retarget: bool = True) -> list[str]:
    """The ticket's priority or team changed (in memory): its policy is chosen again (unless a
    rule or an agent fixed it) and, with ``retarget`` (a new priority), its clocks get their new
    targets. The ticket's row is locked here. Fields to save."""
    policies = policies_now()
    if not policies and ticket.sla_policy_id is None:
        return []
    ledger = _ledger(ticket, policies, lock=True)
    customer = Customer.objects.select_related("organization").filter(pk=ticket.customer_id).first()
    policy, reason = policies.choose(ticket, customer)
    fields: list[str] = []
    if policy is not ledger.policy:
        fields = switch(ledger, policy, at=at)
        _record_switch(ticket, policy, f"{why}: {reason}" if reason else why, actor)
    elif retarget:
        ledger.retarget(policy, at)
    else:
        return []
    save([ledger])
    return [*fields, *ledger.summarize()]


def after_rules(ticket: Ticket, outcome: Outcome, *, changed: list[str], previous_status: str) -> list[str]:
    """Rules applied to a saved, locked ticket (``do_run_rules``): their status, priority, team and
    ``set_sla_policy`` reach its clocks. The ticket's fields to save with the rules' UPDATE."""
    if outcome.sla_policy is None and not {"status", "priority", "team"} & set(changed):
        return []
    policies = policies_now()
    if not policies and ticket.sla_policy_id is None:
        return []
    at = timezone.now()
    ledger = _ledger(ticket, policies)
    fields: list[str] = []
    if "status" in changed:
        ledger.status_changed(previous_status, ticket.status, at)
    chosen = policies.named(outcome.sla_policy) if outcome.sla_policy is not None else None
    if chosen is not None:
        if chosen is not ledger.policy or not ticket.sla_policy_fixed:
            fields = switch(ledger, chosen, at=at, fixed=True)
            _record_switch(ticket, chosen, "set by a routing rule")
    elif {"priority", "team"} & set(changed):
        customer = Customer.objects.select_related("organization").filter(pk=ticket.customer_id).first()
        policy, reason = policies.choose(ticket, customer)
        if policy is not ledger.policy:
            fields = switch(ledger, policy, at=at)
            _record_switch(ticket, policy, reason)
        else:
            ledger.retarget(policy, at)
    save([ledger])
    return [*fields, *ledger.summarize()]


def split_off(ticket: Ticket, *, at: datetime, customer_waits: bool, actor: Agent | None) -> None:
    """A ticket split off an existing one (saved, locked in the caller's transaction): its policy
    is chosen as for a new ticket, and when it holds a customer's message (``at``), first
    response and resolution run from that message."""
    policies = policies_now()
    if not policies:
        return
    customer = Customer.objects.select_related("organization").filter(pk=ticket.customer_id).first()
    policy, reason = policies.choose(ticket, customer)
    if policy is None:
        return
    ledger = Clocks(ticket, [], policy)
    ticket.sla_policy_id = policy.id
    if customer_waits:
        ledger.created(at)
    _record_switch(ticket, policy, reason, actor)
    save_ticket(ledger, ["sla_policy_id"])


def apply_contract(organization_id: int) -> int:
    """Choose the policy again for the open tickets of an organization's customers (those no rule
    or agent fixed), each in its own transaction with its row locked; how many changed."""
    from hub.models.tickets import OPEN_STATUSES

    pks = Ticket.objects.filter(
        customer__organization_id=organization_id, status__in=OPEN_STATUSES, sla_policy_fixed=False
    ).values_list("pk", flat=True)
    changed = 0
    for pk in list(pks.order_by("pk")):
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update(no_key=True).defer("history").filter(pk=pk).first()
            if ticket is None:
                continue
            before = ticket.sla_policy_id
            fields = rechoose(ticket, at=timezone.now(), actor=None, why="contract changed", retarget=False)
            if fields:
                ticket.updated_at = timezone.now()
                values = {_column(name): getattr(ticket, _column(name)) for name in fields}
                Ticket.objects.filter(pk=pk).update(version=F("version") + 1, updated_at=ticket.updated_at, **values)
                changed += ticket.sla_policy_id != before
    return changed


# -- the pipeline's batch (hub.pipeline.batch) --------------------------------------------------


@dataclass
class _Step:
    ticket: Ticket
    customer: Customer
    message: Message
    created: bool
    automatic: bool  # an auto-reply or a bounce: nobody waits for an answer to it
    status_before: str
    status_after: str
    outcome: Outcome | None


class BatchClocks:
    """The clocks of a batch's tickets: told each message in order (``note``), decided in memory
    before the tickets are written (``decide``), their rows written once they are (``write``)."""

    def __init__(self, router: Router) -> None:
        self.router = router
        self.steps: list[_Step] = []
        self.ledgers: dict[int, Clocks] = {}  # id(ticket) → its clocks
        self.switched: list[tuple[Ticket, Policy | None, str]] = []

    def note(
        self,
        ticket: Ticket,
        customer: Customer,
        message: Message,
        *,
        created: bool,
        automatic: bool = False,
        status_before: str,
        outcome: Outcome | None,
    ) -> None:
        """One message of the batch, after threading and routing changed its ticket in memory."""
        step = _Step(ticket, customer, message, created, automatic, status_before, ticket.status, outcome)
        self.steps.append(step)

    def decide(self) -> dict[int, list[str]]:
        """Every noted message applied to its ticket's clocks; the fields to save per existing
        ticket (new tickets get theirs in memory, before their INSERT). One query at most."""
        if not self.steps:
            return {}
        policies = choose.for_rules(self.router.rules)
        if not policies:
            return {}
        loaded = load(step.ticket for step in self.steps if not step.created)
        now = timezone.now()
        extra: dict[int, list[str]] = {}
        for step in self.steps:
            ticket = step.ticket
            ledger = self.ledgers.get(id(ticket))
            if ledger is None:
                rows = loaded.get(ticket.pk, []) if ticket.pk is not None else []
                ledger = self.ledgers[id(ticket)] = Clocks(ticket, rows, policies.get(ticket.sla_policy_id))
            fields = self._apply(step, ledger, policies, now)
            if ticket.pk is not None:
                extra.setdefault(ticket.pk, []).extend(fields)
        for ledger in self.ledgers.values():
            fields = ledger.summarize()
            if ledger.ticket.pk is not None:
                extra.setdefault(ledger.ticket.pk, []).extend(fields)
        return {pk: list(dict.fromkeys(names)) for pk, names in extra.items()}

    def _apply(self, step: _Step, ledger: Clocks, policies: Policies, now: datetime) -> list[str]:
        ticket, at = step.ticket, min(step.message.created_at, now)
        outcome = step.outcome
        named = policies.named(outcome.sla_policy) if outcome is not None and outcome.sla_policy else None
        policy: Policy | None
        fixed: bool | None
        if named is not None:
            policy, reason, fixed = named, "set by a routing rule", True
        elif step.created or ticket.customer_id == step.customer.pk:
            policy, reason = policies.choose(ticket, step.customer)
            fixed = None
        else:  # a participant other than the ticket's customer: the policy stays as it is
            policy, reason, fixed = ledger.policy, "", None
        fields: list[str] = []
        if step.created:
            fields = assign(ledger, policy, fixed=fixed)
            if policy is not None:
                self.switched.append((ticket, policy, reason))
                ledger.created(at)
            return fields
        ledger.status_changed(step.status_before, step.status_after, now)
        if policy is not ledger.policy or (fixed and not ticket.sla_policy_fixed):
            fields = switch(ledger, policy, at=now, fixed=fixed)
            self.switched.append((ticket, policy, reason))
        elif outcome is not None and outcome.priority is not None:
            ledger.retarget(policy, now)
        if not step.automatic:
            ledger.customer_wrote(at, now)
        return fields

    def write(self) -> None:
        """The clocks of every ticket (all saved by now) with one upsert, and the timeline's
        ``sla_policy`` events (in the caller's ``events.batched`` block)."""
        for ticket, policy, reason in self.switched:
            _record_switch(ticket, policy, reason)
        self.switched = []
        save(self.ledgers.values())


# -- calls (hub.actions.delivery_reports) -------------------------------------------------------


def call_reported(ticket: Ticket, *, answered: bool, at: datetime) -> tuple[list[str], datetime | None]:
    """A call's report on the locked ticket: an answered call is a response (it meets first and
    next response, as a public reply does); for a missed call or a voicemail, the due time of the
    response the caller waits for, which is when they are to be called back (the policy's first
    response target, or its next response on a ticket answered before). The ticket's fields to
    save, and that due time (None: no policy measures the ticket's response)."""
    if ticket.sla_policy_id is None:
        return [], None
    ledger = _ledger(ticket, policies_now())
    if answered:
        ledger.agent_replied(at)
        save([ledger])
        return ledger.summarize(), None
    waiting = [c.due_at for t, c in ledger.by_target.items() if t != "resolution" and c.due_at is not None]
    return [], min(waiting, default=None)
