"""The leads' reports: ``/agent/reports/``, a period's figures per team and per channel
(``frontend.report_figures``), and ``/agent/reports/sla/``, the service levels per team now
(``frontend.reports``).

Admins and leads see every team, so the numbers are the whole hub's; agents and viewers are
refused (their "SLA at risk" view shows what is theirs).
"""

from __future__ import annotations

import csv

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
        "presets": report_overview.presets(request.GET),
        "in_reports": True,
        "tab": "overview",
    }
    if form.is_valid():
        result = period_overview(form.scope())
        total, teams, channels, agents = (
            report_overview.total_line(result),
            report_overview.team_lines(result),
            report_overview.channel_lines(result),
            report_overview.agent_lines(result),
        )
        since, until = form.cleaned_data["since"], form.cleaned_data["until"]
        if request.GET.get("format") == "csv":
            return _csv(report_overview.csv_rows(teams, channels, agents, total), f"report-{since}-{until}.csv")
        query = request.GET.copy()
        query["format"] = "csv"
        context |= {
            "total": total,
            "teams": teams,
            "channels": channels,
            "agents": agents,
            "csv_query": query.urlencode(),
        }
    return render(request, "frontend/reports/overview.html", context)


def _csv(rows: list[list[object]], filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    csv.writer(response).writerows(rows)
    return response


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
