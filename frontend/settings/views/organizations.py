"""Settings → Organizations: each customer organization's contracted SLA policy.

Small on purpose: organizations are made by the pipeline (mail domains) and the API; what an
admin or lead sets here is the service level contracted with them, which measures their
customers' tickets before any other policy (``hub.actions.sla.do_set_organization_sla_policy``).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from hub import settings_area
from hub.actions.sla import do_set_organization_sla_policy
from hub.models import Agent, Organization, SlaPolicy

KEY = "organizations"
PAGE = 50


@settings_area.screen(KEY)
def index(request: HttpRequest, agent: Agent) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    rows = Organization.objects.select_related("sla_policy").annotate(customer_count=Count("customers"))
    if q:
        rows = rows.filter(name__icontains=q)
    page = Paginator(rows.order_by("name", "id"), PAGE).get_page(request.GET.get("page"))
    policies = list(SlaPolicy.objects.order_by("position", "id").values_list("pk", "name"))
    return render(request, "frontend/settings/organizations/index.html", {"page": page, "q": q, "policies": policies})


@settings_area.screen(KEY)
def detail(request: HttpRequest, agent: Agent, pk: int) -> HttpResponse:
    organization = Organization.objects.select_related("sla_policy").filter(pk=pk).first()
    if organization is None:
        raise Http404("no such organization")
    policies = list(SlaPolicy.objects.order_by("position", "id"))
    if request.method == "POST":
        wanted = request.POST.get("sla_policy", "")
        policy = next((p for p in policies if str(p.pk) == wanted), None)
        if wanted and policy is None:
            messages.error(request, _("That SLA policy no longer exists; choose another."))
            return redirect(f"settings:{KEY}:detail", pk=organization.pk)
        before, after = str(organization.sla_policy or ""), str(policy or "")
        do_set_organization_sla_policy(actor=agent, organization=organization, policy=policy)
        if before == after:
            messages.info(request, _("Nothing changed."))
        else:
            change = f"{_('Contracted SLA policy')}: {before or '—'} → {after or '—'}"
            messages.success(request, _("Saved. %(changes)s") % {"changes": change})
        if request.POST.get("next") == "index":
            return redirect(f"settings:{KEY}:index")
        return redirect(f"settings:{KEY}:detail", pk=organization.pk)
    context = {"organization": organization, "policies": [(p.pk, p.name) for p in policies]}
    return render(request, "frontend/settings/organizations/detail.html", context)


urlpatterns = [
    path("", index, name="index"),
    path("<int:pk>/", detail, name="detail"),
]
