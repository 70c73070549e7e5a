from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models.customers import Customer
from hub.models.teams import Agent
from hub.models.tickets import Ticket


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")


class MessageKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    NOTE = "note", _("Internal note")
    CALL = "call", _("Call")
    SYSTEM = "system", _("System")


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class Message(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(max_length=20)
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=10, choices=MessageKind.choices, default=MessageKind.MESSAGE)
    author_agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author_customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    sender = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True)
    # Sanitized with nh3 before it is stored; templates still render it only in a sandbox.
    html = models.TextField(blank=True)
    # Quoted history separated from the new text, shown collapsed.
    quoted_text = models.TextField(blank=True)
    # Provider id (Message-ID, chat message id, call SID); unique per channel where set.
    external_id = models.CharField(max_length=998, null=True, blank=True)
    # A channel's conversation key (chat session, call SID) that later messages thread by; for a
    # mail that arrived before the one it answers, that parent's Message-ID, which it waits for.
    thread_key = models.CharField(max_length=200, blank=True, db_index=True)
    # The agent client's idempotency key for a send: a retried request gives the same message.
    client_id = models.CharField(max_length=64, null=True, blank=True)
    inbound_event = models.OneToOneField(
        "hub.InboundEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="message"
    )
    delivery_status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED)
    delivery_error = models.TextField(blank=True)
    delivery_attempts = models.PositiveSmallIntegerField(default=0)
    # When a worker claimed the send (status sending), and when a queued retry is due; the
    # delivery sweep uses both to pick up sends whose task or worker was lost.
    delivery_claimed_at = models.DateTimeField(null=True, blank=True)
    delivery_next_at = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="message_ticket_time"),
            models.Index(
                fields=["delivery_status", "delivery_next_at"],
                name="message_delivery_pending",
                condition=models.Q(delivery_status__in=["queued", "sending"]),
            ),
            # The inbox row's "reply not delivered": a few rows, read per ticket of a page.
            models.Index(fields=["ticket"], name="message_failed_ticket", condition=models.Q(delivery_status="failed")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                name="message_unique_channel_external_id",
                condition=models.Q(external_id__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["ticket", "client_id"],
                name="message_unique_ticket_client_id",
                condition=models.Q(client_id__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.direction} on #{self.ticket_id}"

    @property
    def is_note(self) -> bool:
        return self.kind == MessageKind.NOTE


def attachment_path(instance: Attachment, filename: str) -> str:
    # Content-addressed: the name a sender chose never becomes a path on our disk.
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    inline = models.BooleanField(default=False)
    content_id = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename
