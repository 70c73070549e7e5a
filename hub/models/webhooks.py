"""Outgoing webhooks: what happens to tickets, POSTed to the company's own systems (``hub.webhooks``).

A ``WebhookDelivery`` is written in the transaction of the change it reports (an outbox): a
change that commits is reported, one rolled back never was, and a worker that dies mid-send
leaves a row the sweep sends again (at least once; receivers tell repeats apart by its ``uuid``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.crypto import EncryptedTextField


class WebhookTopic(models.TextChoices):
    """What a webhook can be told about; the value is the ``event`` of the payload."""

    TICKET_CREATED = "ticket.created", _("Ticket created")
    MESSAGE_RECEIVED = "message.received", _("Customer message received")
    MESSAGE_SENT = "message.sent", _("Agent replied")
    NOTE_ADDED = "note.added", _("Internal note added")
    STATUS_CHANGED = "ticket.status_changed", _("Status changed")
    ASSIGNED = "ticket.assigned", _("Assignee changed")
    TEAM_CHANGED = "ticket.team_changed", _("Team changed")
    PRIORITY_CHANGED = "ticket.priority_changed", _("Priority changed")
    TAGS_CHANGED = "ticket.tags_changed", _("Tags changed")
    SURVEY_ANSWERED = "survey.answered", _("Satisfaction survey answered")
    SLA_WARNING = "sla.warning", _("SLA at risk")
    SLA_BREACHED = "sla.breached", _("SLA breached")
    PING = "ping", _("Test event")


class Webhook(models.Model):
    """A URL of the company's that is told, signed, about the topics it subscribes to."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    topics = models.JSONField(_("events"), default=list)
    # Only tickets of this team (at the moment of the event); none: every ticket.
    team = models.ForeignKey(
        "hub.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("team")
    )
    secret = EncryptedTextField(_("signing secret"))
    active = models.BooleanField(_("active"), default=True)
    # Since when its deliveries fail without one getting through; cleared by the next success,
    # and begun afresh by a failure after a quiet day (``hub.webhooks.send.QUIET_BREAK``).
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    # Its latest failed attempt: a webhook is paused only while it is still failing.
    last_failed_at = models.DateTimeField(_("last failed"), null=True, blank=True)
    # When the sweep paused it after failing for ``WEBHOOK_PAUSE_AFTER_DAYS``; cleared when resumed.
    paused_automatically_at = models.DateTimeField(_("paused automatically"), null=True, blank=True)
    created_by = models.ForeignKey("hub.Agent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name", "pk"]

    # What an admin sets, the rest the hub keeps: the keyword arguments of
    # ``hub.actions.webhooks.do_save_webhook``, the settings form's fields, what the API writes and
    # what the audit log compares.
    EDITABLE: tuple[str, ...] = ("name", "url", "topics", "team", "active")

    def __str__(self) -> str:
        return self.name

    def editable(self) -> dict[str, Any]:
        """``EDITABLE`` as ``do_save_webhook`` takes them (the team as a row, not its id); a new
        ``Webhook()`` gives the defaults."""
        return {field: getattr(self, field) for field in self.EDITABLE} | {"topics": sorted(self.topics)}


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one webhook, and how its sending went (the last attempt's answer)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No constraint in the database: a process may write a delivery for a webhook deleted a moment
    # ago elsewhere (``hub.webhooks.outbox`` keeps the list for two seconds), which must not fail
    # the agent's change; such a delivery is dropped when it is sent. Deleting a webhook in the
    # ORM still deletes its deliveries.
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries", db_constraint=False)
    topic = models.CharField(max_length=40, choices=WebhookTopic.choices)
    # No constraint and no cascade: events are deleted with their ticket in one statement, and a
    # delivery whose event is gone says so when it is sent.
    event = models.ForeignKey(
        "hub.TicketEvent",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    ticket = models.ForeignKey("hub.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The JSON body as sent, written at the first attempt: every retry sends the same bytes
    # (a JSON column would give its keys back in another order, and break the signature's promise).
    body = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Pending: when the next attempt is due. Sending: when the claim of a worker lapses.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="webhookdelivery_due"),
            models.Index(fields=["webhook", "-created_at"], name="webhookdelivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} → {self.webhook_id} ({self.state})"
