"""Settings → Shared views: the saved inbox views shared with a team, renamed or deleted here.

Admins and leads share a view from the inbox (filter, sort, "Save as view", visible to a team);
this screen lists every shared view with its team and filters. Personal views are their
owners' alone and are not listed.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend import inbox
from hub import settings_area
from hub.actions.saved_views import do_delete_view, do_rename_view
from hub.models import Agent, SavedView


def _shared(pk: int) -> SavedView:
    saved = SavedView.objects.filter(pk=pk, team__isnull=False).first()
    if saved is None:
        raise Http404("no such shared view")
    return saved


@settings_area.screen("shared-views")
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    shared = SavedView.objects.filter(team__isnull=False).select_related("team", "owner__user").order_by("name", "pk")
    rows = [
        (saved, inbox.VIEWS[saved.base].label if saved.base in inbox.VIEWS else saved.base, saved.query.split("&"))
        for saved in shared
    ]
    return render(
        request,
        "frontend/settings/views/index.html",
        {"rows": rows, "inbox_url": reverse("agent_view", args=["all"])},
    )


@require_POST
@settings_area.screen("shared-views")
def rename(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    saved = _shared(pk)
    name = request.POST.get("name", "")
    if name.strip():
        do_rename_view(agent, saved, name)
        messages.success(request, _("View renamed to “%(name)s”.") % {"name": saved.name})
    return redirect("settings:shared-views:index")


@require_POST
@settings_area.screen("shared-views")
def delete(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    saved = _shared(pk)
    do_delete_view(agent, saved)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": saved.name})
    return redirect("settings:shared-views:index")


urlpatterns = [
    path("", index, name="index"),
    path("<int:pk>/rename/", rename, name="rename"),
    path("<int:pk>/delete/", delete, name="delete"),
]
