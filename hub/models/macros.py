"""Macros: a named set of ticket changes an agent applies in one step, with an optional reply.

A macro belongs to a scope as a canned reply does (personal, team, global; ``CannedScope``).
Its actions are columns, not a JSON blob: each is empty when the macro leaves that part of the
ticket alone. The reply is a canned reply, rendered for each ticket and put into the composer
for the agent to review, or sent at once when ``send_reply`` says so. ``hub.actions.macros``
applies it; ``TicketSnooze`` keeps a ticket snoozed until a moment, when the beat reopens it.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models.canned import SCOPE_OWNER, CannedReply, CannedScope
from hub.models.teams import Agent, Team
from hub.models.tickets import Ticket, TicketStatus


class AssignTo(models.TextChoices):
    KEEP = "", _("Leave as it is")
    ME = "me", _("The agent who applies it")
    AGENT = "agent", _("A chosen agent")
    NOBODY = "nobody", _("Nobody (unassign)")


class Macro(models.Model):
    title = models.CharField(_("title"), max_length=120)
    scope = models.CharField(_("scope"), max_length=10, choices=CannedScope.choices)
    owner = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.CASCADE, related_name="macros")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="macros")

    # The actions; blank or null means "leave as it is".
    set_status = models.CharField(_("status"), max_length=10, blank=True, choices=TicketStatus.choices)
    set_priority = models.PositiveSmallIntegerField(_("priority"), null=True, blank=True)
    set_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assign = models.CharField(_("assign to"), max_length=10, blank=True, choices=AssignTo.choices)
    # With ``assign == "agent"`` only; an agent deleted later leaves the macro assigning nobody in particular.
    assignee = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    add_tags = models.JSONField(_("tags to add"), default=list, blank=True)
    remove_tags = models.JSONField(_("tags to remove"), default=list, blank=True)
    snooze_minutes = models.PositiveIntegerField(_("snooze for (minutes)"), null=True, blank=True)
    reply = models.ForeignKey(CannedReply, null=True, blank=True, on_delete=models.SET_NULL, related_name="macros")
    # Send the rendered reply at once instead of leaving it in the composer for review.
    send_reply = models.BooleanField(_("send immediately"), default=False)

    usage_count = models.PositiveIntegerField(_("used"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(condition=SCOPE_OWNER, name="macro_scope_owner"),
        ]

    def __str__(self) -> str:
        return self.title


class TicketSnooze(models.Model):
    """A ticket put aside until ``until``: it waits as pending, and the beat reopens it then
    unless something else moved it on meanwhile (a customer's reply, an agent)."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="snooze")
    until = models.DateTimeField()
    actor = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["until"], name="ticketsnooze_until")]

    def __str__(self) -> str:
        return f"#{self.ticket_id} until {self.until:%Y-%m-%d %H:%M}"
