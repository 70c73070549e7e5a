"""Routing of tickets: the entry point's or the channel's team, then the admins' rules, then an agent.

A new ticket first gets the team of its entry point (``Interaction.team_hint``) or its
channel's default team; then the enabled rules for "ticket created" run in order
(``hub.routing.engine``) and may move it, assign it, set priority, status and tags, and so on.
An interaction whose customer waits for a live agent (``Interaction.wants_agent``: a live chat,
a call) then goes to an agent of its team with room on its channel (``capacity``); otherwise
the team's assignment strategy applies (``assignment``), manual by default: the team queue.

A customer's reply runs the rules for "customer replied" (and "ticket reopened" when it
reopened the ticket) on the ticket it joins; ``hub.actions`` runs those for assignee and status
changes, and the timer task those with timers.

Routing is split in two so the pipeline's batches can decide before their tickets exist:
``Router.decide`` decides in memory (set on the ticket by ``apply`` before its INSERT, so the
row is written once), ``Router.record`` writes the timeline events once the ticket has its
number and ``Router.flush`` the tags of the whole batch. ``route`` does all of it for a ticket
that already exists.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from hub import events
from hub.adapters import Interaction
from hub.models import Agent, ChannelSetting, Customer, Strategy, Team, Ticket, TicketStatus
from hub.models.routing import Trigger
from hub.routing import assignment, cache, lookup
from hub.routing.engine import Compiled, Outcome, RuleSet, Triggers
from hub.routing.facts import Facts
from hub.routing.reasons import Reason
from hub.routing.tags import TagChanges, write_tags
from hub.routing.tasks import refresh_external, run_effects

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    team: Team | None
    assignee: Agent | None
    why: Reason  # why the ticket is in its team (and with its agent), for the routing event
    outcome: Outcome = field(default_factory=Outcome)
    trigger: Triggers = Trigger.TICKET_CREATED

    @property
    def rule(self) -> str:
        return self.why.english()

    @property
    def created(self) -> bool:
        return self.trigger == Trigger.TICKET_CREATED


class Router:
    """Routing decisions within one transaction: teams, channel defaults and rules are looked up
    once, and live conversations given to an agent earlier in the same transaction (not yet
    saved) count as load, per channel.

    ``tickets``: the locked tickets of the caller (the pipeline's batch), whose tags are read
    with one query the first time a rule asks for the tags of one of them.
    """

    def __init__(self, tickets: dict[int, Ticket] | None = None) -> None:
        self._teams: dict[str, Team | None] = {}
        self._defaults: dict[str, Team | None] = {}
        self._pending: dict[str, Counter[int]] = {}
        self._rules: RuleSet | None = None
        self._tickets = tickets if tickets is not None else {}
        self._tags: dict[int, frozenset[str]] = {}
        self._tag_changes = TagChanges()
        self._effects: list[tuple[Ticket, list[dict[str, Any]]]] = []
        self._external: dict[int, dict[str, Any]] = {}  # customer id → the lookup's kept answer
        self._writers: set[int] = set()  # customers to ask the external lookup about after commit

    @property
    def rules(self) -> RuleSet:
        if self._rules is None:
            self._rules = cache.current()
        return self._rules

    def _team_by_slug(self, slug: str) -> Team | None:
        if slug not in self._teams:
            self._teams[slug] = Team.objects.filter(slug=slug).first()
        return self._teams[slug]

    def _default_team(self, channel: str) -> Team | None:
        if channel not in self._defaults:
            setting = ChannelSetting.objects.filter(channel=channel).select_related("default_team").first()
            self._defaults[channel] = setting.default_team if setting is not None else None
        return self._defaults[channel]

    def _tags_of(self, ticket: Ticket) -> frozenset[str]:
        if ticket.pk is None or not self.rules.reads_tags:
            return frozenset()
        if ticket.pk not in self._tags:
            wanted = {pk for pk in self._tickets if pk not in self._tags} | {ticket.pk}
            found: dict[int, set[str]] = {pk: set() for pk in wanted}
            through = Ticket.tags.through
            rows = through.objects.filter(ticket_id__in=sorted(wanted)).values_list("ticket_id", "tag__name")
            for ticket_id, name in rows:
                found[ticket_id].add(name)
            self._tags.update({pk: frozenset(names) for pk, names in found.items()})
        return self._tags[ticket.pk]

    def _external_of(self, customer: Customer | None) -> dict[str, Any]:
        """What the external lookup answered about the customer (kept from an earlier message)."""
        if customer is None or customer.pk is None:
            return {}
        if customer.pk not in self._external:
            self._external[customer.pk] = lookup.cached(customer.pk).data or {}
        return self._external[customer.pk]

    def facts(self, ticket: Ticket, customer: Customer | None, interaction: Interaction | None) -> Facts:
        rules = self.rules
        return Facts(
            ticket=ticket,
            customer=customer,
            interaction=interaction,
            tags=self._tags_of(ticket),
            external=self._external_of(customer) if rules.reads_external else None,
            team_slug=rules.slug_of,
            inside_hours=lambda team_id, at: rules.hours_of(team_id).inside(at or timezone.now()),
        )

    def decide(
        self,
        interaction: Interaction,
        *,
        ticket: Ticket | None = None,
        customer: Customer | None = None,
        trigger: Triggers = Trigger.TICKET_CREATED,
    ) -> Decision:
        """Team, agent and the rules' changes for ``ticket`` (new and unsaved for "ticket created")."""
        if trigger != Trigger.TICKET_CREATED:
            assert ticket is not None
            return self.decide_existing(ticket, customer, interaction, trigger)
        team: Team | None = None
        rule = Reason()
        if interaction.team_hint:
            team = self._team_by_slug(interaction.team_hint)
            rule = Reason.of("entry_point", channel=interaction.channel) if team else Reason()
        if team is None:
            team = self._default_team(interaction.channel)
            rule = Reason.of("channel_default", channel=interaction.channel) if team else Reason()
        outcome = Outcome()
        if ticket is not None:
            ticket.team = team
            outcome = self._run_rules(trigger, ticket, customer, interaction)
            if outcome.team is not None:
                team = outcome.team
                rule = Reason.of("rule_team", name=next(h.name for h in reversed(outcome.hits) if "team" in h.changes))
        if team is None:
            return Decision(None, self._named(outcome), Reason.of("no_team"), outcome)
        language = (ticket.language if ticket is not None else "") or interaction.language
        assignee, why = self._pick(team, interaction.channel, interaction.wants_agent, outcome, language)
        return Decision(team, assignee, rule + why, outcome)

    def decide_existing(
        self,
        ticket: Ticket,
        customer: Customer | None,
        interaction: Interaction | None,
        trigger: Triggers,
        rules: list[Compiled] | None = None,
    ) -> Decision:
        """The rules' changes to a ticket that exists (or an earlier message of the batch opened):
        ``trigger``'s rules, or ``rules`` (a timer's)."""
        outcome = self._run_rules(trigger, ticket, customer, interaction, rules)
        channel = interaction.channel if interaction is not None else ticket.origin_channel
        live = interaction.wants_agent if interaction is not None else False
        assignee, why = self._assignee(outcome, ticket, channel, live)
        return Decision(outcome.team, assignee, why, outcome, trigger)

    def _run_rules(
        self,
        trigger: Triggers,
        ticket: Ticket,
        customer: Customer | None,
        interaction: Interaction | None,
        rules: list[Compiled] | None = None,
    ) -> Outcome:
        if rules is None and not self.rules.rules_for(trigger):
            return Outcome()
        outcome = self.rules.run(trigger, self.facts(ticket, customer, interaction), rules)
        if interaction is not None and interaction.automatic and outcome.effects:
            # Automatic mail (an out-of-office, a bounce) is never answered automatically.
            outcome.effects = [e for e in outcome.effects if e["type"] != "auto_reply"]
        return outcome

    @staticmethod
    def _named(outcome: Outcome) -> Agent | None:
        return outcome.assign if isinstance(outcome.assign, Agent) else None

    def _assignee(self, outcome: Outcome, ticket: Ticket, channel: str, live: bool) -> tuple[Agent | None, Reason]:
        """The agent a rule's ``assign`` gives an existing ticket, and why (or why nobody)."""
        if outcome.assign is None:
            return None, Reason()
        team = outcome.team or ticket.team
        if team is None:
            return self._named(outcome), Reason()
        return self._pick(team, channel, live, outcome, ticket.language)

    def _pick(
        self, team: Team, channel: str, live: bool, outcome: Outcome, language: str = ""
    ) -> tuple[Agent | None, Reason]:
        """An agent for the team's ticket, and why (or why nobody): the agent a rule named, else
        the team's strategy (``assignment``); without one, live conversations by capacity."""
        named = self._named(outcome)
        if named is not None and not live:
            return named, Reason()
        configured = self.rules.strategies.get(team.pk)
        if named is not None:
            strategy: str = Strategy.LEAST_LOADED
        elif live:
            strategy = configured or Strategy.LEAST_LOADED
        elif outcome.assign == "team":
            strategy = configured if configured not in (None, Strategy.MANUAL) else Strategy.LEAST_LOADED
        elif configured is not None and configured != Strategy.MANUAL:
            strategy = configured
        else:
            return None, Reason()
        pending = self._pending.setdefault(channel, Counter())
        choice = assignment.pick(
            team.pk,
            channel,
            strategy=strategy,
            live=live,
            skills=outcome.skills,
            language=language,
            pending=pending,
            only=[named.pk] if named is not None else None,
        )
        if choice.agent is not None:
            pending[choice.agent.pk] += 1
        return choice.agent, choice.why

    def record(self, ticket: Ticket, decision: Decision) -> None:
        """The timeline events of ``decision`` on the saved ticket; its tags wait for ``flush``."""
        _record_events(ticket, decision)
        if self._rules is not None and self._rules.lookup_enabled:
            self._writers.add(ticket.customer_id)
        self._tag_changes.note(ticket, decision.outcome)
        if decision.outcome.effects:
            self._effects.append((ticket, decision.outcome.effects))

    def flush(self) -> None:
        """Write the tags of every decision recorded (a few queries for all) and queue their effects."""
        write_tags(self._tag_changes)
        self._tag_changes = TagChanges()
        for ticket, effects in self._effects:
            queue_effects(ticket.pk, effects)
        self._effects = []
        if self._writers:
            writers = sorted(self._writers)
            transaction.on_commit(lambda: refresh_external.delay(writers))
            self._writers = set()


def reply_trigger(*, reopened: bool) -> Triggers:
    """The triggers of a customer's message on an existing ticket."""
    if reopened:
        return (Trigger.CUSTOMER_REPLIED, Trigger.TICKET_REOPENED)
    return Trigger.CUSTOMER_REPLIED


def apply(ticket: Ticket, decision: Decision) -> list[str]:
    """Set the decision on the ticket (not saved); the fields it changed."""
    fields = []
    outcome = decision.outcome
    if decision.team is not None and (decision.created or ticket.team_id != decision.team.pk):
        ticket.team = decision.team
        fields.append("team")
    may_change = ticket.assignee_id is None or outcome.assign is not None
    if decision.assignee is not None and may_change and ticket.assignee_id != decision.assignee.pk:
        outcome.reassigned_from, outcome.reassigned = ticket.assignee_id, True
        ticket.assignee = decision.assignee
        fields.append("assignee")
    if outcome.priority is not None and ticket.priority != outcome.priority:
        ticket.priority = outcome.priority
        fields.append("priority")
    if outcome.status is not None and ticket.status != outcome.status:
        ticket.status = outcome.status
        done = outcome.status in (TicketStatus.SOLVED, TicketStatus.CLOSED)
        ticket.solved_at = (ticket.solved_at or timezone.now()) if done else None
        fields += ["status", "solved_at"]
    return fields


def _record_events(ticket: Ticket, decision: Decision) -> None:
    if decision.created:
        events.routed(ticket=ticket, team_id=decision.team.pk if decision.team else None, why=decision.why)
    for hit in decision.outcome.hits:
        events.routed(ticket=ticket, team_id=ticket.team_id, rule=hit.sentence, name=hit.name, changes=hit.changes)
    if decision.why and not decision.created:  # how a rule's "assign" went
        events.routed(ticket=ticket, team_id=ticket.team_id, why=decision.why)
    outcome = decision.outcome
    if decision.assignee is not None and outcome.reassigned and ticket.assignee_id == decision.assignee.pk:
        events.assigned(
            ticket=ticket, actor=None, assignee_id=decision.assignee.pk, previous_id=outcome.reassigned_from
        )


def record(ticket: Ticket, decision: Decision) -> None:
    """The timeline events, tags and effects of a routing decision already applied to the saved ticket."""
    router = Router()
    router.record(ticket, decision)
    router.flush()


def queue_effects(ticket_id: int, effects: list[dict[str, Any]]) -> None:
    """Auto-replies, notes and notices of matched rules: a task after commit, off the pipeline's path."""
    transaction.on_commit(lambda: run_effects.delay(ticket_id, effects))


def route(ticket: Ticket, interaction: Interaction, router: Router | None = None) -> None:
    """Give an existing ticket its team (and a live conversation its agent); runs in the caller's transaction."""
    router = router or Router()
    decision = router.decide(interaction, ticket=ticket, customer=ticket.customer)
    fields = apply(ticket, decision)
    if fields:
        ticket.save(update_fields=fields)
    router.record(ticket, decision)
    router.flush()
