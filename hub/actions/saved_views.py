"""Saving and deleting an agent's saved inbox views (``hub.models.SavedView``).

A personal view is its owner's; a view shared with a team is made and deleted by admins and
leads only, and that is audited, since it changes every member's navigation.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy

from hub import audit
from hub.access import may_change, team_ids
from hub.models import Agent, SavedView, Team

audit.describe("saved_view.deleted", gettext_lazy("Saved view deleted"))
audit.describe("saved_view.renamed", gettext_lazy("Saved view renamed"))
audit.describe("saved_view.shared", gettext_lazy("Saved view shared"))

NAME_MAX = 80
QUERY_MAX = 1000


def saved_views_for(agent: Agent) -> QuerySet[SavedView]:
    """The agent's own saved views and those shared with their teams (all shared ones for
    admins and leads, who manage them)."""
    shared = Q(team__isnull=False) if agent.sees_everything else Q(team_id__in=team_ids(agent))
    return SavedView.objects.filter(Q(owner_id=agent.pk, team__isnull=True) | shared).order_by("name", "pk")


@transaction.atomic
def do_save_view(agent: Agent, name: str, base: str, query: str, team: Team | None = None) -> SavedView:
    """Keep the list ``agent`` has on screen (view ``base``, filters and order ``query``) as
    ``name``: personal, or shared with ``team`` (admins and leads only)."""
    if not may_change(agent) or (team is not None and not agent.sees_everything):
        raise PermissionDenied("may not save this view")
    name = " ".join(name.split())[:NAME_MAX]
    if not name:
        raise ValueError("a saved view needs a name")
    saved = SavedView.objects.create(name=name, owner=agent, team=team, base=base[:20], query=query[:QUERY_MAX])
    if team is not None:
        audit.record(agent, "saved_view.shared", target=saved, changes={"team": team.name, "query": saved.query})
    return saved


@transaction.atomic
def do_delete_view(agent: Agent, saved: SavedView) -> None:
    if not may_manage(agent, saved):
        raise PermissionDenied("may not delete this view")
    if saved.team_id is not None:
        audit.record(agent, "saved_view.deleted", target=saved, changes={"name": saved.name})
    saved.delete()


@transaction.atomic
def do_rename_view(agent: Agent, saved: SavedView, name: str) -> SavedView:
    """A new name for ``saved``, by whoever may delete it."""
    if not may_manage(agent, saved):
        raise PermissionDenied("may not rename this view")
    name = " ".join(name.split())[:NAME_MAX]
    if not name:
        raise ValueError("a saved view needs a name")
    if saved.team_id is not None:
        audit.record(agent, "saved_view.renamed", target=saved, changes={"name": [saved.name, name]})
    saved.name = name
    saved.save(update_fields=["name"])
    return saved


def may_manage(agent: Agent, saved: SavedView) -> bool:
    """Whether ``agent`` may rename or delete ``saved``: their own personal view, or, for admins
    and leads, a shared one."""
    if not may_change(agent):
        return False
    if saved.team_id is None:
        return saved.owner_id == agent.pk
    return agent.sees_everything
