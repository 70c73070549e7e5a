"""Settings → Teams: the list with members and open tickets, a team's page, deleting a team."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from frontend.settings.forms.people import TeamForm
from hub import settings_area
from hub.access import team_ids
from hub.actions.people import do_delete_team, do_save_team
from hub.models import Agent, Role, Team
from hub.models.tickets import OPEN_STATUSES


def teams_for(viewer: Agent) -> QuerySet[Team]:
    rows = Team.objects.all()
    if viewer.role != Role.ADMIN:
        rows = rows.filter(pk__in=team_ids(viewer))
    return rows


def _get(viewer: Agent, pk: int) -> Team:
    try:
        return teams_for(viewer).get(pk=pk)
    except Team.DoesNotExist:
        raise Http404("no such team") from None


@settings_area.screen("teams")
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    rows = teams_for(agent)
    if q:
        rows = rows.filter(name__icontains=q)
    rows = rows.annotate(
        members=Count("agents", filter=Q(agents__deactivated_at__isnull=True), distinct=True),
        open_tickets=Count("tickets", filter=Q(tickets__status__in=OPEN_STATUSES), distinct=True),
    ).order_by("name")
    return render(request, "frontend/settings/teams/index.html", {"teams": rows, "q": q})


@settings_area.screen("teams")
def edit(request: HttpRequest, agent: Agent, pk: int | None = None) -> HttpResponse:
    team = _get(agent, pk) if pk is not None else None
    initial = {"name": team.name, "members": list(team.agents.all())} if team else {}
    form = TeamForm(request.POST or None, team=team, initial=initial)
    if request.method == "POST" and form.is_valid():
        team, changes = do_save_team(agent, team, name=form.cleaned_data["name"], members=form.cleaned_data["members"])
        settings_area.saved(request, changes, form=form, created=pk is None)
        return redirect("settings:teams:detail", pk=team.pk)
    return render(request, "frontend/settings/teams/edit.html", {"team": team, "form": form})


@settings_area.screen("teams")
def delete(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    """GET says what happens to the team's tickets; POST deletes it."""
    team = _get(agent, pk)
    open_tickets = team.tickets.filter(status__in=OPEN_STATUSES).count()
    if request.method == "POST":
        do_delete_team(agent, team)
        messages.success(request, _("The team %(name)s is deleted.") % {"name": team.name})
        return redirect("settings:teams:index")
    return render(request, "frontend/settings/teams/delete.html", {"team": team, "open_tickets": open_tickets})


urlpatterns = [
    path("", index, name="index"),
    path("new/", edit, name="new"),
    path("<int:pk>/", edit, name="detail"),
    path("<int:pk>/delete/", delete, name="delete"),
]
