"""Saved views: an inbox view with its filters and order, kept under a name.

A saved view is personal (``team`` empty: only its owner sees it) or shared with a team (its
members see it in their navigation; admins and leads make, rename and delete shared views).
``base`` is the built-in view it narrows (``frontend.inbox.VIEWS``) and ``query`` the filters
and sort as the list's URL carries them (``status=open&channel=chat&sort=created``), so a saved
view shows exactly the list that was on screen when it was saved. The tickets it lists are
always scoped by ``hub.access`` for whoever looks: sharing a view shares no tickets.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hub.models.teams import Agent, Team


class SavedView(models.Model):
    name = models.CharField(_("name"), max_length=80)
    owner = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="saved_views")
    # Shared with this team's members; empty for a personal view.
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="saved_views")
    base = models.CharField(_("view"), max_length=20, default="all")
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "pk"]
        indexes = [
            models.Index(fields=["owner", "name"], name="savedview_owner"),
            models.Index(fields=["team", "name"], name="savedview_team"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def key(self) -> str:
        """The view's key in the inbox's URLs (``/agent/v/s12/``)."""
        return f"s{self.pk}"
