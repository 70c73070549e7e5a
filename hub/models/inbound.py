from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InboundState(models.TextChoices):
    RECEIVED = "received", _("Received")
    FAILED = "failed", _("Failed, will retry")
    PROCESSED = "processed", _("Processed")
    QUARANTINED = "quarantined", _("Quarantined")


class InboundEvent(models.Model):
    """The durable receipt of one thing a customer sent, written before any processing.

    Unique per (channel, external_id), so a provider's redelivery is recognized at the door.
    Processing failures keep the payload, the error and the attempts; after the last attempt
    the event is quarantined and an admin can retry it. Nothing received is ever deleted here.
    """

    channel = models.CharField(max_length=20)
    external_id = models.CharField(max_length=998)
    payload = models.JSONField(default=dict, blank=True)
    # Raw bytes where the channel has them (an RFC 822 mail), kept for re-parsing.
    raw = models.BinaryField(null=True, blank=True)
    state = models.CharField(max_length=12, choices=InboundState.choices, default=InboundState.RECEIVED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    # What processing made of it: created, appended, duplicate, auto_reply, bounce, ignored.
    outcome = models.CharField(max_length=20, blank=True)
    ticket = models.ForeignKey(
        "hub.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_events"
    )
    received_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # Who put the event back to `received` and when: [{"at", "by", "from_state", "attempts"}].
    retries = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("inbound event")
        verbose_name_plural = _("inbound events")
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="inbound_unique_channel_external_id")
        ]
        indexes = [models.Index(fields=["state", "received_at"], name="inbound_state_time")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id} ({self.state})"
