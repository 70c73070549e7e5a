"""The leads' reports: ``/agent/reports/``, a period's figures per team and per channel
(``frontend.report_figures``), and ``/agent/reports/sla/``, the service levels per team now
(``frontend.reports``).

Admins and leads see every team, so the numbers are the whole hub's; agents and viewers are
refused (their "SLA at risk" view shows what is theirs).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from frontend import report_overview, reports
from frontend.auth import agent_required
from frontend.report_figures import overview as period_overview
from hub.models import Agent


@require_GET
@agent_required
def overview(request: HttpRequest, agent: Agent) -> HttpResponse:
    if not agent.sees_everything:
        raise PermissionDenied("the reports are for admins and leads")
    form = report_overview.PeriodForm(request.GET)
    context: dict[str, object] = {
        "form": form,
        "presets": report_overview.presets(),
        "in_reports": True,
        "tab": "overview",
    }
    if form.is_valid():
        result = period_overview(form.scope())
        context |= {
            "total": report_overview.total_line(result),
            "teams": report_overview.team_lines(result),
            "channels": report_overview.channel_lines(result),
            "since": form.cleaned_data["since"],
            "until": form.cleaned_data["until"],
        }
    return render(request, "frontend/reports/overview.html", context)


@require_GET
@agent_required
def sla_report(request: HttpRequest, agent: Agent) -> HttpResponse:
    if not agent.sees_everything:
        raise PermissionDenied("the service-level report is for admins and leads")
    lines = reports.per_team()
    context = {
        "lines": lines,
        "total_at_risk": sum(line.at_risk for line in lines),
        "total_breached": sum(line.breached_today for line in lines),
        "since": reports.start_of_today(),
        "zone": timezone.get_current_timezone_name(),
        "in_reports": True,
        "tab": "sla",
    }
    return render(request, "frontend/reports/sla.html", context)
