"""Settings → Customer fields: the custom attributes agents fill in, with a label and a type."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from frontend.settings.forms.customer_fields import CustomerFieldForm
from hub import settings_area
from hub.actions.customer_fields import do_save_customer_field
from hub.models import Agent, CustomerField

KEY = "customer-fields"


def _get(pk: int) -> CustomerField:
    field = CustomerField.objects.filter(pk=pk).first()
    if field is None:
        raise Http404("no such customer field")
    return field


@settings_area.screen(KEY)
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    rows = CustomerField.objects.all()
    if q:
        rows = rows.filter(Q(label__icontains=q) | Q(key__icontains=q))
    if status in ("enabled", "disabled"):
        rows = rows.filter(active=status == "enabled")
    context = {"rows": rows, "q": q, "status": status}
    return render(request, "frontend/settings/customer_fields/index.html", context)


@settings_area.screen(KEY)
def edit(request: HttpRequest, agent: Agent, pk: int | None = None) -> HttpResponse:
    before = _get(pk) if pk is not None else None
    instance = _get(pk) if pk is not None else CustomerField()
    form = CustomerFieldForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        field: CustomerField = form.save(commit=False)
        changes = do_save_customer_field(agent, field, before=before)
        settings_area.saved(
            request, changes, {"choices": form.fields["choices_text"].label or ""}, form=form, created=pk is None
        )
        return redirect(f"settings:{KEY}:detail", pk=field.pk)
    return render(request, "frontend/settings/customer_fields/edit.html", {"form": form, "field": before})


urlpatterns = [
    path("", index, name="index"),
    path("new/", edit, name="new"),
    path("<int:pk>/", edit, name="detail"),
]
