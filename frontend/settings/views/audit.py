"""Settings → Audit log: every settings change and sensitive action, filterable, read-only.

Pages go by time (newest first) with a keyset cursor, so the log reads the same at a hundred
entries as at a million, and no page needs a count of the whole table.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from hub import audit, settings_area
from hub.models import Agent, AuditEntry
from hub.text import whole_number

PAGE = 50


class AgentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agent) -> str:
        return obj.name


class AuditFilter(forms.Form):
    q = forms.CharField(label=_("Object"), required=False, max_length=100)
    actor = AgentChoice(
        label=_("Who"), queryset=Agent.objects.select_related("user").order_by("user__first_name"), required=False
    )
    action = forms.ChoiceField(label=_("Action"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actions = sorted(audit.known_actions().items(), key=lambda a: str(a[1]))
        action: forms.ChoiceField = self.fields["action"]  # type: ignore[assignment]
        action.choices = [("", _("Any action")), *((k, str(v)) for k, v in actions)]

    def apply(self, rows: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        if not self.is_valid():
            return rows.none()
        data = self.cleaned_data
        if data["q"]:
            rows = rows.filter(Q(target_label__icontains=data["q"]) | Q(target_id=data["q"]))
        if data["actor"]:
            rows = rows.filter(actor=data["actor"])
        if data["action"]:
            rows = rows.filter(action=data["action"])
        zone = timezone.get_current_timezone()
        if data["since"]:
            rows = rows.filter(at__gte=datetime.combine(data["since"], time.min, tzinfo=zone))
        if data["until"]:
            rows = rows.filter(at__lte=datetime.combine(data["until"], time.max, tzinfo=zone))
        return rows


@require_GET
@settings_area.screen("audit-log")
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    filters = AuditFilter(request.GET or None)
    rows = filters.apply(AuditEntry.objects.all()) if request.GET else AuditEntry.objects.all()
    before = whole_number(request.GET.get("before", ""))
    if before is not None:
        rows = rows.filter(pk__lt=before)
    page = list(rows.order_by("-pk")[: PAGE + 1])
    more = len(page) > PAGE
    page = page[:PAGE]
    query = request.GET.copy()
    query.pop("before", None)
    return render(
        request,
        "frontend/settings/audit.html",
        {
            "filters": filters,
            "entries": page,
            "older": f"?{query.urlencode()}&before={page[-1].pk}" if more and page else "",
            "newest": f"?{query.urlencode()}" if before else "",
        },
    )


urlpatterns = [path("", index, name="index")]
