"""Settings → External lookup: the CRM or shop asked about customers, shown beside their tickets."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from frontend.settings.forms.lookup import LookupForm
from hub import settings_area
from hub.actions.rules import do_save_external_lookup
from hub.models import Agent, ExternalLookup
from hub.routing.lookup import try_address

KEY = "external-lookup"


@settings_area.screen(KEY)
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    current = ExternalLookup.objects.order_by("pk").first()
    initial: dict[str, Any] = {}
    if current is not None:
        initial = {
            "enabled": current.enabled,
            "url_template": current.url_template,
            "auth_header": current.auth_header,
            "timeout_ms": current.timeout_ms,
            "ttl_seconds": current.ttl_seconds,
        }
    form = LookupForm(request.POST or None, initial=initial)
    tried: dict[str, Any] | None = None
    if request.method == "POST" and form.is_valid():
        do_save_external_lookup(actor=agent, values=form.values())
        if form.cleaned_data.get("try_email"):
            answer = try_address(form.cleaned_data["try_email"])
            tried = {"data": answer.data, "error": answer.error}
        else:
            messages.success(request, _("External lookup saved."))
            return redirect(f"settings:{KEY}:index")
    stored = current is not None and bool(current.auth_value)
    return render(request, "frontend/settings/lookup.html", {"form": form, "tried": tried, "secret_stored": stored})


urlpatterns = [path("", index, name="index")]
