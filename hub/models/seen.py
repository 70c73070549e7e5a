"""When each agent last looked at a ticket: what makes a list row unread for them (UX.md 2)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models.messages import Direction, Message, MessageKind

# A customer's message older than this is no news, whoever looked: no row is unread for it. So
# a look at a message that old decides nothing and is deleted
# (``hub.actions.seen.do_forget_old_looks``): the table holds the last three months' looks.
UNREAD_FOR = timedelta(days=90)


def unread_since(now: datetime) -> datetime:
    """The oldest customer's message that can still make a row unread at ``now``."""
    return now - UNREAD_FOR


def answers() -> models.QuerySet[Message]:
    """What ends a customer's message being news: a message to the customer (a note, which stays
    inside, or a system line is no answer). The list's unread column and the ticket's first
    unread item read the same rule."""
    return Message.objects.filter(direction=Direction.OUTBOUND).exclude(kind__in=(MessageKind.NOTE, MessageKind.SYSTEM))


class TicketSeen(models.Model):
    """``agent`` had ``ticket`` open at ``seen_at`` (its page or a live refresh of its timeline).

    A row is unread for an agent while the customer wrote last and the agent has not looked
    since (``frontend.inbox``): a customer's message that a colleague answered is not news.
    """

    agent = models.ForeignKey("hub.Agent", on_delete=models.CASCADE, related_name="+", verbose_name=_("agent"))
    ticket = models.ForeignKey("hub.Ticket", on_delete=models.CASCADE, related_name="+", verbose_name=_("ticket"))
    seen_at = models.DateTimeField(_("seen at"), default=timezone.now)

    class Meta:
        verbose_name = _("ticket seen")
        verbose_name_plural = _("tickets seen")
        constraints = [models.UniqueConstraint(fields=["agent", "ticket"], name="ticketseen_once_per_agent")]

    def __str__(self) -> str:
        return f"{self.agent_id} saw #{self.ticket_id} at {self.seen_at:%Y-%m-%d %H:%M}"
