from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models.customers import Customer
from hub.models.teams import Agent, Team


class TicketStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    ON_HOLD = "on_hold", _("On hold")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.ON_HOLD)
_OPEN = models.Q(status__in=OPEN_STATUSES)


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Tag(models.Model):
    name = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    status = models.CharField(_("status"), max_length=10, choices=TicketStatus.choices, default=TicketStatus.NEW)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    assignee = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    origin_channel = models.CharField(_("channel"), max_length=20)
    tags = models.ManyToManyField(Tag, blank=True, related_name="tickets")
    language = models.CharField(max_length=10, blank=True)
    sentiment = models.FloatField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # The inbox sorts by this; it moves on every message, not on every field change.
    last_activity_at = models.DateTimeField(default=timezone.now)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    first_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    # Service level (``hub.sla``): the policy measuring this ticket (chosen when it was created,
    # by a routing rule, or the organization's contract), and, kept with its clocks
    # (``SlaClock``), the earliest due time of a running clock and the worst state of them all,
    # for the inbox's "due soonest" order and its "SLA at risk" view; ``sla_check_at`` is the next
    # moment a clock warns or breaches, which the beat job finds by index.
    sla_policy = models.ForeignKey(
        "hub.SlaPolicy", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    # Set by a routing rule or an agent: kept when the ticket's priority or team changes, which
    # otherwise choose its policy again by the policies' conditions.
    sla_policy_fixed = models.BooleanField(default=False)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    sla_state = models.CharField(max_length=10, blank=True)
    sla_check_at = models.DateTimeField(null=True, blank=True)

    # Denormalized for the inbox list, so a page of rows costs no query per row.
    last_message_preview = models.CharField(max_length=200, blank=True)
    last_message_channel = models.CharField(max_length=20, blank=True)
    last_message_direction = models.CharField(max_length=3, blank=True)
    last_message_kind = models.CharField(max_length=10, blank=True)
    message_count = models.PositiveIntegerField(default=0)
    # Bumped on every change agents should notice; the send check compares it (UX.md, section 6).
    version = models.PositiveIntegerField(default=1)
    # Enrichment: the customer's history across channels at the time of the last inbound message.
    history = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            models.Index(fields=["-last_activity_at", "-id"], name="ticket_activity"),
            models.Index(fields=["team", "-last_activity_at", "-id"], name="ticket_team_activity"),
            models.Index(fields=["assignee", "-last_activity_at", "-id"], name="ticket_assignee_activity"),
            models.Index(fields=["status", "-last_activity_at", "-id"], name="ticket_status_activity"),
            models.Index(fields=["customer", "-last_activity_at"], name="ticket_customer_activity"),
            models.Index(fields=["updated_at", "id"], name="ticket_updated"),
            # The leads' reports read a period's opened and solved tickets (frontend.report_figures)
            # from these alone (an index-only scan on PostgreSQL: a month at a million tickets is
            # 80,000 rows strewn over the table).
            models.Index(
                fields=["created_at"],
                include=["id", "customer", "team", "origin_channel", "assignee", "first_response_at"],
                name="ticket_created",
            ),
            models.Index(
                fields=["solved_at"],
                include=["created_at", "team", "origin_channel", "assignee"],
                name="ticket_solved_at",
                condition=models.Q(solved_at__isnull=False),
            ),
            # The inbox views list and count open tickets only, a small share of a large table:
            # partial indexes keep their pages and counts off the closed history (bench/README.md).
            models.Index(fields=["-last_activity_at", "-id"], name="ticket_open_activity", condition=_OPEN),
            models.Index(fields=["team", "-last_activity_at", "-id"], name="ticket_open_team", condition=_OPEN),
            models.Index(fields=["assignee", "-last_activity_at", "-id"], name="ticket_open_assignee", condition=_OPEN),
            # The solved and closed views: by activity alone PostgreSQL expects those tickets
            # among the newest, as they are most of the table, and read 42,000 open ones to
            # find a page of closed ones (24 ms at 1M); these hold just the history's order.
            models.Index(
                fields=["-last_activity_at", "-id"], name="ticket_solved_activity", condition=models.Q(status="solved")
            ),
            models.Index(
                fields=["-last_activity_at", "-id"], name="ticket_closed_activity", condition=models.Q(status="closed")
            ),
            # An agent's own history ("Mine" filtered to solved and closed): by activity alone
            # PostgreSQL read every newer ticket of others first (43,000 at 1M after a day's
            # mail, 100 ms); by owner it walks only theirs, and the open ones sit elsewhere.
            models.Index(
                fields=["assignee", "-last_activity_at", "-id"],
                name="ticket_done_assignee",
                condition=models.Q(status__in=["solved", "closed"]),
            ),
            # Counts "Waiting on customer" (pending) from the index alone, as the open one does
            # the other views: read from the status, it cost an agent's navigation 8 ms at 1M.
            models.Index(
                fields=["team", "assignee", "id"], name="ticket_pending_scope", condition=models.Q(status="pending")
            ),
            # Covers the per-view counts, so they are answered from the index alone.
            models.Index(fields=["team", "assignee", "id"], name="ticket_open_scope", condition=_OPEN),
            # The SLA beat's pass: only tickets with a clock about to warn or breach.
            models.Index(
                fields=["sla_check_at"], name="ticket_sla_check", condition=models.Q(sla_check_at__isnull=False)
            ),
            # "Due soonest" and "SLA at risk" over open tickets.
            models.Index(fields=["sla_due_at", "id"], name="ticket_open_sla_due", condition=_OPEN),
            # The inbox's other orders (frontend.inbox): newest created and highest priority, over
            # the open tickets and over one status (the solved and closed views).
            models.Index(fields=["-created_at", "-id"], name="ticket_open_created", condition=_OPEN),
            models.Index(
                fields=["-priority", "-last_activity_at", "-id"], name="ticket_open_priority", condition=_OPEN
            ),
            models.Index(fields=["status", "-created_at", "-id"], name="ticket_status_created"),
            models.Index(fields=["status", "-priority", "-last_activity_at", "-id"], name="ticket_status_priority"),
            # The "SLA at risk" view and its count: a small share of the open tickets, by scope.
            models.Index(
                fields=["team", "assignee", "id"],
                name="ticket_open_sla_risk",
                condition=_OPEN & models.Q(sla_state__in=["warning", "breached"]),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def number(self) -> int:
        return self.pk

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EventKind(models.TextChoices):
    """Every kind of timeline event; ``hub.events`` writes them, the timeline renders them."""

    CREATED = "created", _("Ticket created")
    THREADED = "threaded", _("Message threaded")
    ROUTED = "routed", _("Routed")
    ASSIGNED = "assigned", _("Assigned")
    TEAM_CHANGED = "team_changed", _("Team changed")
    STATUS = "status", _("Status changed")
    PRIORITY = "priority", _("Priority changed")
    TAGS = "tags", _("Tags changed")
    REPLIED = "replied", _("Replied")
    NOTE = "note", _("Note added")
    DELIVERY_FAILED = "delivery_failed", _("Delivery failed")
    CUSTOMER_MERGED = "customer_merged", _("Customer merged")
    CUSTOMER_UNMERGED = "customer_unmerged", _("Customer merge undone")
    LINKED = "linked", _("Linked ticket")
    MESSAGE_MOVED = "message_moved", _("Message moved here")
    MESSAGE_MOVED_OUT = "message_moved_out", _("Message moved away")
    SURVEY_ANSWERED = "survey_answered", _("Survey answered")
    CALLBACK_DUE = "callback_due", _("Callback due")
    SLA_WARNING = "sla_warning", _("SLA at risk")
    SLA_BREACHED = "sla_breached", _("SLA breached")
    SLA_POLICY = "sla_policy", _("SLA policy set")


class TicketEvent(models.Model):
    """Append-only timeline of a ticket; written only through ``hub.events``."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    actor = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="ticketevent_ticket_time"),
            # A period's survey answers for the leads' reports, without reading every event.
            models.Index(
                fields=["created_at"], name="ticketevent_survey_time", condition=models.Q(kind="survey_answered")
            ),
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on #{self.ticket_id}"


class Draft(models.Model):
    """An agent's unsent reply or note on a ticket, kept server-side so nothing wipes it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="drafts")
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="drafts")
    mode = models.CharField(max_length=10, default="reply")
    text = models.TextField(blank=True)
    # The rich text of an email reply, cleaned (``hub.richtext``); empty: plain text only.
    html = models.TextField(blank=True, default="")
    # Cc and Bcc as the agent typed them; None: not touched, the composer suggests its own.
    cc = models.CharField(max_length=5000, null=True, blank=True)
    bcc = models.CharField(max_length=5000, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "agent"], name="draft_unique_ticket_agent")]

    def __str__(self) -> str:
        return f"{self.mode} draft on #{self.ticket_id}"
