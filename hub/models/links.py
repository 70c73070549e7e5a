"""Tickets that belong together: related (either way) or one merged into another."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models.teams import Agent
from hub.models.tickets import Ticket


class LinkKind(models.TextChoices):
    RELATED = "related", _("Related")
    MERGED = "merged", _("Merged")


class TicketLink(models.Model):
    """A related pair is stored once, the lower id first; a merge points from the ticket merged
    away (``ticket``, closed) to the one that took its messages (``other``)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    other = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="links_in", verbose_name=_("linked ticket")
    )
    kind = models.CharField(max_length=10, choices=LinkKind.choices, default=LinkKind.RELATED)
    actor = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "other"], name="ticketlink_unique_pair"),
            models.CheckConstraint(condition=~models.Q(ticket=models.F("other")), name="ticketlink_not_itself"),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.kind} #{self.other_id}"
