"""``/agent/reports/sla/``: the leads' service-level numbers per team (``frontend.reports``).

Admins and leads see every team, so the numbers are the whole hub's; agents and viewers are
refused (their "SLA at risk" view shows what is theirs).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from frontend import reports
from frontend.auth import agent_required
from hub.models import Agent


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
    }
    return render(request, "frontend/reports/sla.html", context)
