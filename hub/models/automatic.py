from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hub.models.messages import Message
from hub.models.tickets import Ticket


class AutomaticMessage(models.Model):
    """A message the hub sent a customer without an agent (acknowledgement, transcript, form
    confirmation), on any channel: the loop limit counts these per address.

    ``once`` rows are unique per (ticket, kind), so a task that runs twice never acknowledges a
    ticket twice; a suppressed one keeps why (``suppressed``) and has no message.
    """

    address = models.CharField(max_length=320, db_index=True)
    channel = models.CharField(max_length=20, default="email")
    kind = models.CharField(max_length=20)
    ticket = models.ForeignKey(Ticket, null=True, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, null=True, on_delete=models.SET_NULL, related_name="+")
    once = models.BooleanField(default=False)
    suppressed = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("automatic message")
        verbose_name_plural = _("automatic messages")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "kind"], condition=Q(once=True), name="automatic_once_per_ticket_kind"
            )
        ]
        indexes = [models.Index(fields=["address", "created_at"], name="automatic_address_time")]

    def __str__(self) -> str:
        return f"{self.kind} to {self.address}"
