"""Routing rules that admins configure, the teams' assignment settings, and timer bookkeeping.

A rule's conditions, actions and timer are JSON validated by ``hub.routing.schema`` (pydantic)
whenever they are saved through the API or the settings screen; the engine compiles them once
per process (``hub.routing.cache``) and evaluates them in memory.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import connection, models
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.crypto import EncryptedTextField
from hub.models.calendars import BusinessCalendar
from hub.models.teams import Agent, Team
from hub.models.tickets import Ticket


class Match(models.TextChoices):
    ALL = "all", _("All conditions")
    ANY = "any", _("Any condition")


class Trigger(models.TextChoices):
    """The events a rule runs on; timers are set by ``RoutingRule.timer`` instead."""

    TICKET_CREATED = "ticket_created", _("Ticket created")
    CUSTOMER_REPLIED = "customer_replied", _("Customer replied")
    TICKET_REOPENED = "ticket_reopened", _("Ticket reopened")
    ASSIGNEE_CHANGED = "assignee_changed", _("Assignee changed")
    STATUS_CHANGED = "status_changed", _("Status changed")
    # Raised once per clock by the SLA beat (``hub.sla``), in business time.
    SLA_WARNING = "sla_warning", _("SLA at risk")
    SLA_BREACHED = "sla_breached", _("SLA breached")


class RoutingRule(models.Model):
    """One admin-configured rule: when its triggers fire and its conditions hold, its actions apply.

    Rules run in ``position`` order; ``stop`` ends the evaluation after this rule matched.
    """

    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)
    enabled = models.BooleanField(_("enabled"), default=True)
    match = models.CharField(_("match"), max_length=3, choices=Match.choices, default=Match.ALL)
    # [{"field": "subject", "op": "contains", "value": "Rechnung"}, …] (hub.routing.schema.Condition)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    # [{"type": "set_team", "value": "billing"}, …] (hub.routing.schema.Action)
    actions = models.JSONField(_("actions"), default=list, blank=True)
    stop = models.BooleanField(_("stop after this rule"), default=False)
    # Trigger values; empty with a timer: the rule runs on its timer only.
    triggers = models.JSONField(_("triggers"), default=list, blank=True)
    # {"kind": "no_agent_reply", "minutes": 30} or {"kind": "waiting_on_customer", "days": 3}
    timer = models.JSONField(_("timer"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Strategy(models.TextChoices):
    MANUAL = "manual", _("Manual (team queue)")
    ROUND_ROBIN = "round_robin", _("Round robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")
    SKILLS = "skills", _("Skills")


class TeamRouting(models.Model):
    """How a team's tickets are assigned (absent: manual). Its hours are ``Team.calendar``."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="routing", primary_key=True)
    strategy = models.CharField(_("assignment"), max_length=20, choices=Strategy.choices, default=Strategy.MANUAL)
    # Round robin: the agent who got the team's latest ticket; the next one in id order is next.
    last_assigned = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("team routing")
        verbose_name_plural = _("team routing")

    def __str__(self) -> str:
        return f"{self.team} ({self.strategy})"


class ExternalLookup(models.Model):
    """The company's CRM or shop, asked about each customer (one connector; ``hub.routing.lookup``).

    Its JSON answer is shown beside the ticket and read by rule conditions as ``external.<field>``.
    Asked by a task after the pipeline's commit, never by the pipeline itself: a connector that
    is slow or down never delays or fails a message.
    """

    enabled = models.BooleanField(_("enabled"), default=False)
    # https://crm.example/api/customers?email={email}: {email}, {phone}, {customer_id} are filled in.
    url_template = models.CharField(_("URL"), max_length=500)
    auth_header = models.CharField(_("authentication header"), max_length=100, blank=True)
    auth_value = EncryptedTextField(_("authentication value"), blank=True)
    timeout_ms = models.PositiveIntegerField(_("timeout (ms)"), default=2000)
    ttl_seconds = models.PositiveIntegerField(_("keep answers for (s)"), default=900)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("external lookup")
        verbose_name_plural = _("external lookups")

    def __str__(self) -> str:
        return self.url_template


class RuleSetVersion(models.Model):
    """One row whose token is new whenever rules (or the teams they name) change.

    Every process keeps its compiled rules and reads this token once per batch: a change saved
    anywhere is seen by every worker at its next batch, and a rolled-back change never was. A
    random token, not a counter: a table emptied and filled again never repeats an old value.
    """

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("rule set version")

    def __str__(self) -> str:
        return self.token


class TimerFiring(models.Model):
    """A timer rule that fired on a ticket for one waiting period; the unique key makes it once."""

    rule = models.ForeignKey(RoutingRule, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    # What the timer waited from (the customer's message, the time the ticket went pending).
    since = models.DateTimeField()
    fired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "ticket", "since"], name="timerfiring_once")]

    def __str__(self) -> str:
        return f"rule {self.rule_id} on #{self.ticket_id} since {self.since:%Y-%m-%d %H:%M}"


def rules_changed() -> None:
    """Give the rule set a new token, in the caller's transaction (``RuleSetVersion``).

    Saving or deleting a rule, a team's routing or a team, and deleting an agent, call it
    (signals below); code that
    changes them with ``update()`` or ``bulk_create`` must call it itself.
    """
    table = connection.ops.quote_name(RuleSetVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, token) VALUES (1, %s) "  # noqa: S608 - the model's own table
            "ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token",
            [uuid.uuid4().hex],
        )


def _changed(**_kwargs: Any) -> None:
    rules_changed()


for _model in (RoutingRule, TeamRouting, Team, ExternalLookup, BusinessCalendar):
    post_save.connect(_changed, sender=_model, dispatch_uid=f"rules-changed-save-{_model.__name__}")
    post_delete.connect(_changed, sender=_model, dispatch_uid=f"rules-changed-delete-{_model.__name__}")
# Rules hold the agents they assign to; an agent's other changes (presence) do not concern them.
post_delete.connect(_changed, sender=Agent, dispatch_uid="rules-changed-delete-Agent")
