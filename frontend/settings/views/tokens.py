"""Settings → API tokens: made for an agent or an integration with a scope and an expiry, shown
once, stored hashed, revoked after asking once."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from frontend.settings.forms.tokens import TokenForm
from hub import settings_area
from hub.actions.tokens import do_create_token, do_revoke_token
from hub.models import Agent, ApiToken

# The list's filter, (value, label); the view reads "usable" and "ended", anything else is all.
STATUSES = (
    ("usable", gettext_lazy("Usable")),
    ("ended", gettext_lazy("Revoked or expired")),
    ("all", gettext_lazy("All")),
)


@settings_area.screen("api-tokens")
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    status = request.GET.get("status", "usable")
    rows = ApiToken.objects.select_related("agent__user", "created_by__user")
    if status == "usable":
        rows = rows.usable()
    elif status == "ended":
        rows = rows.exclude(pk__in=ApiToken.objects.usable().values("pk"))
    return render(
        request,
        "frontend/settings/tokens/index.html",
        {"tokens": rows, "status": status, "statuses": STATUSES, "now": timezone.now()},
    )


@never_cache
@settings_area.screen("api-tokens")
def new(request: HttpRequest, agent: Agent) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        row, token = do_create_token(
            agent,
            name=form.cleaned_data["name"],
            agent=form.cleaned_data["acts_as"],
            scope=form.cleaned_data["scope"],
            expires_at=form.expires_at(),
        )
        # Shown in this response only: no redirect, no session, nothing that keeps it.
        response = render(request, "frontend/settings/tokens/created.html", {"row": row, "token": token})
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "frontend/settings/tokens/new.html", {"form": form})


@settings_area.screen("api-tokens")
def revoke(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    row = ApiToken.objects.select_related("agent__user").filter(pk=pk).first()
    if row is None:
        raise Http404("no such token")
    if request.method == "POST":
        do_revoke_token(agent, row)
        messages.success(request, _("The token “%(name)s” is revoked.") % {"name": row.name})
        return redirect("settings:api-tokens:index")
    return render(request, "frontend/settings/tokens/revoke.html", {"row": row})


urlpatterns = [
    path("", index, name="index"),
    path("new/", new, name="new"),
    path("<int:pk>/revoke/", revoke, name="revoke"),
]
