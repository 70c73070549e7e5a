"""Notifications: what an agent is told about their tickets (the bell, its panel, a mail).

A row per recipient and occurrence: a ticket assigned to them by someone else, a mention in a
note, the customer's reply on a ticket assigned to them, an SLA warning on one. Rows are
written whatever the recipient's settings say (one INSERT, no settings read on the pipeline's
hot path); the bell shows the kinds the agent keeps in-app, and the mail task reads the
settings when it runs.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hub.models.messages import Message
from hub.models.teams import Agent
from hub.models.tickets import Ticket


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("A ticket is assigned to me")
    MENTIONED = "mentioned", _("I am mentioned in a note")
    CUSTOMER_REPLIED = "customer_replied", _("The customer replied on my ticket")
    SLA_WARNING = "sla_warning", _("A service level is at risk on my ticket")


class Notification(models.Model):
    recipient = models.ForeignKey(
        Agent, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=NotificationKind.choices)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notifications")
    # Who did it: None for the customer or the system (the SLA beat).
    actor = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The note that mentioned, the customer's message: the panel opens the ticket there.
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Claimed by the mail task (once), whether or not a mail was wanted.
    mailed_at = models.DateTimeField(_("mailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created", "-pk"]
        indexes = [
            # The bell: an agent's unread ones, newest first.
            models.Index(
                fields=["recipient", "-created"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["recipient", "kind", "-created"], name="notification_recipient_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.ticket_id} → {self.recipient_id}"


def default_kinds() -> list[str]:
    return [kind.value for kind in NotificationKind]


def default_mail_kinds() -> list[str]:
    return [NotificationKind.ASSIGNED.value, NotificationKind.MENTIONED.value]


class NotificationSettings(models.Model):
    """An agent's own choices; an agent without a row has the defaults."""

    agent = models.OneToOneField(Agent, on_delete=models.CASCADE, related_name="notification_settings")
    in_app = models.JSONField(_("in the workspace"), default=default_kinds, blank=True)
    by_mail = models.JSONField(_("by mail"), default=default_mail_kinds, blank=True)
    browser = models.BooleanField(_("browser notifications"), default=False)
    chat_sound = models.BooleanField(_("sound for new chats and calls"), default=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return f"notification settings of {self.agent_id}"
