from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models.calendars import BusinessCalendar
from hub.models.tickets import Ticket


class SlaTarget(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    # The customer wrote again after an agent's reply and waits for the next one.
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


class SlaState(models.TextChoices):
    OK = "ok", _("On time")
    WARNING = "warning", _("At risk")
    BREACHED = "breached", _("Breached")
    MET = "met", _("Met")
    PAUSED = "paused", _("Paused")


class SlaPolicy(models.Model):
    """Agreed targets per priority, in business time of a calendar, for the tickets it applies to.

    ``targets``: ``{"first_response": {"1": 480, "2": 240, "3": 60, "4": 30}, "next_response":
    {…}, "resolution": {…}}``, minutes per priority value; a target or priority left out is not
    measured. ``conditions``: the routing rules' condition format, all of which must hold; the
    first enabled policy by position whose conditions hold applies, unless the customer's
    organization has a contracted policy or a routing rule set one (``Ticket.sla_policy``).
    ``calendar`` None: calendar time (every minute counts).
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    enabled = models.BooleanField(_("enabled"), default=True)
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("business hours"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sla_policies",
    )
    targets = models.JSONField(_("targets"), default=dict, blank=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class SlaClock(models.Model):
    """One measured target of one ticket: when it is due, and what became of it.

    Running: ``due_at`` and ``warn_at`` set, ``state`` ok or warning (or breached, still running
    until met). Paused (waiting on the customer, on hold): ``due_at`` None and ``remaining`` the
    business time that was left. Met: ``met_at`` set, kept for reports (``breached_at`` set too
    when it was met late).
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_clocks")
    target = models.CharField(max_length=20, choices=SlaTarget.choices)
    state = models.CharField(max_length=10, choices=SlaState.choices, default=SlaState.OK)
    started_at = models.DateTimeField(default=timezone.now)
    # The target in business minutes, as the policy gave it when the clock started (or its
    # priority last changed): the warning's lead time and a change of target are counted from it.
    minutes = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    remaining = models.DurationField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        constraints = [models.UniqueConstraint(fields=["ticket", "target"], name="slaclock_one_per_target")]
        # The leads' reports: clocks breached today, and a period's targets met and missed.
        indexes = [
            models.Index(
                fields=["breached_at"], name="slaclock_breached", condition=models.Q(breached_at__isnull=False)
            ),
            models.Index(fields=["met_at"], name="slaclock_met", condition=models.Q(met_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.target} {self.state}"


class SlaOutcome(models.Model):
    """What became of one run of a clock, kept when the clock runs again (``hub.sla.clocks.save``).

    A clock is one row per ticket and target and starts afresh (a next response each time the
    customer writes again), which clears its met and breached moments; the reports count these
    rows instead, so a period's figures do not shrink later. A run is its clock's ``started_at``:
    a resumed clock (a reopened ticket) is the same run, and its outcome is its latest.
    Met in time: ``met_at`` set, ``breached_at`` not; missed: ``breached_at`` (the due time).
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_outcomes")
    target = models.CharField(max_length=20, choices=SlaTarget.choices)
    started_at = models.DateTimeField()
    met_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SLA outcome")
        verbose_name_plural = _("SLA outcomes")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "target", "started_at"], name="slaoutcome_one_per_run")
        ]
        # The leads' reports: a period's targets met in time and missed.
        indexes = [
            models.Index(
                fields=["breached_at"], name="slaoutcome_breached", condition=models.Q(breached_at__isnull=False)
            ),
            models.Index(
                fields=["met_at"],
                name="slaoutcome_met",
                condition=models.Q(met_at__isnull=False, breached_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.target} from {self.started_at:%Y-%m-%d %H:%M}"
